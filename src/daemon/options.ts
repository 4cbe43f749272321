import { join } from 'node:path';

export interface DaemonOptions {
  dataRoot: string;
  hosts: string[];
  hostname?: string;
  listenAddr: string;
  advertiseAddr?: string;
  executor?: 'docker' | 'process' | 'sim';
  dockerHost?: string;
  simNodes: number;
  logLevel?: string;
}

const USAGE = `Usage:  tswarm daemon [OPTIONS]

Run a tswarm node: the Engine API on --host, swarm mode once initialized.

Options:
      --data-root string        Root of persistent state (default /var/lib/tswarm as root)
  -H, --host list               Daemon socket(s) to listen on (unix://PATH or tcp://HOST:PORT)
      --hostname string         Node name (default: the host's name)
      --listen-addr string      Cluster listen address (default 0.0.0.0:2377)
      --advertise-addr string   Address advertised to other nodes
      --executor string         docker, process or sim (default: docker if an engine answers, else process)
      --docker-host string      Engine the docker executor drives (default unix:///var/run/docker.sock)
      --sim-nodes int           Register N simulated nodes (sim executor) with this manager
      --log-level string        Log level (default info)
`;

export function defaultSocket(): string {
  if (process.getuid?.() === 0) return 'unix:///run/tswarm/tswarm.sock';
  const dir = process.env.XDG_RUNTIME_DIR ?? '/tmp';
  return `unix://${join(dir, 'tswarm', 'tswarm.sock')}`;
}

function defaultDataRoot(): string {
  if (process.getuid?.() === 0) return '/var/lib/tswarm';
  return join(process.env.XDG_DATA_HOME ?? join(process.env.HOME ?? '/tmp', '.local', 'share'), 'tswarm');
}

/** Parses `tswarm daemon` flags (docker's --flag value / --flag=value forms). */
export function parseDaemonArgs(argv: string[]): DaemonOptions | { help: string } | { error: string } {
  const o: DaemonOptions = { dataRoot: defaultDataRoot(), hosts: [], listenAddr: '0.0.0.0:2377', simNodes: 0 };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    const val = () => {
      if (v !== undefined) return v;
      const n = argv[++i];
      if (n === undefined) throw new Error(`flag needs an argument: ${a}`);
      return n;
    };
    try {
      switch (a) {
        case '--help': case '-h': return { help: USAGE };
        case '--data-root': o.dataRoot = val(); break;
        case '-H': case '--host': o.hosts.push(val()); break;
        case '--hostname': o.hostname = val(); break;
        case '--listen-addr': o.listenAddr = val(); break;
        case '--advertise-addr': o.advertiseAddr = val(); break;
        case '--docker-host': o.dockerHost = val(); break;
        case '--log-level': o.logLevel = val(); break;
        case '--sim-nodes': o.simNodes = Number(val()); break;
        case '--executor': {
          const e = val();
          if (e !== 'docker' && e !== 'process' && e !== 'sim') return { error: `invalid argument "${e}" for "--executor": must be docker, process or sim` };
          o.executor = e;
          break;
        }
        default: return { error: `unknown flag: ${a}` };
      }
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
  if (!Number.isInteger(o.simNodes) || o.simNodes < 0) return { error: 'invalid argument for "--sim-nodes"' };
  if (o.hosts.length === 0) o.hosts.push(defaultSocket());
  return o;
}
