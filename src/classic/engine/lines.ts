/**
 * A newline-delimited stream (an engine's /events or pull progress, an etcd
 * watch) as its non-empty lines, trimmed; the last line is given even
 * without its newline. Decodes UTF-8 across chunk boundaries.
 */
export async function* textLines(body: AsyncIterable<Uint8Array | string>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield line;
    }
  }
  const rest = (buf + decoder.decode()).trim();
  if (rest) yield rest;
}
