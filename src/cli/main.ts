import { parseBool } from './args.js';
import { Client, daemonErrorText, resolveHost } from './client.js';
import { resolveTls, type TlsFlags } from './client-tls.js';
import { createCommand, joinCommand, listCommand, tokenServerCommand } from './commands/classic-discovery.js';
import { nodeCommand } from './commands/node.js';
import { serviceCommand } from './commands/service.js';
import { swarmCommand } from './commands/swarm.js';
import { payloadCommand } from './commands/secret.js';
import { stackCommand } from './commands/stack.js';
import { eventsCommand } from './commands/events.js';
import { networkCommand } from './commands/network.js';
import { infoCommand, systemCommand, versionCommand } from './commands/system.js';
import { HelpText } from './help.js';

const USAGE = `Usage:  tswarm [OPTIONS] COMMAND

Commands:
  daemon      Run a tswarm node
  swarm       Manage Swarm (init, join, join-token, leave, update, ca, unlock, unlock-key)
  node        Manage Swarm nodes (ls, inspect, update, promote, demote, ps, rm)
  service     Manage Swarm services (create, ls, ps, inspect, update, scale, rollback, logs, rm)
  stack       Manage Swarm stacks (deploy, ls, services, ps, rm)
  network     Manage networks (create, ls, inspect, rm, prune, connect, disconnect)
  secret      Manage Swarm secrets (create, ls, inspect, rm)
  config      Manage Swarm configs (create, ls, inspect, rm)
  events      Get real time events from the server (--since, --until, --filter, --format)
  create      Create a classic Swarm cluster token (token discovery)
  join        Join a classic Swarm cluster: register an engine in a discovery backend
  list        List the engines registered in a discovery backend
  token-server  Serve the token discovery service for token://
  info        Display system-wide information
  system      Manage Docker (events, info)
  manage      Manage a pool of Docker engines (classic standalone Swarm)
  version     Show the tswarm version information

Options:
  -H, --host string   Daemon socket to connect to (default: TSWARM_HOST, DOCKER_HOST, /run/tswarm/tswarm.sock)
      --tls               Use TLS; implied by --tlsverify
      --tlscacert string  Trust certs signed only by this CA (default DOCKER_CERT_PATH or ~/.docker, ca.pem)
      --tlscert string    Path to TLS certificate file (default cert.pem there)
      --tlskey string     Path to TLS key file (default key.pem there)
      --tlsverify         Use TLS and verify the remote (default: DOCKER_TLS_VERIFY set)
`;

interface GlobalFlags { host?: string; tls: TlsFlags; rest: string[] }

/** A global bool flag's value, as pflag reads it. */
function boolFlag(flag: string, v: string): boolean {
  try { return parseBool(v); } catch (e) { throw new Error(`invalid argument "${v}" for "--${flag}" flag: ${(e as Error).message}`); }
}

/** The options before the command, as docker's: -H/--host and the TLS flags (--tls, --tlsverify, --tlscacert, --tlscert, --tlskey). */
function globalFlags(argv: string[]): GlobalFlags {
  const g: GlobalFlags = { tls: {}, rest: argv };
  for (;;) {
    const a = g.rest[0] ?? '';
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) { g.rest = g.rest.slice(1); return inline; }
      if (g.rest.length < 2) throw new Error(`flag needs an argument: ${name}`);
      const v = g.rest[1];
      g.rest = g.rest.slice(2);
      return v;
    };
    if (name === '-H' || name === '--host') g.host = value();
    else if (name === '--tlscacert' || name === '--tlscert' || name === '--tlskey') g.tls[name.slice(2) as 'tlscacert' | 'tlscert' | 'tlskey'] = value();
    else if (name === '--tls' || name === '--tlsverify') {
      g.tls[name.slice(2) as 'tls' | 'tlsverify'] = inline === undefined ? true : boolFlag(name.slice(2), inline);
      g.rest = g.rest.slice(1);
    } else return g;
  }
}

/** The tswarm client: docker's commands and output against the Engine API. */
export async function runCli(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  let globals: GlobalFlags;
  try { globals = globalFlags(argv); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); return 125; }
  const { host, tls, rest: commandLine } = globals;
  const [cmd, ...rest] = commandLine;
  if (!cmd || cmd === '--help' || cmd === 'help') { out(USAGE); return 0; }
  try {
    const c = new Client(resolveHost(host), resolveTls(tls));
    switch (cmd) {
      case 'manage': return await (await import('../classic/manage.js')).runManage(rest);
      case 'swarm': return await swarmCommand(c, rest, out);
      case 'node': return await nodeCommand(c, rest, out);
      case 'service': return await serviceCommand(c, rest, out);
      case 'secret': case 'config': return await payloadCommand(cmd, c, rest, out);
      case 'stack': return await stackCommand(c, rest, out);
      case 'network': return await networkCommand(c, rest, out);
      case 'events': return await eventsCommand(c, rest, out);
      case 'create': return await createCommand(rest, out);
      case 'join': return await joinCommand(rest, out);
      case 'list': return await listCommand(rest, out);
      case 'token-server': return await tokenServerCommand(rest, out);
      case 'info': return await infoCommand(c, rest, out);
      case 'system': return await systemCommand(c, rest, out);
      case 'version': return await versionCommand(c, rest, out);
      default:
        process.stderr.write(`tswarm: '${cmd}' is not a tswarm command.\nSee 'tswarm --help'\n`);
        return 1;
    }
  } catch (e) {
    if (e instanceof HelpText) { (e.toStderr ? process.stderr : process.stdout).write(e.message); return 0; }
    const err = e as Error & { status?: number; exitCode?: number };
    process.stderr.write(`${daemonErrorText(err)}\n`);
    return err.exitCode ?? 1;
  }
}
