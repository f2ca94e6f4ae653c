import { randomBytes } from 'node:crypto';
import { claimTokenHash, randomClaimToken } from '../../../src/codes/claim-token';

describe('claimTokenHash', () => {
  it('matches an independently computed vector', () => {
    // printf 'claimcheck.idempotency.v1\0retry-7f3a' | openssl dgst -sha256
    expect(claimTokenHash('retry-7f3a').toString('hex')).toBe(
      '35bbc984d1f8776537565296488f6381c9ef8c866cbf32a70a5ba6b74288efa5',
    );
  });

  it('is stable for a key and differs between keys', () => {
    expect(claimTokenHash('a')).toEqual(claimTokenHash('a'));
    expect(claimTokenHash('a')).not.toEqual(claimTokenHash('b'));
    expect(claimTokenHash('ä')).not.toEqual(claimTokenHash('a'));
  });

  it('never contains the key itself', () => {
    expect(claimTokenHash('retry-7f3a').toString('latin1')).not.toContain('retry-7f3a');
  });
});

describe('randomClaimToken', () => {
  it('is a 32-byte hash of 32 random bytes', () => {
    const sizes: number[] = [];
    const token = randomClaimToken((size) => {
      sizes.push(size);
      return Buffer.alloc(size, 7);
    });
    expect(sizes).toEqual([32]);
    expect(token).toHaveLength(32);
    expect(token.equals(Buffer.alloc(32, 7))).toBe(false);
  });

  it('differs between claims', () => {
    expect(randomClaimToken(randomBytes)).not.toEqual(randomClaimToken(randomBytes));
  });

  it('propagates a failing random source', () => {
    expect(() =>
      randomClaimToken(() => {
        throw new Error('no entropy');
      }),
    ).toThrow('no entropy');
  });
});
