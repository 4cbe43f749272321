/**
 * `tswarm info` and `tswarm version`: docker 28.2's output (cli/command/system
 * info.go and version.go) over this daemon's /info and /version, with the
 * tswarm CLI's own facts where docker prints its client's.
 */
import { one } from '../args.js';
import { CLIENT_API_VERSION, type Client } from '../client.js';
import { formatInfo, formatVersion } from '../format.js';
import { checkArgs, parseCommand, subcommand } from '../usage.js';
import { eventsCommand } from './events.js';
import { prettyClientInfo, prettyServerInfo } from './info-pretty.js';
import { BUILD_TIME, VERSION, goArch, runtimeVersion } from '../../types/version.js';
import { parseTime } from '../../format/gotime.js';
import { formatGoLayout } from '../../format/timefmt.js';

/** version.go's reformatDate: an RFC 3339 time in Go's time.ANSIC layout, anything else as it is. */
function reformatDate(s: string): string {
  try { return formatGoLayout(parseTime(s), 'Mon Jan _2 15:04:05 2006'); } catch { return s; }
}

/** The CLI's clientVersion (docker's: its build's facts; tswarm has no contexts, so "default"). */
function clientVersion() {
  return {
    Version: VERSION, APIVersion: CLIENT_API_VERSION, DefaultAPIVersion: CLIENT_API_VERSION, GitCommit: 'tswarm',
    GoVersion: runtimeVersion(), Os: process.platform, Arch: goArch(), BuildTime: reformatDate(BUILD_TIME), Context: 'default',
  };
}

/** `system events` and `system info`: the same commands under docker's system group. */
export async function systemCommand(c: Client, argv: string[], out: (s: string) => void): Promise<number> {
  const [sub, rest] = subcommand('system', argv);
  return sub === 'info' ? infoCommand(c, rest, out, 'system info') : eventsCommand(c, rest, out, 'system events');
}

export async function infoCommand(c: Client, rest: string[], out: (s: string) => void, path = 'info'): Promise<number> {
  const cmd = { path, use: '[OPTIONS]' };
  const p = parseCommand(cmd, rest, { format: { short: 'f', value: true } });
  checkArgs(cmd, p.args, 0, 0);
  const f = one(p, 'format');
  if (f) {
    const info = await c.get<Record<string, unknown>>('/info');
    // As docker's --format: the client's part leaves out the API version (it is only set for the plain output).
    const { APIVersion: _api, ...client } = clientVersion();
    formatInfo({ ...info, ClientInfo: { Debug: false, ...client, Plugins: [], Warnings: null } }, f, out);
    return 0;
  }
  // As docker: the client's section whether or not the daemon answers, then the server's or the error.
  prettyClientInfo(clientVersion(), out);
  const warnings = prettyServerInfo(await c.get<Record<string, unknown>>('/info'), out);
  if (warnings.length) process.stderr.write(warnings.map((w) => `${w}\n`).join(''));
  return 0;
}

export async function versionCommand(c: Client, rest: string[], out: (s: string) => void): Promise<number> {
  const cmd = { path: 'version', use: '[OPTIONS]' };
  const p = parseCommand(cmd, rest, { format: { short: 'f', value: true } });
  checkArgs(cmd, p.args, 0, 0);
  const server = await c.get<Parameters<typeof withEngine>[0]>('/version').catch((err: Error) => err);
  const data = { Client: clientVersion(), Server: server instanceof Error ? null : withEngine(server) };
  formatVersion(data, one(p, 'format'), out);
  if (server instanceof Error) throw server;
  return 0;
}

/** A server without an Engine component gets one from its top-level fields, as the docker CLI adds it. */
function withEngine(v: { Components?: { Name: string; Details?: Record<string, string> }[] } & Record<string, unknown>) {
  const engine = v.Components?.find((x) => x.Name === 'Engine');
  if (engine) {
    if (engine.Details?.BuildTime !== undefined) engine.Details.BuildTime = reformatDate(engine.Details.BuildTime);
    return v;
  }
  const details = {
    ApiVersion: v.ApiVersion, MinAPIVersion: v.MinAPIVersion, GitCommit: v.GitCommit, GoVersion: v.GoVersion,
    Os: v.Os, Arch: v.Arch, BuildTime: reformatDate(String(v.BuildTime ?? '')), Experimental: String(v.Experimental ?? false),
  };
  return { ...v, Components: [...(v.Components ?? []), { Name: 'Engine', Version: v.Version, Details: details }] };
}
