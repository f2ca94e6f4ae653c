/** Random codes over CODE_ALPHABET, uniformly distributed. */
import { CODE_ALPHABET } from './policy';
import type { RandomBytes } from './types';

/** The largest multiple of the alphabet size that fits in a byte: bytes at or above it would bias `byte % 31`. */
const REJECTION_CEILING = Math.floor(256 / CODE_ALPHABET.length) * CODE_ALPHABET.length;

/** Extra bytes per draw so that one call usually covers the ~3% of rejected bytes. */
const DRAW_SLACK = 4;

/** A working RNG passes this many draws with overwhelming probability; a stuck one must not hang the server. */
const MAX_DRAWS = 64;

const DISPLAY_GROUP = /.{1,4}/g;

/** A code in normalized form (no hyphens). Errors of `random` propagate: there is no weaker fallback. */
export function generateCode(random: RandomBytes, length: number): string {
  let code = '';
  for (let draws = 0; code.length < length; draws++) {
    if (draws === MAX_DRAWS) throw new Error('random source returned only rejected bytes');
    code += symbolsFrom(drawBytes(random, length - code.length + DRAW_SLACK), length - code.length);
  }
  return code;
}

/** Groups of four joined by hyphens (K7QM-2XHP); the last group is shorter when the length is not a multiple of 4. */
export function toDisplayForm(normalized: string): string {
  return (normalized.match(DISPLAY_GROUP) ?? []).join('-');
}

function drawBytes(random: RandomBytes, size: number): Buffer {
  const bytes = random(size);
  if (bytes.length !== size) throw new Error(`random source returned ${bytes.length} bytes instead of ${size}`);
  return bytes;
}

/** Up to `limit` symbols from the accepted bytes, in order. */
function symbolsFrom(bytes: Buffer, limit: number): string {
  let symbols = '';
  for (const byte of bytes) {
    if (symbols.length === limit) break;
    if (byte < REJECTION_CEILING) symbols += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  }
  return symbols;
}
