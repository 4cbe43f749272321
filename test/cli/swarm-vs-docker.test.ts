import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, dockerWithInput, startTswarmd, tswarm, TSWARM_BIN, type RunResult, type Tswarmd } from '../helpers/tswarmd.js';

// `swarm init/join/unlock-key/unlock/ca/update`: the docker CLI against one tswarm daemon, tswarm's CLI against
// another in the same state, made by the same commands: the same output, exit status and resulting swarm.

const norm = (s: string) => s
  .replace(/-----BEGIN CERTIFICATE-----\n[^]*?-----END CERTIFICATE-----/g, '<cert>')
  .replace(/SWMTKN-1-[0-9a-z]+-[0-9a-z]+/g, '<token>')
  .replace(/SWMKEY-1-[A-Za-z0-9+/]+/g, '<key>')
  .replace(/sha256:[0-9a-f]{64}/g, '<digest>')
  .replace(/\b127\.0\.0\.1:\d+\b/g, '<addr>')
  .replace(/\b[a-z0-9]{25}\b/g, '<id>')
  .replaceAll('tswarm', 'docker');
const outcome = (r: RunResult) => ({ code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr) });

function tswarmWithInput(host: string, input: string, ...args: string[]): Promise<RunResult> {
  return new Promise((res) => {
    const p = execFile(process.execPath, [TSWARM_BIN, ...args], { env: { ...process.env, DOCKER_HOST: host }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    p.stdin!.end(input);
  });
}

type Daemon = Tswarmd & { listenAddr: string };

/** A docker daemon and a tswarm one: each command through its CLI (@LISTEN: the daemon's own cluster address), the two outcomes compared. */
function pair(d: Daemon, t: Daemon) {
  const own = (args: string[], h: Daemon) => args.map((x) => x.replaceAll('@LISTEN', h.listenAddr));
  const same = async (args: string[], what = args.join(' ')) => {
    const [a, b] = await Promise.all([docker(d.host, ...own(args, d)), tswarm(t.host, ...own(args, t))]);
    assert.deepEqual(outcome(b), outcome(a), what);
    return [a, b] as const;
  };
  /** A `docker info --format` field on both daemons (read with the docker CLI), the same after normalising. */
  const sameInfo = async (format: string, what: string) => {
    const [a, b] = await Promise.all([docker(d.host, 'info', '--format', format), docker(t.host, 'info', '--format', format)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(norm(b.stdout), norm(a.stdout), what);
    return norm(a.stdout.trim());
  };
  return { same, sameInfo };
}

const CLUSTER = '{{json .Swarm.Cluster.Spec}} {{.Swarm.Cluster.DefaultAddrPool}} {{.Swarm.Cluster.SubnetSize}} {{.Swarm.Cluster.DataPathPort}}';
const STATE = '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Managers}} {{.Swarm.Nodes}}';

test('tswarm swarm init --autolock …, unlock-key, update, ca, restart and unlock: docker\'s output and swarm', { timeout: 240_000 }, async (t) => {
  const [d, w] = await Promise.all([startTswarmd({ executor: 'sim' }), startTswarmd({ executor: 'sim' })]);
  t.after(() => Promise.all([d.stop('SIGKILL'), w.stop('SIGKILL')]));
  const { same, sameInfo } = pair(d, w);
  const dir = await mkdtemp(join(tmpdir(), 'swarm-cli-'));
  const pem = join(dir, 'ca.pem');
  await writeFile(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const notPem = join(dir, 'ca.txt');
  await writeFile(notPem, 'not a certificate\n');

  await t.test('before init: no swarm, flag and argument errors, refused options', async () => {
    for (const args of [
      ['swarm', 'unlock'], ['swarm', 'unlock-key'], ['swarm', 'ca'], ['swarm', 'unlock', 'extra'], ['swarm', 'unlock-key', 'x'],
      ['swarm', 'join'], ['swarm', 'join', 'a', 'b'], ['swarm', 'init', 'x'], ['swarm', 'ca', 'x'],
      ['swarm', 'init', '--availability', 'bogus'], ['swarm', 'join', '--availability', 'Sleep', '--token', 'x', '127.0.0.1:1'],
      ['swarm', 'init', '--default-addr-pool', '10.0.0.0/33'], ['swarm', 'init', '--default-addr-pool', '10.1.0.0/16,nope'],
      ['swarm', 'init', '--default-addr-pool-mask-length', '-1'], ['swarm', 'init', '--data-path-port', '-1'],
      ['swarm', 'init', '--listen-addr', '1.2.3.4:ab'], ['swarm', 'init', '--listen-addr', 'udp://1.2.3.4'], ['swarm', 'join', '--listen-addr', '[::1', 'x:1'],
      ['swarm', 'init', '--max-snapshots', 'x'], ['swarm', 'init', '--snapshot-interval', '-5'], ['swarm', 'init', '--cert-expiry', '1y'],
      ['swarm', 'init', '--dispatcher-heartbeat', '5'], ['swarm', 'init', '--task-history-limit', '1.5'],
      ['swarm', 'init', '--external-ca', 'protocol=acme,url=x'], ['swarm', 'init', '--external-ca', 'url=https://ca'],
      ['swarm', 'init', '--external-ca', 'protocol=cfssl'], ['swarm', 'init', '--external-ca', 'protocol=cfssl,url'],
      ['swarm', 'init', '--external-ca', `protocol=cfssl,url=https://ca,cacert=${join(dir, 'missing.pem')}`],
      ['swarm', 'init', '--external-ca', `protocol=cfssl,url=https://ca,cacert=${notPem}`],
      ['swarm', 'ca', '--ca-cert', join(dir, 'missing.pem')], ['swarm', 'ca', '--ca-key', notPem],
      ['swarm', 'unlock-key', '--bogus'], ['swarm', 'ca', '-x'],
      // what the daemon does not do yet: its refusal, as docker prints it
      ['swarm', 'init', '--availability', 'DRAIN', '--advertise-addr', '127.0.0.1'], ['swarm', 'init', '--data-path-addr', '127.0.0.1', '--advertise-addr', '127.0.0.1'],
      ['swarm', 'init', '--external-ca', 'protocol=cfssl,url=https://ca.example', '--advertise-addr', '127.0.0.1'],
    ]) {
      const [a] = await same(args);
      assert.notEqual(a.code, 0, args.join(' '));
    }
    assert.equal(await sameInfo(STATE, 'still inactive'), 'inactive false 0 0');
  });

  await t.test('init with every swarm flag and --autolock: the output with the unlock key, the stored spec', async () => {
    const [a] = await same(['swarm', 'init', '--autolock', '--advertise-addr', '127.0.0.1', '--listen-addr', '@LISTEN', '--availability', 'active',
      '--task-history-limit', '3', '--max-snapshots', '2', '--snapshot-interval', '500', '--dispatcher-heartbeat', '7s', '--cert-expiry', '48h',
      '--default-addr-pool', '10.20.1.0/16', '--default-addr-pool', '10.30.0.0/16,10.40.0.0/16', '--default-addr-pool-mask-length', '26', '--data-path-port', '4790']);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /instructions\.\nTo unlock a swarm manager after it restarts, run the `docker swarm unlock`\ncommand and provide the following key:\n\n {4}SWMKEY-1-/);
    const spec = await sameInfo(CLUSTER, 'cluster after init');
    assert.match(spec, /"TaskHistoryRetentionLimit":3/);
    assert.match(spec, /"KeepOldSnapshots":2/);
    assert.match(spec, /"SnapshotInterval":500/);
    assert.match(spec, /"HeartbeatPeriod":7000000000/);
    assert.match(spec, /"NodeCertExpiry":172800000000000/);
    assert.match(spec, /"AutoLockManagers":true/);
    assert.match(spec, / \[10\.20\.0\.0\/16 10\.30\.0\.0\/16 10\.40\.0\.0\/16\] 26 4790$/);
    assert.equal(await sameInfo(STATE, 'active manager'), 'active true 1 1');
    await same(['swarm', 'init'], 'init again');
    await same(['swarm', 'unlock'], 'unlock when not locked');
  });

  await t.test('unlock-key: the key, -q, --rotate, --rotate -q', async () => {
    for (const args of [['swarm', 'unlock-key'], ['swarm', 'unlock-key', '-q'], ['swarm', 'unlock-key', '--rotate'], ['swarm', 'unlock-key', '--rotate', '-q'],
      ['swarm', 'join-token', '--rotate', 'worker'], ['swarm', 'join-token', '--rotate', '-q', 'manager']]) {
      const [a] = await same(args);
      assert.equal(a.code, 0, a.stderr);
    }
    const key = async (h: Tswarmd) => (await docker(h.host, 'swarm', 'unlock-key', '-q')).stdout.trim();
    assert.match(await key(w), /^SWMKEY-1-[A-Za-z0-9+/]{43}$/);
  });

  await t.test('update: autolock off and on, snapshots, history, heartbeat; no flag; external CA refused', async () => {
    const [off] = await same(['swarm', 'update', '--autolock=false', '--max-snapshots', '0', '--snapshot-interval', '0', '--task-history-limit', '7']);
    assert.equal(off.stdout, 'Swarm updated.\n');
    assert.match(await sameInfo(CLUSTER, 'autolock off'), /"AutoLockManagers":false/);
    await same(['swarm', 'unlock-key', '--rotate'], 'rotate without autolock');
    await same(['swarm', 'unlock-key'], 'no key');
    const [on] = await same(['swarm', 'update', '--autolock', '--dispatcher-heartbeat', '6s', '--cert-expiry', '72h']);
    assert.match(on.stdout, /^Swarm updated\.\nTo unlock a swarm manager after it restarts/);
    const [again] = await same(['swarm', 'update', '--autolock', '--max-snapshots', '4']);
    assert.equal(again.stdout, 'Swarm updated.\n');
    const spec = await sameInfo(CLUSTER, 'after the updates');
    assert.match(spec, /"KeepOldSnapshots":4/);
    assert.match(spec, /"HeartbeatPeriod":6000000000/);
    const [help] = await same(['swarm', 'update']);
    assert.match(help.stdout, /^Usage: {2}docker swarm update \[OPTIONS\]\n\nUpdate the swarm\n/);
    for (const args of [['swarm', 'update', '--external-ca', 'protocol=cfssl,url=https://ca.example'], ['swarm', 'update', '--cert-expiry', '1m'],
      ['swarm', 'update', 'x']]) {
      const [a] = await same(args);
      assert.notEqual(a.code, 0, args.join(' '));
    }
    await sameInfo(CLUSTER, 'nothing changed by the refused updates');
    // A negative history limit is taken (Docker 20.10 takes it too: its reaper then keeps every task), and put back.
    const [neg] = await same(['swarm', 'update', '--task-history-limit', '-1']);
    assert.equal(neg.stdout, 'Swarm updated.\n');
    assert.match(await sameInfo(CLUSTER, 'a negative history limit'), /"TaskHistoryRetentionLimit":-1/);
    await same(['swarm', 'update', '--task-history-limit', '5']);
  });

  await t.test('ca: the root certificate; flags that need --rotate; --rotate -d; --rotate with progress', async () => {
    const [cert] = await same(['swarm', 'ca']);
    assert.match(cert.stdout, /^-----BEGIN CERTIFICATE-----\n[^]*\n-----END CERTIFICATE-----\n$/);
    for (const args of [['swarm', 'ca', '--cert-expiry', '48h'], ['swarm', 'ca', '--ca-cert', pem], ['swarm', 'ca', '--rotate', '--ca-cert', pem],
      ['swarm', 'ca', '--rotate', '--external-ca', 'protocol=cfssl,url=https://ca.example'], ['swarm', 'ca', '--rotate', '--ca-cert', pem, '--ca-key', pem]]) {
      const [a] = await same(args);
      assert.notEqual(a.code, 0, args.join(' '));
    }
    const [detached] = await same(['swarm', 'ca', '--rotate', '-d']);
    assert.equal(detached.stdout, '');
    assert.match(await sameInfo('{{json .Swarm.Cluster.Spec.CAConfig}}', 'ForceRotate'), /"ForceRotate":1/);
    // attached: the digest line repeats once per poll, as many times as the rotation takes
    const collapse = (r: RunResult) => ({ ...outcome(r), stdout: norm(r.stdout).replace(/(desired root digest: <digest>\n)+/g, '$1') });
    const [a, b] = await Promise.all([docker(d.host, 'swarm', 'ca', '--rotate'), tswarm(w.host, 'swarm', 'ca', '--rotate')]);
    assert.deepEqual(collapse(b), collapse(a));
    assert.equal(collapse(a).stdout, 'desired root digest: \n  rotated TLS certificates: \n  rotated CA certificates:  \ndesired root digest: <digest>\n<cert>\n');
    const [quiet] = await same(['swarm', 'ca', '--rotate', '-q']);
    assert.equal(quiet.stdout, '');
    assert.match(await sameInfo('{{json .Swarm.Cluster.Spec.CAConfig}}', 'ForceRotate'), /"ForceRotate":3/);
  });

  await t.test('restart: locked; unlock with a wrong key, then the right one from stdin', async () => {
    const keys = await Promise.all([d, w].map(async (h) => (await docker(h.host, 'swarm', 'unlock-key', '-q')).stdout.trim()));
    await Promise.all([d.restart(), w.restart()]);
    assert.equal(await sameInfo(STATE, 'locked'), 'locked false 0 0');
    await same(['node', 'ls'], 'a locked node refuses cluster calls');
    const bad = 'SWMKEY-1-' + 'A'.repeat(43);
    const wrong = await Promise.all([dockerWithInput(d.host, `${bad}\n`, 'swarm', 'unlock'), tswarmWithInput(w.host, `${bad}\n`, 'swarm', 'unlock')]);
    assert.deepEqual(outcome(wrong[1]), outcome(wrong[0]), 'a wrong key');
    assert.notEqual(wrong[0].code, 0);
    const garbled = await Promise.all([dockerWithInput(d.host, 'not a key', 'swarm', 'unlock'), tswarmWithInput(w.host, 'not a key', 'swarm', 'unlock')]);
    assert.deepEqual(outcome(garbled[1]), outcome(garbled[0]), 'a malformed key');
    const empty = await Promise.all([dockerWithInput(d.host, '', 'swarm', 'unlock'), tswarmWithInput(w.host, '', 'swarm', 'unlock')]);
    assert.deepEqual(outcome(empty[1]), outcome(empty[0]), 'no key');
    assert.equal(await sameInfo(STATE, 'still locked'), 'locked false 0 0');
    const ok = await Promise.all([dockerWithInput(d.host, `  ${keys[0]}  \n`, 'swarm', 'unlock'), tswarmWithInput(w.host, `  ${keys[1]}  \n`, 'swarm', 'unlock')]);
    assert.deepEqual(outcome(ok[1]), outcome(ok[0]), 'the right key');
    assert.equal(ok[0].code, 0, ok[0].stderr);
    assert.equal(await sameInfo(STATE, 'unlocked'), 'active true 1 1');
    await same(['swarm', 'unlock'], 'unlock again');
  });
});

test('tswarm swarm join as worker and as manager: docker\'s output and the joined node', { timeout: 180_000 }, async (t) => {
  const ds = await Promise.all(Array.from({ length: 5 }, () => startTswarmd({ executor: 'sim' })));
  t.after(() => Promise.all(ds.map((x) => x.stop('SIGKILL'))));
  const [m, dw, tw, dm, tm] = ds;
  const init = await docker(m.host, 'swarm', 'init', '--advertise-addr', m.listenAddr);
  assert.equal(init.code, 0, init.stderr);
  const token = async (role: string) => (await docker(m.host, 'swarm', 'join-token', '-q', role)).stdout.trim();
  const [wt, mt] = [await token('worker'), await token('manager')];

  await t.test('refused joins: a wrong token, no token, what the daemon does not do yet', async () => {
    const { same } = pair(dw, tw);
    const bad = wt.replace(/-[0-9a-z]{25}$/, `-${'a'.repeat(25)}`);
    for (const args of [['--token', bad], [], ['--token', wt, '--availability', 'drain'], ['--token', wt, '--data-path-addr', '127.0.0.1']]) {
      const [a] = await same(['swarm', 'join', ...args, m.listenAddr]);
      assert.notEqual(a.code, 0, args.join(' '));
    }
  });

  for (const [role, tok, a, b] of [['worker', wt, dw, tw], ['manager', mt, dm, tm]] as const) {
    await t.test(`join as a ${role}`, async () => {
      const { same, sameInfo } = pair(a, b);
      // one at a time: a second manager joining while the first is still being added would wait for the quorum
      const r = await docker(a.host, 'swarm', 'join', '--token', tok, '--advertise-addr', a.listenAddr, '--listen-addr', a.listenAddr, '--availability', 'active', m.listenAddr);
      const s = await tswarm(b.host, 'swarm', 'join', '--token', tok, '--advertise-addr', b.listenAddr, '--listen-addr', b.listenAddr, '--availability', 'active', m.listenAddr);
      assert.deepEqual(outcome(s), outcome(r));
      assert.equal(r.stdout, `This node joined a swarm as a ${role}.\n`);
      const isManager = role === 'manager';
      await sameInfo('{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}} {{len .Swarm.RemoteManagers}}', 'joined node');
      const node = async (h: Tswarmd) => {
        const id = (await docker(h.host, 'info', '--format', '{{.Swarm.NodeID}}')).stdout.trim();
        return norm((await docker(m.host, 'node', 'inspect', '--format', '{{.Spec.Role}} {{.Spec.Availability}} {{.Status.Addr}}', id)).stdout);
      };
      assert.equal(await node(b), await node(a));
      assert.match(await node(a), new RegExp(`^${role} active 127\\.0\\.0\\.1\n`));
      await same(['swarm', 'join', '--token', tok, m.listenAddr], 'join again');
      if (!isManager) await same(['swarm', 'unlock-key'], 'unlock-key on a worker');
    });
  }
});
