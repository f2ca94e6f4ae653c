import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { generateCode, toDisplayForm } from '../../../src/codes/generator';
import { CODE_ALPHABET, MAX_CODE_LENGTH, MIN_CODE_LENGTH } from '../../../src/codes/policy';
import type { RandomBytes } from '../../../src/codes/types';

/** Serves `script` in order, whatever the draw sizes, then zeros. */
function scriptedRandom(script: readonly number[]): RandomBytes {
  let position = 0;
  return (size) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = script[position++] ?? 0;
    return bytes;
  };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('generateCode', () => {
  it('returns only alphabet symbols, in the requested length', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_CODE_LENGTH, max: MAX_CODE_LENGTH }), (length) => {
        const code = generateCode(randomBytes, length);
        expect(code).toHaveLength(length);
        expect([...code].every((symbol) => CODE_ALPHABET.includes(symbol))).toBe(true);
      }),
    );
  });

  it('discards bytes 248..255 and maps the rest to CODE_ALPHABET[byte % 31]', () => {
    const random = scriptedRandom([...range(248, 256), 247, 0, 30, 31, 61]);
    expect(generateCode(random, 5)).toBe([247, 0, 30, 31, 61].map((byte) => CODE_ALPHABET[byte % 31]).join(''));
    expect(CODE_ALPHABET[247 % 31]).toBe('Z');
  });

  it('skips rejected bytes wherever they fall', () => {
    expect(generateCode(scriptedRandom([255, 5, 250, 6, 248, 7]), 3)).toBe(CODE_ALPHABET.slice(5, 8));
  });

  it('uses each of the 248 accepted byte values for exactly one symbol, 8 times per symbol', () => {
    const code = generateCode(scriptedRandom(range(0, 248)), 248);
    for (const symbol of CODE_ALPHABET) expect(code.split(symbol)).toHaveLength(9);
  });

  it('propagates a failing random source', () => {
    const failure = new Error('entropy source unavailable');
    const random: RandomBytes = () => {
      throw failure;
    };
    expect(() => generateCode(random, 8)).toThrow(failure);
  });

  it('fails instead of hanging when the random source yields only rejected bytes', () => {
    expect(() => generateCode((size) => Buffer.alloc(size, 0xff), 8)).toThrow('only rejected bytes');
  });

  it('fails when the random source returns fewer bytes than asked', () => {
    expect(() => generateCode(() => Buffer.alloc(1), 8)).toThrow(/returned 1 bytes/);
  });

  it('spreads symbols uniformly (chi-square smoke test over 200k symbols)', () => {
    const samples = 200_000;
    const counts = new Map<string, number>();
    for (const symbol of generateCode(randomBytes, samples)) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    const expected = samples / CODE_ALPHABET.length;
    const statistic = [...CODE_ALPHABET].reduce(
      (sum, symbol) => sum + ((counts.get(symbol) ?? 0) - expected) ** 2 / expected,
      0,
    );
    // 30 degrees of freedom: P(χ² ≥ 70) ≈ 0.00005, so a fair generator essentially never fails.
    expect(statistic).toBeLessThan(70);
  });
});

describe('toDisplayForm', () => {
  it.each([
    ['K7QM2XHP', 'K7QM-2XHP'],
    ['K7QM2X', 'K7QM-2X'],
    ['K7QM2XHPABC', 'K7QM-2XHP-ABC'],
    ['K7QM2XHPABCD', 'K7QM-2XHP-ABCD'],
    ['K7QM', 'K7QM'],
  ])('shows %s as %s', (normalized, display) => {
    expect(toDisplayForm(normalized)).toBe(display);
  });
});
