import { codeState } from '../../../src/codes/state';

const now = new Date('2026-06-01T12:00:00.000Z');
const earlier = new Date(now.getTime() - 1);
const later = new Date(now.getTime() + 1);

describe('codeState', () => {
  it.each([
    ['REDEEMABLE', { usedAt: null, revokedAt: null, expiresAt: later }],
    ['EXPIRED', { usedAt: null, revokedAt: null, expiresAt: now }],
    ['EXPIRED', { usedAt: null, revokedAt: null, expiresAt: earlier }],
    ['REVOKED', { usedAt: null, revokedAt: earlier, expiresAt: later }],
    ['REVOKED', { usedAt: null, revokedAt: earlier, expiresAt: earlier }],
    ['USED', { usedAt: earlier, revokedAt: null, expiresAt: later }],
    ['USED', { usedAt: earlier, revokedAt: null, expiresAt: earlier }],
    ['USED', { usedAt: earlier, revokedAt: earlier, expiresAt: earlier }],
  ])('%s for %p', (state, record) => {
    expect(codeState(record, now)).toBe(state);
  });
});
