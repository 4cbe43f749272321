// `node inspect --pretty`: docker/cli's node inspect pretty template
// (cli/command/node/formatter.go, 28.2) and its nodeInspectContext methods,
// produced line by line from the node as the API returns it: the same lines,
// tabs and spaces, values through formatter.PrettyPrint (first letter upper,
// the rest lower), the join time as Go's time.Time.String, memory as a
// go-units size. Each node's text ends with a newline; nodes follow each
// other with nothing between.
import { parseTime, timeString } from '../../format/gotime.js';
import { bytesSize, sortedEntries } from './service-pretty.js';

type Json = Record<string, any>;

/** formatter.PrettyPrint of a string: capitalizeFirst, which also lowercases the rest (one byte: lowercased). */
const prettyPrint = (s: string) => s.length <= 1 ? s.toLowerCase() : s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
const b64 = (x: unknown) => typeof x === 'string' ? x : '';
/** `{{range $k, $v := .Map}}\n - k[=v]{{end}}` over a map, in key order. */
const labelLines = (m: Record<string, string> | undefined) => sortedEntries(m).map(([k, v]) => `\n - ${k}${v ? `=${v}` : ''}`).join('');
const nonEmptyMap = (m: unknown) => !!m && typeof m === 'object' && Object.keys(m).length > 0;

export function prettyNode(n: Json): string {
  const spec: Json = n.Spec ?? {};
  const desc: Json = n.Description ?? {};
  const status: Json = n.Status ?? {};
  const engine: Json = desc.Engine ?? {};
  let s = `ID:\t\t\t${n.ID ?? ''}`;
  if (spec.Name) s += `\nName:\t\t\t${spec.Name}`;
  if (nonEmptyMap(spec.Labels)) s += `\nLabels:${labelLines(spec.Labels)}`;
  // time.Time's JSON is RFC 3339; an absent one is Go's zero time
  const joined = timeString(parseTime(n.CreatedAt ?? '0001-01-01T00:00:00Z'));
  s += `\nHostname:              \t${desc.Hostname ?? ''}\nJoined at:             \t${prettyPrint(joined)}`;
  s += `\nStatus:\n State:\t\t\t${prettyPrint(status.State ?? '')}`;
  if (status.Message) s += `\n Message:              \t${prettyPrint(status.Message)}`;
  s += `\n Availability:         \t${prettyPrint(spec.Availability ?? '')}`;
  if (status.Addr) s += `\n Address:\t\t${status.Addr}`;
  const ms: Json | undefined = n.ManagerStatus ?? undefined;
  if (ms) {
    s += `\nManager Status:\n Address:\t\t${ms.Addr ?? ''}\n Raft Status:\t\t${prettyPrint(ms.Reachability ?? '')}\n Leader:\t\t${ms.Leader ? 'Yes' : 'No'}`;
  }
  const res: Json = desc.Resources ?? {};
  const mem = res.MemoryBytes ?? 0;
  s += `\nPlatform:\n Operating System:\t${desc.Platform?.OS ?? ''}\n Architecture:\t\t${desc.Platform?.Architecture ?? ''}`;
  s += `\nResources:\n CPUs:\t\t\t${Math.trunc((res.NanoCPUs ?? 0) / 1e9)}\n Memory:\t\t${mem ? bytesSize(mem) : ''}`;
  const plugins: Json[] = engine.Plugins ?? [];
  if (plugins.length) {
    // names joined per type, in the order the node lists them; types in key order
    const byType: Record<string, string[]> = {};
    for (const p of plugins) (byType[p.Type ?? ''] ??= []).push(p.Name ?? '');
    s += '\nPlugins:';
    for (const [k, v] of sortedEntries(Object.fromEntries(Object.entries(byType).map(([k, v]) => [k, v.join(', ')])))) s += `\n ${k}:${v ? `\t\t${v}` : ''}`;
  }
  s += `\nEngine Version:\t\t${engine.EngineVersion ?? ''}`;
  if (nonEmptyMap(engine.Labels)) s += `\nEngine Labels:${labelLines(engine.Labels)}`;
  const tls: Json = desc.TLSInfo ?? {};
  // the subject and key are []byte in Go: base64 in the JSON, printed base64 again
  if (tls.TrustRoot || b64(tls.CertIssuerSubject) || b64(tls.CertIssuerPublicKey)) {
    s += `\nTLS Info:\n TrustRoot:\n${tls.TrustRoot ?? ''}\n Issuer Subject:\t${b64(tls.CertIssuerSubject)}\n Issuer Public Key:\t${b64(tls.CertIssuerPublicKey)}`;
  }
  return `${s}\n`;
}
