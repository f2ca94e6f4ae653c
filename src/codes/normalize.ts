/** Turns a code as a person typed it into the normalized form, or rejects it, before any database access. */
import { CODE_ALPHABET, MAX_RAW_CODE_INPUT } from './policy';

export type NormalizedCode = { readonly ok: true; readonly code: string } | { readonly ok: false };

const NOT_A_CODE: NormalizedCode = Object.freeze({ ok: false });

/** Only ASCII separators: other whitespace or dashes (tabs, en dashes, NBSP) are not something we print. */
const SEPARATORS = /[ -]/g;
const ASCII_LOWER = /[a-z]/g;
const ALPHABET_SET = new Set(CODE_ALPHABET);

export function normalizeCode(input: string, length: number): NormalizedCode {
  // Length first, so an oversized input costs nothing.
  if (input.length > MAX_RAW_CODE_INPUT) return NOT_A_CODE;
  const code = upperAscii(input.trim().replace(SEPARATORS, ''));
  return code.length === length && inAlphabet(code) ? { ok: true, code } : NOT_A_CODE;
}

/** ASCII only: toUpperCase() would turn e.g. 'ſ' into 'S' and accept text that is not a code. */
function upperAscii(text: string): string {
  return text.replace(ASCII_LOWER, (letter) => letter.toUpperCase());
}

function inAlphabet(code: string): boolean {
  for (const symbol of code) {
    if (!ALPHABET_SET.has(symbol)) return false;
  }
  return true;
}
