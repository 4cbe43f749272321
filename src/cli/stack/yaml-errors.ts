// Bad YAML reported in the docker CLI's words: it reads compose files with
// go-yaml v3 (a port of libyaml), whose messages and line numbers differ from
// the `yaml` library's. The common mistakes are translated here; the line is
// the one go-yaml names (for a parser error the 0-based line of the
// collection being read, for a scanner error the 1-based line of the fault),
// which is what `docker stack deploy` prints. Anything not recognised keeps
// the yaml library's message under go-yaml's "yaml: line N: " prefix.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, YAMLParseError } from 'yaml';

const indentOf = (l: string) => l.length - l.trimStart().length;
const significant = (l: string) => { const t = l.trim(); return t !== '' && !t.startsWith('#') && t !== '---'; };

/** The 0-based line where libyaml's EOF mark is. */
const eofLine = (text: string) => text.split('\n').length - 1;

/**
 * go-yaml's "yaml: line N: " from libyaml's marks (0-based): the context's line, or the problem's when that is 0;
 * a scanner error counts from 1, a parser error does not; no line at all when both are 0.
 */
function goError(contextLine: number, problemLine: number, scanner: boolean, msg: string): string {
  const l = contextLine !== 0 ? contextLine : problemLine;
  return l !== 0 ? `yaml: line ${scanner ? l + 1 : l}: ${msg}` : `yaml: ${msg}`;
}

/**
 * The block collection a line at `col` falls back into (libyaml unrolls the
 * indentation while it is deeper than the column): its first line, 0-based,
 * and whether it is a sequence.
 */
function enclosingCollection(lines: string[], errIdx: number, col: number): { start: number; seq: boolean } | undefined {
  let min = Infinity;
  for (let j = errIdx - 1; j >= 0; j--) {
    if (!significant(lines[j])) continue;
    const ind = indentOf(lines[j]);
    if (ind >= min) continue;
    min = ind;
    if (ind > col) continue;
    // Found the collection at indentation `ind`: it starts at the earliest line of that indentation above.
    let start = j;
    for (let k = j - 1; k >= 0; k--) {
      if (!significant(lines[k])) continue;
      const i = indentOf(lines[k]);
      if (i < ind) break;
      if (i === ind) start = k;
    }
    return { start, seq: lines[j].trimStart().startsWith('-') };
  }
  return undefined;
}

/** The innermost flow collection still open at the end of the text: its bracket and position, and what precedes the end. */
function openFlow(text: string, end = text.length): { close: string; line: number; offset: number; afterOpenOrComma: boolean } | undefined {
  const stack: { close: string; line: number; offset: number }[] = [];
  let line = 0; let last = '';
  for (let i = 0; i < end; i++) {
    const c = text[i];
    if (c === '\n') { line++; continue; }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) { while (i < text.length && text[i] !== '\n') i++; i--; continue; }
    if ((c === '"' || c === "'") && (stack.length || /[\s:[{,]/.test(text[i - 1] ?? ' '))) {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return undefined;
      line += text.slice(i, end).split('\n').length - 1;
      i = end; last = c; continue;
    }
    if (c === '[' || c === '{') stack.push({ close: c === '[' ? ']' : '}', line, offset: i });
    else if ((c === ']' || c === '}') && stack.length) stack.pop();
    if (!/\s/.test(c)) last = c;
  }
  const top = stack.at(-1);
  return top && { ...top, afterOpenOrComma: last === '[' || last === '{' || last === ',' };
}

/**
 * The 0-based line of the token where libyaml, reading the flow collection
 * opened at `open`, wanted a ',' or its end: the first thing after an entry
 * that is neither (a plain scalar ends at a comment line), else the end.
 */
function flowProblemLine(text: string, open: number): number {
  let line = text.slice(0, open).split('\n').length - 1;
  let after = false;
  let entryLine = line;
  for (let i = open + 1; i < text.length;) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (after) {
      // a ':' makes the entry a key only when it was on one line (libyaml's simple keys)
      if (c !== ',' && !(c === ':' && entryLine === line)) return line;
      after = false; i++; continue;
    }
    entryLine = line;
    if (c === ',') { i++; continue; }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return eofLine(text);
      line += text.slice(i, end).split('\n').length - 1;
      i = end + 1; after = true; continue;
    }
    if (c === '[' || c === '{') {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '\n') line++;
        if (text[i] === '[' || text[i] === '{') depth++;
        if ((text[i] === ']' || text[i] === '}') && --depth === 0) { i++; break; }
      }
      after = true; continue;
    }
    // A plain scalar: to a flow indicator, ': ' or ' #'; across a line break unless the next line is a comment.
    for (; i < text.length; i++) {
      const d = text[i];
      if (',[]{}'.includes(d) || (d === ':' && /[\s,[\]{}]/.test(text[i + 1] ?? ' ')) || (d === '#' && /\s/.test(text[i - 1]))) break;
      if (d === '\n') {
        const next = text.slice(i + 1).split('\n').find((l) => l.trim() !== '');
        if (next === undefined || next.trimStart().startsWith('#')) break;
        line++;
      }
    }
    after = true;
  }
  return eofLine(text);
}

/** An entry of a flow collection not followed by ',' or its end, at the error's place. */
function flowError(text: string, e: YAMLParseError): string | undefined {
  const f = openFlow(text, e.pos[0]);
  return f && goError(f.line, flowProblemLine(text, f.offset), false, `did not find expected ',' or '${f.close}'`);
}

/** go-yaml's message for a parse error of the yaml library on `text`. */
export function goYamlMessage(text: string, e: YAMLParseError): string {
  const lines = text.split('\n');
  const line = e.linePos?.[0]?.line ?? 0; // 1-based
  const fallback = `yaml: ${line ? `line ${line}: ` : ''}${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`;
  // libyaml reads a key over two lines in a flow collection as an entry followed by neither ',' nor its end.
  if (/^Implicit keys (of flow sequence pairs )?need to be on a single line/.test(e.message)) {
    const f = flowError(text, e);
    if (f) return f;
  }
  switch (e.code) {
    case 'TAB_AS_INDENT':
    case 'BAD_SCALAR_START':
      return goError(line - 1, line - 1, true, 'found character that cannot start any token');
    case 'MISSING_CHAR':
      if (/quote/.test(e.message)) {
        // An unclosed quote runs to the end of the text; go-yaml names the line the quoted scalar starts on.
        const before = text.slice(0, e.pos[0]);
        const q = Math.max(before.lastIndexOf('"'), before.lastIndexOf("'"));
        return goError(text.slice(0, q).split('\n').length - 1, eofLine(text), true, 'found unexpected end of stream');
      }
      if (/between flow (sequence|map) items/.test(e.message)) return flowError(text, e) ?? fallback;
      return fallback;
    case 'BAD_INDENT':
    case 'BLOCK_AS_IMPLICIT_KEY': {
      if (/^Flow (sequence|map)/.test(e.message)) {
        const f = openFlow(text);
        if (!f) return fallback;
        if (f.afterOpenOrComma) return goError(eofLine(text), eofLine(text), false, 'did not find expected node content');
        return goError(f.line, flowProblemLine(text, f.offset), false, `did not find expected ',' or '${f.close}'`);
      }
      if (/^Nested mappings/.test(e.message)) return goError(line - 1, line - 1, true, 'mapping values are not allowed in this context');
      const idx = line - 1;
      const c = enclosingCollection(lines, idx, indentOf(lines[idx] ?? ''));
      if (!c) return fallback;
      return goError(c.start, idx, false, `did not find expected ${c.seq ? "'-' indicator" : 'key'}`);
    }
    default:
      return fallback;
  }
}

/**
 * go-yaml v3's decoding errors for keys given twice in one mapping ("yaml: unmarshal errors: …"), or undefined:
 * every pair of equal keys in a mapping, and a mapping with any is not decoded further (its values are not looked into).
 */
export function duplicateKeys(text: string): string | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lc, merge: true });
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const keys = node.items.map((it) => (isScalar(it.key) && it.key.value !== '<<' ? { k: String(it.key.value), line: lc.linePos(it.key.range?.[0] ?? 0).line } : undefined));
      const before = found.length;
      keys.forEach((a, i) => keys.slice(i + 1).forEach((b) => {
        if (a && b && a.k === b.k) found.push(`  line ${b.line}: mapping key ${JSON.stringify(b.k)} already defined at line ${a.line}`);
      }));
      if (found.length === before) for (const it of node.items) walk(it.value);
    } else if (isSeq(node)) {
      for (const it of node.items) walk(it);
    }
  };
  walk(doc.contents);
  return found.length ? `yaml: unmarshal errors:\n${found.join('\n')}` : undefined;
}

/** An alias naming no anchor, as go-yaml says it. */
export function unknownAnchor(e: unknown): string | undefined {
  const m = e instanceof ReferenceError ? /Unresolved alias[^:]*: (.+)$/.exec(e.message) : null;
  return m ? `yaml: unknown anchor '${m[1]}' referenced` : undefined;
}

/**
 * A block mapping entry with no key (a line starting with `: `): the yaml
 * library reads an empty key, libyaml stops with "did not find expected key"
 * (the mapping's first line as context, or the line of the `:` when that is 0).
 */
export function missingKey(text: string): string | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lc, merge: true });
  const lines = text.split('\n');
  let found: string | undefined;
  const walk = (node: unknown): void => {
    if (found) return;
    if (isMap(node) && !node.flow) {
      const start = node.range?.[0] ?? 0;
      const { line, col } = lc.linePos(start); // 1-based
      for (const it of node.items) {
        if (it.key === null || (isScalar(it.key) && it.key.value === null && it.key.source === '')) {
          const at = lines.findIndex((l, i) => i >= line - 1 && indentOf(l) === col - 1 && /^:(\s|$)/.test(l.trimStart()));
          if (at >= 0) { found = goError(line - 1, at, false, 'did not find expected key'); return; }
        }
        walk(it.value);
        if (found) return;
      }
    } else if (isSeq(node)) {
      for (const it of node.items) walk(it);
    }
  };
  walk(doc.contents);
  return found;
}
