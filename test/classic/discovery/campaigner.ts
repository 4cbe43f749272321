// A `manage --replication` stand-in for the lock tests: campaigns as argv[3]
// on the discovery URL argv[2] with a TTL of argv[4] ms and prints "elected" /
// "lost" as they happen, so a test can SIGKILL a real primary process.
import { parseDiscovery } from '../../../src/classic/discovery/parse.js';

const [url, addr, ttl] = process.argv.slice(2);
const election = parseDiscovery(url).leaderElection?.({ ttlMs: Number(ttl) });
if (!election) throw new Error(`no lock on ${url}`);
const c = election.campaign(addr, {
  elected: () => process.stdout.write('elected\n'),
  lost: () => process.stdout.write('lost\n'),
});
process.on('SIGTERM', () => { c.stop().then(() => process.exit(0), () => process.exit(1)); });
