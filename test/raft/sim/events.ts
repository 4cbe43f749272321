/** Simulated time: a priority queue of callbacks ordered by time, then by insertion. */
export class EventQueue {
  now = 0;
  private heap: { t: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  at(t: number, fn: () => void): void {
    const h = this.heap;
    h.push({ t, seq: this.seq++, fn });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  after(ms: number, fn: () => void): void { this.at(this.now + ms, fn); }

  /** Runs the next event; false when none is left before `until`. */
  runOne(until: number): boolean {
    const h = this.heap;
    if (!h.length || h[0].t > until) return false;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    this.now = top.t;
    top.fn();
    return true;
  }
}

function less(a: { t: number; seq: number }, b: { t: number; seq: number }): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
