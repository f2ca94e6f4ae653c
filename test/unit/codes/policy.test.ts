import { CODE_ALPHABET, MAX_CODE_LENGTH, MIN_CODE_LENGTH, codePolicy, entropyBits } from '../../../src/codes/policy';

describe('CODE_ALPHABET', () => {
  it('has 31 distinct symbols and none of the confusable 0 O 1 I L', () => {
    expect(new Set(CODE_ALPHABET).size).toBe(31);
    expect(CODE_ALPHABET).not.toMatch(/[0O1IL]/);
  });
});

describe('codePolicy', () => {
  it('accepts the default length and TTL', () => {
    expect(codePolicy(8, 86_400)).toEqual({ length: 8, ttlSeconds: 86_400 });
  });

  it('accepts the length bounds', () => {
    expect(codePolicy(MIN_CODE_LENGTH, 1).length).toBe(6);
    expect(codePolicy(MAX_CODE_LENGTH, 1).length).toBe(32);
  });

  it.each([5, 33, 8.5, 0, -8, Number.NaN, Number.POSITIVE_INFINITY])('rejects length %p', (length) => {
    expect(() => codePolicy(length, 86_400)).toThrow(new RangeError('CODE_LENGTH must be an integer from 6 to 32'));
  });

  it.each([0, -1, 1.5, Number.NaN, 10 * 365 * 86_400 + 1])('rejects TTL %p', (ttl) => {
    expect(() => codePolicy(8, ttl)).toThrow(/^CODE_TTL_SECONDS must be an integer from 1 to \d+$/);
  });
});

describe('entropyBits', () => {
  it('is length × log2(31)', () => {
    expect(entropyBits(8)).toBeCloseTo(39.63, 2);
    expect(entropyBits(6)).toBeCloseTo(29.73, 2);
  });
});
