import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A simulated Docker engine: enough of the Engine API (1.41) for `tswarm
 * manage` to take it into its pool — /info, /version, the container list
 * and inspect, images, a silent /events stream, create/start/remove, and a
 * pull that answers with progress lines. Many of them run in one process.
 */
export class SimEngine {
  readonly containers = new Map<string, { summary: Record<string, unknown>; inspect: Record<string, unknown> }>();
  readonly pulls: string[] = [];
  private server?: Server;
  private readonly events = new Set<ServerResponse>();
  port = 0;

  constructor(readonly name: string, private readonly o: { containers?: number; cpus?: number; memory?: number; labels?: string[] } = {}) {
    for (let i = 0; i < (o.containers ?? 0); i++) this.add(`${name}-c${i}`, true);
  }

  get addr(): string { return `127.0.0.1:${this.port}`; }

  add(name: string, running: boolean): string {
    const id = randomBytes(32).toString('hex');
    const created = Math.floor(Date.now() / 1000) - 3600;
    const started = new Date(created * 1000).toISOString();
    this.containers.set(id, {
      summary: {
        Id: id, Names: [`/${name}`], Image: 'busybox:latest', ImageID: `sha256:${'b'.repeat(64)}`, Command: 'sleep 3600', Created: created,
        Ports: [], Labels: { 'com.example.bench': 'yes' }, State: running ? 'running' : 'created', Status: running ? 'Up About an hour' : 'Created',
        HostConfig: { NetworkMode: 'default' },
        NetworkSettings: { Networks: { bridge: { IPAMConfig: null, Links: null, Aliases: null, NetworkID: 'f'.repeat(64), EndpointID: 'e'.repeat(64), Gateway: '172.17.0.1', IPAddress: '172.17.0.2', IPPrefixLen: 16, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '02:42:ac:11:00:02', DriverOpts: null } } },
        Mounts: [],
      },
      inspect: {
        Id: id, Name: `/${name}`, Created: started, Image: `sha256:${'b'.repeat(64)}`,
        State: { Status: running ? 'running' : 'created', Running: running, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1, ExitCode: 0, Error: '', StartedAt: running ? started : '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
        Config: { Image: 'busybox:latest', Env: [], Cmd: ['sleep', '3600'], Labels: { 'com.example.bench': 'yes' }, ExposedPorts: null },
        HostConfig: { NetworkMode: 'default', Memory: 0, CpuShares: 0, PortBindings: {} },
        NetworkSettings: { Ports: {} },
      },
    });
    return id;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const e of this.events) e.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Api-Version': '1.41' });
    res.end(text);
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    const m = req.method;
    if (m === 'GET' && path === '/_ping') { res.end('OK'); return; }
    if (m === 'GET' && path === '/version') { this.json(res, 200, { Version: '20.10.24-sim', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' }); return; }
    if (m === 'GET' && path === '/info') {
      this.json(res, 200, {
        ID: `SIM:${this.name}`, Name: this.name, NCPU: this.o.cpus ?? 4, MemTotal: this.o.memory ?? 8 * 2 ** 30, Driver: 'overlay2',
        KernelVersion: '6.1.0-sim', OperatingSystem: 'Simulated Linux', OSType: 'linux', Labels: this.o.labels ?? [], ServerVersion: '20.10.24-sim',
      });
      return;
    }
    if (m === 'GET' && path === '/events') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      this.events.add(res);
      res.on('close', () => this.events.delete(res));
      return;
    }
    if (m === 'GET' && path === '/containers/json') {
      let list = [...this.containers.values()].map((c) => c.summary);
      const f = url.searchParams.get('filters');
      if (f) { const ids = (JSON.parse(f) as { id?: string[] }).id; if (ids) list = list.filter((c) => ids.includes(c.Id as string)); }
      this.json(res, 200, list);
      return;
    }
    if (m === 'GET' && path === '/images/json') { this.json(res, 200, [{ Id: `sha256:${'b'.repeat(64)}`, RepoTags: ['busybox:latest'], RepoDigests: [], Created: 1700000000, Size: 4_000_000, Labels: null, Containers: -1, ParentId: '', SharedSize: -1, VirtualSize: 4_000_000 }]); return; }
    if (m === 'POST' && path === '/images/create') {
      const ref = `${url.searchParams.get('fromImage')}:${url.searchParams.get('tag') ?? 'latest'}`;
      this.pulls.push(ref);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ status: `Pulling from library/${ref.split(':')[0]}`, id: ref.split(':')[1] })}\r\n`);
      res.end(`${JSON.stringify({ status: `Status: Downloaded newer image for ${ref}` })}\r\n`);
      return;
    }
    if (m === 'POST' && path === '/containers/create') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.json(res, 201, { Id: this.add(url.searchParams.get('name') || `anon${this.containers.size}`, false), Warnings: [] }));
      return;
    }
    const c = /^\/containers\/([0-9a-f]{64})(\/json|\/start)?$/.exec(path);
    const rec = c ? this.containers.get(c[1]) : undefined;
    if (c && rec && m === 'GET' && c[2] === '/json') { this.json(res, 200, rec.inspect); return; }
    if (c && rec && m === 'POST' && c[2] === '/start') { rec.summary.State = 'running'; (rec.inspect.State as Record<string, unknown>).Running = true; res.writeHead(204).end(); return; }
    if (c && rec && m === 'DELETE' && !c[2]) { this.containers.delete(c[1]); res.writeHead(204).end(); return; }
    this.json(res, 404, { message: c ? `No such container: ${c[1]}` : 'page not found' });
  }
}

/** Starts n simulated engines named `${prefix}1…n`, each with `containers` running containers. */
export async function startSimEngines(n: number, containers: number, prefix = 'sim'): Promise<SimEngine[]> {
  const engines = Array.from({ length: n }, (_, i) => new SimEngine(`${prefix}${i + 1}`, { containers }));
  for (let i = 0; i < n; i += 100) await Promise.all(engines.slice(i, i + 100).map((e) => e.start()));
  return engines;
}
