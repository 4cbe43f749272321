import { badRequest } from '../../types/errors.js';

const ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * Go's base64.StdEncoding as encoding/json decodes a []byte: strict padding,
 * CR and LF skipped; a bad byte is "illegal base64 data at input byte N".
 */
export function decodeStdBase64(s: string): Buffer {
  const clean: string[] = [];
  const pos: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\r' || ch === '\n') continue;
    clean.push(ch);
    pos.push(i);
  }
  const illegal = (i: number) => badRequest(`illegal base64 data at input byte ${i}`);
  for (let i = 0; i < clean.length; i++) {
    const ch = clean[i];
    if (ALPHABET.test(ch)) continue;
    if (ch !== '=') throw illegal(pos[i]);
    // Padding: only at the end of a quantum, one or two of them, nothing after.
    const inQuantum = i % 4;
    const pads = clean.slice(i).join('');
    if (inQuantum < 2 || !(pads === '=' && inQuantum === 3 || pads === '==' && inQuantum === 2)) throw illegal(pos[i]);
    break;
  }
  // An unfinished quantum: Go points at its first byte.
  if (clean.length % 4 !== 0) throw illegal(pos[clean.length - (clean.length % 4)]);
  return Buffer.from(clean.join(''), 'base64');
}
