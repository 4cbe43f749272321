/**
 * bench/mesh's client: several paths to the same server (vip-load.js serve)
 * measured interleaved in this one process, so the machine's load (2 cores
 * shared with whatever else runs) falls on all of them alike:
 *   node mesh-load.js N WINDOW_MS WINDOWS BULK_MB TARGET...
 *     latency: N connections per path one after another, the paths in turn;
 *     requests/s: WINDOWS windows of WINDOW_MS per path with 8 connections
 *       at a time, the paths in turn (window i of every path back to back);
 *     bulk: one connection's transfer of BULK_MB, four per path, in turn.
 * Prints one JSON line: per path p50/p99/mean latency (µs), the median
 * window rate, its ratio to the first path's paired windows, bulk MB/s, and
 * in the rate windows this client's CPU per request (µs), its busy share of
 * one core and the machine's busy share (cpuMeter: CPU- or latency-bound).
 */
import { bulk, cpuMeter, latency, mean, median, percentile, rate } from './load-client.js';

const [n, windowMs, windows, mb] = process.argv.slice(2, 6).map(Number);
const targets = process.argv.slice(6);
const lat: number[][] = targets.map(() => []);
for (let i = 0; i < n; i++) {
  for (let p = 0; p < targets.length; p++) {
    lat[p].push(await latency(targets[p]));
  }
}
const rates: number[][] = targets.map(() => []);
const cpuPerReq: number[][] = targets.map(() => []);
const clientBusy: number[][] = targets.map(() => []);
const machineBusy: number[][] = targets.map(() => []);
for (let w = 0; w < windows; w++) {
  // Each window's order rotates, so no path always runs right after another.
  for (let k = 0; k < targets.length; k++) {
    const p = (w + k) % targets.length;
    const cpu = cpuMeter();
    const r = await rate(targets[p], 8, windowMs);
    const u = cpu();
    rates[p].push(r);
    cpuPerReq[p].push(u.clientUs / (r * windowMs / 1000));
    clientBusy[p].push(u.clientUs / 1000 / windowMs);
    machineBusy[p].push(u.machineBusy);
  }
}
const bulks: number[][] = targets.map(() => []);
for (let b = 0; b < 4; b++) for (let p = 0; p < targets.length; p++) bulks[p].push(await bulk(targets[p], mb));
console.log(JSON.stringify(targets.map((t, p) => ({
  target: t, p50: median(lat[p]), p99: percentile(lat[p], 0.99), mean: mean(lat[p]),
  rate: median(rates[p]), ratio: median(rates[p].map((r, w) => r / rates[0][w])), bulk: median(bulks[p]),
  cpuPerReq: median(cpuPerReq[p]), clientBusy: median(clientBusy[p]), machineBusy: median(machineBusy[p]),
}))));
