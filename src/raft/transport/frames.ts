import type { Message } from '../types.js';

/**
 * Raft messages on a peer stream, each gRPC message bounded: a message whose
 * JSON is larger (a snapshot for a lagging manager, a long append) goes as
 * numbered chunks of its text, put back together by the receiver.
 */
export const MAX_FRAME_CHARS = 1024 * 1024;

export type Frame = Message | { chunk: { id: number; seq: number; last: boolean; text: string } };

let nextId = 1;

export function toFrames(m: Message, max = MAX_FRAME_CHARS): Frame[] {
  if (m.type !== 'snap' && m.type !== 'app' && m.type !== 'prop') return [m];
  const text = JSON.stringify(m);
  if (text.length <= max) return [m];
  const id = nextId++;
  const out: Frame[] = [];
  for (let at = 0, seq = 0; at < text.length; at += max, seq++) {
    out.push({ chunk: { id, seq, last: at + max >= text.length, text: text.slice(at, at + max) } });
  }
  return out;
}

/** Reassembles one stream's frames, in order; a gap (a lost frame) drops that message (Raft sends it again). */
export class FrameAssembler {
  private parts = new Map<number, { seq: number; texts: string[] }>();

  push(f: Frame): Message | undefined {
    if (!('chunk' in f)) return f;
    const { id, seq, last, text } = f.chunk;
    let p = this.parts.get(id);
    if (!p) {
      if (seq !== 0) return undefined;
      this.parts.set(id, (p = { seq: -1, texts: [] }));
    }
    if (seq !== p.seq + 1) { this.parts.delete(id); return undefined; }
    p.seq = seq;
    p.texts.push(text);
    if (!last) return undefined;
    this.parts.delete(id);
    return JSON.parse(p.texts.join('')) as Message;
  }
}
