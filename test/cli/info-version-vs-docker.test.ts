import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formSwarm, startNodes } from '../helpers/cluster.js';
import { docker, eventually, startTswarmd, tswarm, type RunResult } from '../helpers/tswarmd.js';

// `info` and `version` as docker 28.2 prints them, run by both CLIs against the same tswarm daemon (sim
// executor): the server's part byte for byte, the client's part with the same lines (each CLI has its own
// version facts), the same stderr and exit status; --format over the same data.

const clientAndServer = (r: RunResult, at: string) => {
  const i = r.stdout.indexOf(at);
  assert.ok(i > 0, `no ${JSON.stringify(at)} in ${r.stdout}`);
  return [r.stdout.slice(0, i), r.stdout.slice(i)];
};
/** A client section's labels: each line up to its colon (docker's own plugins, if any, left out). */
const labels = (client: string) => client.split('\n').filter((l) => !/^ {2}/.test(l) && !/^ Plugins:/.test(l)).map((l) => l.split(':')[0]);

test('tswarm info and version: docker\'s output over the same daemon', { timeout: 120_000 }, async (t) => {
  const d = await startTswarmd({ executor: 'sim' });
  t.after(() => d.stop('SIGKILL'));
  const both = (...args: string[]) => Promise.all([docker(d.host, ...args), tswarm(d.host, ...args)]);

  const infoAlike = async (state: string) => {
    const [a, b] = await both('info');
    assert.equal(b.code, a.code);
    assert.equal(b.stderr, a.stderr);
    const [dockerClient, dockerServer] = clientAndServer(a, '\nServer:\n');
    const [ownClient, ownServer] = clientAndServer(b, '\nServer:\n');
    assert.equal(ownServer, dockerServer);
    assert.match(ownServer, new RegExp(`\\n Swarm: ${state}\\n`));
    assert.equal(ownClient, 'Client:\n Version:    0.1.0\n Context:    default\n Debug Mode: false\n');
    assert.deepEqual(labels(ownClient), labels(dockerClient));
    return ownServer;
  };
  const versionAlike = async () => {
    const [a, b] = await both('version');
    assert.equal(b.code, a.code);
    assert.equal(b.stderr, a.stderr);
    const [dockerClient, dockerServer] = clientAndServer(a, '\n\nServer:');
    const [ownClient, ownServer] = clientAndServer(b, '\n\nServer:');
    assert.equal(ownServer, dockerServer);
    assert.match(ownServer, /^\n\nServer: tswarm\n Engine:\n {2}Version: {10}0\.1\.0\n {2}API version: {6}1\.47 \(minimum version 1\.24\)\n/);
    assert.match(ownServer, /\n {2}Built: {12}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n {2}OS\/Arch: {10}linux\/\w+\n {2}Experimental: {5}false\n$/);
    assert.match(ownClient, /^Client:\n Version: {11}0\.1\.0\n API version: {7}1\.47\n Go version: {8}node\d+\.\d+\.\d+\n Git commit: {8}tswarm\n Built: {13}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n OS\/Arch: {11}linux\/\w+\n Context: {11}default$/);
    assert.deepEqual(labels(ownClient), labels(dockerClient));
  };

  await t.test('no daemon: the client\'s section (and info\'s "Server:" heading), exit status 1', async () => {
    const gone = 'unix:///nonexistent/tswarm-info-test.sock';
    for (const cmd of ['info', 'version']) {
      const [a, b] = await Promise.all([docker(gone, cmd), tswarm(gone, cmd)]);
      assert.deepEqual([b.code, a.code], [1, 1], cmd);
      assert.deepEqual(labels(b.stdout), labels(a.stdout), cmd);
      assert.match(b.stderr, /^Cannot connect to the tswarm daemon at unix:\/\/\/nonexistent\/tswarm-info-test\.sock\./, cmd);
    }
    assert.match((await tswarm(gone, 'info')).stdout, /^Client:\n Version: {4}0\.1\.0\n Context: {4}default\n Debug Mode: false\n\nServer:\n$/);
  });

  await t.test('before the swarm: info (Swarm: inactive, no swarm lines) and version', async () => {
    const server = await infoAlike('inactive');
    assert.doesNotMatch(server, /NodeID:/);
    await versionAlike();
  });

  await t.test('a manager: info with the swarm\'s settings', async () => {
    assert.equal((await docker(d.host, 'swarm', 'init', '--advertise-addr', '127.0.0.1', '--task-history-limit', '7')).code, 0);
    await eventually(async () => (await docker(d.host, 'node', 'inspect', '-f', '{{.Status.State}}', 'self')).stdout.trim() === 'ready', 30_000, 'node ready');
    const server = await infoAlike('active');
    assert.match(server, /\n {2}Is Manager: true\n {2}ClusterID: \w+\n {2}Managers: 1\n {2}Nodes: 1\n/);
    assert.match(server, /\n {3}Task History Retention Limit: 7\n/);
    assert.match(server, /\n {3}Heartbeat Period: 5 seconds\n {2}CA Configuration:\n {3}Expiry Duration: 3 months\n/);
    assert.match(server, /\n {2}Manager Addresses:\n {3}127\.0\.0\.1:\d+\n/);
    await versionAlike();
  });

  await t.test('system info and system events: the same commands under docker\'s system group', async () => {
    const [a, b] = await Promise.all([docker(d.host, 'system', 'info'), tswarm(d.host, 'system', 'info')]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(clientAndServer(b, '\nServer:\n')[1], clientAndServer(a, '\nServer:\n')[1]);
    assert.match(b.stdout, /\n Swarm: active\n/);
    const window = ['--since', '2000-01-01T00:00:00Z', '--until', new Date().toISOString(), '--filter', 'type=node', '--format', '{{.Type}} {{.Action}}'];
    const [ea, eb] = await Promise.all([docker(d.host, 'system', 'events', ...window), tswarm(d.host, 'system', 'events', ...window)]);
    assert.deepEqual({ code: eb.code, stdout: eb.stdout }, { code: ea.code, stdout: ea.stdout });
    assert.match(eb.stdout, /^node create\n/);
  });

  await t.test('a worker: info with its managers\' addresses, no cluster settings; Ready when join answers', async () => {
    const [manager, worker] = await startNodes(2, { first: 181, prefix: 'iv' });
    t.after(() => Promise.all([manager, worker].map((x) => x.stop('SIGKILL'))));
    await formSwarm([manager], [worker]);
    // join answers once the worker's agent has its session, as Docker's: the manager already lists it Ready
    assert.deepEqual((await docker(manager.host, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}')).stdout.trim().split('\n').sort(), ['iv1 Ready', 'iv2 Ready']);
    const [a, b] = await Promise.all([docker(worker.host, 'info'), tswarm(worker.host, 'info')]);
    assert.equal(b.code, a.code);
    const own = clientAndServer(b, '\nServer:\n')[1];
    assert.equal(own, clientAndServer(a, '\nServer:\n')[1]);
    const managerAddr = manager.listenAddr.replace(/\./g, '\\.');
    assert.match(own, new RegExp(`\\n Swarm: active\\n {2}NodeID: \\w+\\n {2}Is Manager: false\\n {2}Node Address: 127\\.0\\.0\\.182\\n {2}Manager Addresses:\\n {3}${managerAddr}\\n Init Binary`));
  });

  await t.test('--format: the server\'s data alike; the client\'s part with docker\'s fields', async () => {
    for (const f of ['{{json .Server}}', '{{.Server.Version}} {{.Server.APIVersion}}', '{{range .Server.Components}}{{.Name}} {{index .Details "Os"}}{{end}}', '{{.Client.Context}}']) {
      const [a, b] = await both('version', '--format', f);
      assert.deepEqual({ code: b.code, stdout: b.stdout }, { code: a.code, stdout: a.stdout }, f);
    }
    for (const f of ['{{.Server', '{{.Nope}}']) {
      const [a, b] = await both('version', '--format', f);
      assert.equal(b.code, a.code, f);
      assert.notEqual(b.code, 0, f);
    }
    const keys = async (...args: string[]) => (await both(...args)).map((r) => Object.keys(JSON.parse(r.stdout) as object));
    const [dockerClient, ownClient] = await keys('info', '--format', '{{json .ClientInfo}}');
    assert.deepEqual(ownClient, dockerClient);
    const [dockerVersion, ownVersion] = await keys('version', '--format', '{{json .Client}}');
    assert.deepEqual(ownVersion, dockerVersion);
    const [a, b] = await both('info', '--format', '{{.ClientInfo.Context}} {{.Swarm.LocalNodeState}}');
    assert.equal(b.stdout, a.stdout);
    assert.equal(b.stdout, 'default active\n');
  });
});
