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
  /** TLS for the API's TCP listeners, as dockerd's --tls/--tlsverify flags (undefined: none). */
  tls?: ApiTls;
  /** The operator said --tls=false or --tlsverify=false: TCP without TLS, knowingly. */
  insecureTcp?: boolean;
  /** host:port to serve Prometheus metrics on (dockerd's --metrics-addr). */
  metricsAddr?: string;
  /** host:port to serve the live dashboard on (off when undefined). */
  webAddr?: string;
  /** The dashboard may scale services and drain nodes (read-only otherwise). */
  webActions?: boolean;
}

export interface ApiTls {
  certFile: string;
  keyFile: string;
  /** With --tlsverify: clients must present a certificate signed by this CA. */
  verifyClientsWith?: string;
}

/** dockerd's words for a TCP listener without TLS. */
export const INSECURE_TCP_WARNING = [
  'Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.',
  'Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there!',
];

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
      --metrics-addr string     Set default address and port to serve the metrics api on
      --web-addr string         Serve the live dashboard on this address and port (off by default)
      --web-actions             Let the dashboard scale services and drain nodes (read-only otherwise)
      --tls                     Use TLS; implied by --tlsverify
      --tlscacert string        Trust certs signed only by this CA (default ~/.docker/ca.pem)
      --tlscert string          Path to TLS certificate file (default ~/.docker/cert.pem)
      --tlskey string           Path to TLS key file (default ~/.docker/key.pem)
      --tlsverify               Use TLS and verify the remote
`;

function certPath(name: string): string {
  return join(process.env.DOCKER_CERT_PATH ?? join(process.env.HOME ?? '/root', '.docker'), name);
}

/** A boolean flag as Go's pflag reads it: bare means true; only the `--flag=value` form takes a value. */
function boolValue(flag: string, v: string | undefined): boolean {
  if (v === undefined) return true;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new Error(`invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

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
  let tls: boolean | undefined;
  let tlsVerify: boolean | undefined;
  let caFile = certPath('ca.pem');
  let certFile = certPath('cert.pem');
  let keyFile = certPath('key.pem');
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
        case '--metrics-addr': o.metricsAddr = val(); break;
        case '--web-addr': o.webAddr = val(); break;
        case '--web-actions': o.webActions = boolValue(a, v); break;
        case '--sim-nodes': o.simNodes = Number(val()); break;
        case '--tls': tls = boolValue(a, v); break;
        case '--tlsverify': tlsVerify = boolValue(a, v); break;
        case '--tlscacert': caFile = val(); break;
        case '--tlscert': certFile = val(); break;
        case '--tlskey': keyFile = val(); break;
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
  // As dockerd: --tlsverify implies --tls; TLS covers the TCP listeners.
  if (tlsVerify || tls) o.tls = { certFile, keyFile, ...(tlsVerify ? { verifyClientsWith: caFile } : {}) };
  o.insecureTcp = !o.tls && (tls === false || tlsVerify === false);
  if (!o.tls && !o.insecureTcp && o.hosts.some((h) => h.startsWith('tcp://'))) {
    return {
      error: `${INSECURE_TCP_WARNING.join(' ')}\n`
        + 'tswarm refuses to listen on TCP without TLS: give --tlsverify --tlscacert=ca.pem --tlscert=cert.pem --tlskey=key.pem, '
        + 'or say --tls=false (or --tlsverify=false) to listen without authentication anyway.',
    };
  }
  return o;
}
