// A list's pager ("26–50 of 130 ‹ ›") and the filter boxes' words.
import type { PageOf } from './html.js';

export const words = (v: string): string[] => v.toLowerCase().split(/\s+/).filter(Boolean);

export function Pager<T>({ id, p, size, onPage }: { id: string; p: PageOf<T>; size: number; onPage: (n: number) => void }) {
  if (p.total <= size) return <div id={id} class="pager">{p.total}</div>;
  return (
    <div id={id} class="pager">
      {p.from}–{p.from + p.items.length - 1} of {p.total}
      <button data-page="-1" disabled={p.pageNo === 0} aria-label="previous page" onClick={() => onPage(p.pageNo - 1)}>‹</button>
      <button data-page="1" disabled={p.pageNo === p.pages - 1} aria-label="next page" onClick={() => onPage(p.pageNo + 1)}>›</button>
    </div>
  );
}
