/**
 * docker's fork of Go's text/tabwriter (cli/command/formatter/tabwriter):
 * elastic tabstops over tab-terminated cells, display width by
 * go-runewidth. docker uses minwidth 10, tabwidth 1, padding 3, padchar ' ',
 * no flags. Text after the last tab of a line is not part of a column.
 */
import { stringWidth } from './units.js';

interface Cell { size: number; width: number; htab: boolean }

export interface TabWriterOptions { minwidth: number; tabwidth: number; padding: number; padchar: string; alignRight?: boolean; discardEmptyColumns?: boolean; debug?: boolean }

export const DOCKER_TABWRITER: TabWriterOptions = { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' };

export class TabWriter {
  private buf = '';
  private pos = 0;
  private cell: Cell = { size: 0, width: 0, htab: false };
  private lines: Cell[][] = [[]];
  private widths: number[] = [];
  private out = '';

  constructor(private o: TabWriterOptions = DOCKER_TABWRITER) {}

  private reset() {
    this.buf = '';
    this.pos = 0;
    this.cell = { size: 0, width: 0, htab: false };
    this.lines = [[]];
    this.widths = [];
  }

  private writePadding(textw: number, cellw: number, useTabs: boolean) {
    if (this.o.padchar === '\t' || useTabs) {
      if (this.o.tabwidth === 0) return;
      cellw = Math.floor((cellw + this.o.tabwidth - 1) / this.o.tabwidth) * this.o.tabwidth;
      const n = cellw - textw;
      this.out += '\t'.repeat(Math.floor((n + this.o.tabwidth - 1) / this.o.tabwidth));
      return;
    }
    this.out += this.o.padchar.repeat(Math.max(0, cellw - textw));
  }

  private writeLines(pos0: number, line0: number, line1: number): number {
    let pos = pos0;
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i];
      let useTabs = false;
      line.forEach((c, j) => {
        if (j > 0 && this.o.debug) this.out += '|';
        if (c.size === 0) {
          if (j < this.widths.length) this.writePadding(c.width, this.widths[j], useTabs);
        } else {
          useTabs = false;
          if (!this.o.alignRight) {
            this.out += this.buf.slice(pos, pos + c.size);
            pos += c.size;
            if (j < this.widths.length) this.writePadding(c.width, this.widths[j], false);
          } else {
            if (j < this.widths.length) this.writePadding(c.width, this.widths[j], false);
            this.out += this.buf.slice(pos, pos + c.size);
            pos += c.size;
          }
        }
      });
      if (i + 1 === this.lines.length) {
        this.out += this.buf.slice(pos, pos + this.cell.size);
        pos += this.cell.size;
      } else this.out += '\n';
    }
    return pos;
  }

  /** Formats lines [line0, line1) whose text starts at pos0; column widths come from contiguous blocks. */
  private format(pos0: number, line0: number, line1: number): number {
    let pos = pos0;
    const column = this.widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= this.lines[i].length - 1) continue;
      pos = this.writeLines(pos, line0, i);
      line0 = i;
      let width = this.o.minwidth;
      let discardable = true;
      for (; i < line1; i++) {
        const line = this.lines[i];
        if (column >= line.length - 1) break;
        const c = line[column];
        width = Math.max(width, c.width + this.o.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.o.discardEmptyColumns) width = 0;
      this.widths.push(width);
      pos = this.format(pos, line0, i);
      this.widths.pop();
      line0 = i;
    }
    return this.writeLines(pos, line0, line1);
  }

  private updateWidth() {
    this.cell.width += stringWidth(this.buf.slice(this.pos));
    this.pos = this.buf.length;
  }

  private terminateCell(htab: boolean): number {
    this.cell.htab = htab;
    const line = this.lines[this.lines.length - 1];
    line.push(this.cell);
    this.cell = { size: 0, width: 0, htab: false };
    return line.length;
  }

  private flushNoDefers() {
    if (this.cell.size > 0) this.terminateCell(false);
    this.format(0, 0, this.lines.length);
    this.reset();
  }

  write(text: string): this {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\t' && ch !== '\v' && ch !== '\n' && ch !== '\f') continue;
      this.buf += text.slice(n, i);
      this.cell.size += i - n;
      this.updateWidth();
      n = i + 1;
      const ncells = this.terminateCell(ch === '\t');
      if (ch === '\n' || ch === '\f') {
        this.lines.push([]);
        // a one-cell line cannot affect later columns: flush what we have
        if (ch === '\f' || ncells === 1) {
          this.flushNoDefers();
          if (ch === '\f' && this.o.debug) this.out += '---\n';
        }
      }
    }
    this.buf += text.slice(n);
    this.cell.size += text.length - n;
    return this;
  }

  /** Flushes and returns everything written so far. */
  flush(): string {
    this.flushNoDefers();
    const s = this.out;
    this.out = '';
    return s;
  }
}
