// The live stream (GET /api/live: a snapshot, then coalesced deltas) into the
// model. Messages are queued and applied once per animation frame, and the
// page re-renders once per frame at most, however fast the swarm changes.
import type { LiveMessage } from '../live-types.js';
import { Model } from './model.js';

export type Conn = 'connecting' | 'live' | 'down';

/** Where the page's time goes (bench/dashboard and the tests read it as window.tswarmDashboard.stats). */
export interface PageStats {
  messages: number; bytes: number; applyMs: number; applyMaxMs: number;
  frames: number; renders: number; renderMs: number; renderMaxMs: number;
}

export class Live {
  readonly model = new Model();
  conn: Conn = 'connecting';
  readonly stats: PageStats = { messages: 0, bytes: 0, applyMs: 0, applyMaxMs: 0, frames: 0, renders: 0, renderMs: 0, renderMaxMs: 0 };
  private queue: string[] = [];
  private frame = 0;
  private listeners = new Set<() => void>();

  /** fn runs after each frame that changed something; returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  connect(): void {
    const es = new EventSource('/api/live');
    es.onopen = () => { this.conn = 'live'; this.changed(); };
    es.onerror = () => { this.conn = 'down'; this.changed(); };
    es.onmessage = (ev: MessageEvent<string>) => {
      this.queue.push(ev.data);
      // A hidden page gets no frames: it keeps its model current, and its frame comes when it is shown again.
      if (document.hidden) this.applyQueued();
      this.changed();
    };
  }

  /** Something to draw: one frame applies what came and tells the views once. */
  changed(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.stats.frames++;
      this.applyQueued();
      for (const fn of this.listeners) fn();
    });
  }

  private applyQueued(): void {
    for (const data of this.queue) {
      const t0 = performance.now();
      this.model.apply(JSON.parse(data) as LiveMessage);
      const ms = performance.now() - t0;
      this.stats.messages++;
      this.stats.bytes += data.length;
      this.stats.applyMs += ms;
      this.stats.applyMaxMs = Math.max(this.stats.applyMaxMs, ms);
    }
    this.queue = [];
  }
}
