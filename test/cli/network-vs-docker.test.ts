import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { docker, startTswarmd, TSWARM_BIN, type RunResult } from '../helpers/tswarmd.js';

/** A CLI run with `input` on its stdin, then end of input (the prompts read a line). */
function withInput(cmd: string, args: string[], host: string, input = ''): Promise<RunResult> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { env: { ...process.env, DOCKER_HOST: host }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    p.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
    p.stdin.end(input);
  });
}
const dockerIn = (host: string, ...args: string[]) => withInput('docker', args, host);
const tswarm = (host: string, ...args: string[]) => withInput(process.execPath, [TSWARM_BIN, ...args], host);

// `tswarm network create|ls|inspect|rm|prune|connect|disconnect` against the docker CLI on the same daemon (sim
// executor), each on networks of its own (Xn1 is dn1 / tn1): the same output and exit status once names, IDs,
// times and what the allocator hands out (subnets, VXLAN IDs) are normalised.

const norm = (s: string) => s.replace(/\b[dt]n(\d)/g, 'Xn$1').replace(/\b[a-z0-9]{25}\b/g, '<id>').replace(/\b[a-z0-9]{12}\b/g, '<short>')
  .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?( \+0000 UTC|Z)/g, '<time>').replace(/10\.[078]\.\d+\.(0\/24|1)\b/g, '<net>')
  .replace(/vxlanid_list": ?"\d+"/g, 'vxlan').replaceAll('tswarm', 'docker');
const outcome = (r: RunResult) => ({ code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr) });

test('tswarm network: docker\'s output, messages and exit codes', { timeout: 240_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1')).code, 0);
  // Xn… names each CLI's own network, 10.N… its own subnet
  const one = (args: string[], who: 'd' | 't') => args.map((x) => x.replace(/\bXn(\d)/g, `${who}n$1`).replace(/\b10\.N\./, who === 'd' ? '10.7.' : '10.8.'));
  /** Both CLIs, one after the other (docker first), on their own names. */
  const same = async (...args: string[]) => {
    const a = await dockerIn(d.host, ...one(args, 'd'));
    const b = await tswarm(d.host, ...one(args, 't'));
    assert.deepEqual(outcome(b), outcome(a), args.join(' '));
    return a;
  };

  await t.test('create: flags, the daemon\'s refusals, docker\'s own errors', async () => {
    assert.equal((await same('network', 'create', '-d', 'overlay', '--attachable', '--label', 'x=1', '--subnet', '10.N.0.0/24', '--gateway', '10.N.0.1', 'Xn1')).code, 0);
    assert.equal((await same('network', 'create', '--driver', 'overlay', '--scope', 'swarm', '--attachable=true', '--internal=false', 'Xn2')).code, 0);
    // accepted or refused, as the daemon decides: the same either way
    await same('network', 'create', '-d', 'overlay', '--subnet', '10.N.1.0/24', '--ip-range', '10.N.1.128/25', 'Xn9');
    await same('network', 'create', '-d', 'overlay', '--aux-address', 'a=10.N.2.5', '--subnet', '10.N.2.0/24', 'Xn8');
    for (const flags of [['--ipam-opt', 'a=b'], ['--ipam-driver', 'foo'], ['--ingress'], ['--config-only'], ['--config-from', 'x'], ['--internal'], ['--ipv6'], ['-o', 'foo=bar'],
      ['--gateway', '10.1.1.1'], ['--subnet', '10.1.0.0/16', '--subnet', '10.1.2.0/24'], ['--subnet', 'bad'],
      ['--ipv4=false'], ['--label', 'a b=1'], ['--bogus']]) {
      await same('network', 'create', '-d', 'overlay', ...flags, 'Xn3');
    }
    assert.equal((await same('network', 'create', '-d', 'overlay', 'Xn1')).code, 1);
    assert.equal((await same('network', 'create')).code, 1);
    assert.equal((await same('network', 'create', 'a', 'b')).code, 1);
    assert.equal((await same('network', 'create', 'Xn3')).code, 1);
  });

  await t.test('ls: the table, -q, --no-trunc, --format, --filter', async () => {
    for (const args of [[], ['-q'], ['--no-trunc'], ['-q', '--no-trunc'], ['--format', '{{.Name}} {{.IPv4}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.Scope}}'],
      ['--format', 'table {{.Name}}\t{{.ID}}\t{{.Driver}}\t{{.CreatedAt}}'], ['--format', 'json'], ['--format', 'raw'], ['-q', '--format', 'raw'],
      ['-f', 'driver=overlay', '-f', 'label=x=1'], ['--filter', 'name=Xn'], ['--filter', 'scope=swarm', '-q'], ['-f', 'bad'], ['extra'], ['--format', '{{.Nope}}']]) {
      const a = await dockerIn(d.host, 'network', 'ls', ...args);
      const b = await tswarm(d.host, 'network', 'ls', ...args);
      assert.deepEqual(outcome(b), outcome(a), args.join(' '));
    }
  });

  await t.test('inspect: JSON, --verbose, templates, missing networks', async () => {
    for (const args of [['Xn1'], ['-v', 'Xn1'], ['--verbose', 'Xn2', 'Xn1'], ['-f', 'json', 'Xn1'], ['ingress'],
      ['-f', '{{.Name}} {{.Scope}} {{.IPAM.Driver}} {{json .Labels}} {{.Attachable}} {{.Created}} {{.ConfigFrom}} {{.Containers}}', 'Xn1', 'Xn2'],
      ['--format', '{{json .IPAM}} {{.Ingress}}', 'ingress'], ['Xn1', 'nope'], ['nope'], ['-f', '{{.Nope}}', 'Xn1'], ['-f', '{{', 'Xn1'], []]) {
      assert.equal(norm((await same('network', 'inspect', ...args)).stderr).includes('tswarm'), false);
    }
  });

  await t.test('connect and disconnect: docker\'s requests and the daemon\'s answers', async () => {
    for (const args of [['connect', 'Xn1', 'c1'], ['connect', '--alias', 'a', '--ip', '10.0.9.9', '--driver-opt', 'k=v', 'Xn2', 'c1'], ['connect', 'nope', 'c1'],
      ['connect', 'Xn1'], ['connect', '--gw-priority', 'x', 'Xn1', 'c1'], ['disconnect', 'Xn1', 'c1'], ['disconnect', '-f', 'nope', 'c1'], ['disconnect', 'Xn1']]) {
      assert.notEqual((await same('network', ...args)).code, 0, args.join(' '));
    }
  });

  await t.test('rm: several names, a missing one, -f, one in use, the ingress network\'s prompt', async () => {
    assert.equal((await same('network', 'create', '-d', 'overlay', 'Xn4')).code, 0);
    assert.equal((await same('network', 'create', '-d', 'overlay', 'Xn5')).code, 0);
    for (const who of ['d', 't']) {
      const r = await docker(d.host, 'service', 'create', '-d', '--no-resolve-image', '--name', `${who}svc`, '--network', `${who}n2`, 'busybox', 'top');
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await same('network', 'rm', 'Xn2')).code, 1);
    assert.equal((await same('network', 'rm', 'Xn4', 'nope', 'Xn5')).code, 1);
    assert.equal((await same('network', 'rm', '-f', 'nope')).code, 1);
    assert.equal((await same('network', 'rm')).code, 1);
    // no answer on stdin: the ingress network stays
    assert.equal((await same('network', 'rm', 'ingress')).code, 0);
    assert.equal((await docker(d.host, 'network', 'ls', '-q', '--filter', 'name=ingress')).stdout.length > 0, true);
    assert.equal((await same('network', 'remove', 'Xn1')).code, 0);
  });

  await t.test('prune: the prompt (no answer cancels), -f, --filter', async () => {
    assert.equal((await same('network', 'prune')).code, 0);
    const [a0, b0] = [await withInput('docker', ['network', 'prune'], d.host, 'n\n'), await withInput(process.execPath, [TSWARM_BIN, 'network', 'prune'], d.host, 'n\n')];
    assert.deepEqual(outcome(b0), outcome(a0));
    assert.equal((await same('network', 'prune', 'extra')).code, 1);
    assert.equal((await same('network', 'prune', '--filter', 'bad')).code, 125);
    // each CLI prunes networks of its own: made for docker, pruned, then for tswarm (the earlier ones gone first)
    assert.equal((await docker(d.host, 'network', 'prune', '-f')).code, 0);
    const a: RunResult[] = [];
    for (const who of ['d', 't'] as const) {
      for (const n of [`${who}n6`, `${who}n7`]) assert.equal((await docker(d.host, 'network', 'create', '-d', 'overlay', '--label', `k=${n}`, n)).code, 0);
      const run = who === 'd' ? dockerIn : tswarm;
      a.push(await run(d.host, 'network', 'prune', '-f', '--filter', `label=k=${who}n6`));
      a.push(await run(d.host, 'network', 'prune', '--force'));
      a.push(await run(d.host, 'network', 'prune', '-f'));
    }
    assert.deepEqual(a.slice(3).map(outcome), a.slice(0, 3).map(outcome));
    assert.match(a[0].stdout, /^Deleted Networks:\ndn6\n\n$/);
  });

  await t.test('the network command itself', async () => {
    for (const args of [[], ['nope'], ['ls', '--bogus']]) await same('network', ...args);
  });
});
