/** The shape of a code: its alphabet, its length and its lifetime. */

/** 31 symbols: digits and capitals without 0 O 1 I L, which people confuse when reading or typing a code. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** 6 symbols ≈ 29.7 bits: below that, guessing within the rate limits becomes realistic. */
export const MIN_CODE_LENGTH = 6;
export const MAX_CODE_LENGTH = 32;

/** Longer raw input is rejected before any work: the longest code in display form, with room for stray spaces. */
export const MAX_RAW_CODE_INPUT = 64;

const MAX_TTL_SECONDS = 10 * 365 * 24 * 60 * 60;

export interface CodePolicy {
  readonly length: number;
  readonly ttlSeconds: number;
}

export function codePolicy(length: number, ttlSeconds: number): CodePolicy {
  requireIntegerIn('CODE_LENGTH', length, MIN_CODE_LENGTH, MAX_CODE_LENGTH);
  requireIntegerIn('CODE_TTL_SECONDS', ttlSeconds, 1, MAX_TTL_SECONDS);
  return Object.freeze({ length, ttlSeconds });
}

/** Bits of entropy of a uniformly random code of `length` symbols. */
export function entropyBits(length: number): number {
  return length * Math.log2(CODE_ALPHABET.length);
}

function requireIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  }
}
