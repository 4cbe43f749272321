/**
 * bench/mesh's userspace side: the ingress proxy (network/proxy.ts, the
 * mesh's fallback where nftables is missing) serving one port, run inside
 * the entry host's namespace.  node mesh-proxy.js PORT BACKEND(host:port)
 */
import { PortProxy } from '../src/network/proxy.js';

const [port, backend] = process.argv.slice(2);
await new PortProxy().set(Number(port), 'tcp', [backend]);
