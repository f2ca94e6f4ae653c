/** The one rule that turns a code's facts into its state and a failed attempt into its reason: every case of its precedence. */
import {
  codeState,
  FAILURE_PRECEDENCE,
  failureReason,
  HOLD_FAILURE_PRECEDENCE,
  holdFailureReason,
  type AttemptedCode,
  type AttemptedHold,
} from '../../../src/codes/state';
import type { CodeUsage } from '../../../src/store/port';

const now = new Date('2026-06-01T12:00:00.000Z');
const earlier = new Date(now.getTime() - 1);
const later = new Date(now.getTime() + 1);

function usage(overrides: Partial<CodeUsage> = {}): CodeUsage {
  return {
    revokedAt: null,
    expiresAt: later,
    startsAt: null,
    maxRedemptions: 1,
    redemptionCount: 0,
    heldCount: 0,
    ...overrides,
  };
}

describe('codeState: REVOKED, then USED, then EXPIRED, then SCHEDULED, then REDEEMABLE', () => {
  it.each([
    ['REDEEMABLE', usage()],
    ['REDEEMABLE', usage({ startsAt: now })],
    ['REDEEMABLE', usage({ startsAt: earlier, maxRedemptions: 3, redemptionCount: 1, heldCount: 1 })],
    ['SCHEDULED', usage({ startsAt: later })],
    ['EXPIRED', usage({ expiresAt: now })],
    ['EXPIRED', usage({ expiresAt: earlier, maxRedemptions: 2, redemptionCount: 1 })],
    ['USED', usage({ redemptionCount: 1 })],
    ['USED', usage({ heldCount: 1 })],
    ['USED', usage({ maxRedemptions: 3, redemptionCount: 2, heldCount: 1 })],
    ['USED', usage({ redemptionCount: 1, expiresAt: earlier })],
    ['USED', usage({ redemptionCount: 1, startsAt: later })],
    ['REVOKED', usage({ revokedAt: earlier })],
    ['REVOKED', usage({ revokedAt: earlier, expiresAt: earlier })],
    ['REVOKED', usage({ revokedAt: earlier, heldCount: 1 })],
    ['REVOKED', usage({ revokedAt: earlier, startsAt: later })],
  ])('%s for %p', (state, facts) => {
    expect(codeState(facts, now)).toBe(state);
  });
});

function attempted(overrides: Partial<AttemptedCode> = {}): AttemptedCode {
  return { ...usage(), purpose: 'promo', scope: 'shop', maxRedemptionsPerSubject: null, subjectTaken: 0, ...overrides };
}

const attempt = { purpose: 'promo', scope: 'shop', subject: 'ann' };

describe('failureReason, in the precedence FAILURE_PRECEDENCE lists', () => {
  it('lists the reasons in the order the rule applies them', () => {
    expect(FAILURE_PRECEDENCE).toEqual([
      'MALFORMED',
      'UNKNOWN',
      'PURPOSE_MISMATCH',
      'SCOPE_MISMATCH',
      'REVERSED',
      'REVOKED',
      'USED',
      'EXPIRED',
      'NOT_STARTED',
      'SUBJECT_REQUIRED',
      'SUBJECT_LIMIT',
      'LOST_RACE',
    ]);
  });

  /** Each row: a code that has every fact from its reason on down the list, so only precedence decides. */
  it.each([
    ['UNKNOWN', null, attempt],
    ['PURPOSE_MISMATCH', attempted({ purpose: 'other', scope: 'other', revokedAt: earlier }), attempt],
    ['PURPOSE_MISMATCH', attempted({ purpose: null }), attempt],
    ['SCOPE_MISMATCH', attempted({ scope: 'other', revokedAt: earlier }), { ...attempt, replayReversed: true }],
    ['REVERSED', attempted({ revokedAt: earlier, redemptionCount: 1 }), { ...attempt, replayReversed: true }],
    ['REVOKED', attempted({ revokedAt: earlier, redemptionCount: 1, expiresAt: earlier }), attempt],
    ['USED', attempted({ redemptionCount: 1, expiresAt: earlier }), attempt],
    ['USED', attempted({ heldCount: 1, maxRedemptionsPerSubject: 1 }), { ...attempt, subject: null }],
    ['EXPIRED', attempted({ expiresAt: now, maxRedemptionsPerSubject: 1 }), { ...attempt, subject: null }],
    ['NOT_STARTED', attempted({ startsAt: later, maxRedemptionsPerSubject: 1 }), { ...attempt, subject: null }],
    [
      'SUBJECT_REQUIRED',
      attempted({ maxRedemptions: 5, maxRedemptionsPerSubject: 1, subjectTaken: 1 }),
      { ...attempt, subject: null },
    ],
    ['SUBJECT_LIMIT', attempted({ maxRedemptions: 5, maxRedemptionsPerSubject: 2, subjectTaken: 2 }), attempt],
    ['LOST_RACE', attempted({ maxRedemptions: 5, maxRedemptionsPerSubject: 2, subjectTaken: 1 }), attempt],
    ['LOST_RACE', attempted(), attempt],
    ['REVOKED', attempted({ revokedAt: earlier, redemptionCount: 1 }), { ...attempt, claimLost: true }],
    ['LOST_RACE', attempted({ redemptionCount: 1, expiresAt: earlier }), { ...attempt, claimLost: true }],
    [
      'SUBJECT_LIMIT',
      attempted({ maxRedemptions: 5, maxRedemptionsPerSubject: 2, subjectTaken: 2 }),
      { ...attempt, claimLost: true },
    ],
  ] as const)('%s', (reason, code, facts) => {
    expect(failureReason(code, facts, now)).toBe(reason);
  });

  it('matches any scope when the attempt names none, and purposes exactly', () => {
    expect(failureReason(attempted(), { ...attempt, scope: null }, now)).toBe('LOST_RACE');
    expect(failureReason(attempted(), { ...attempt, purpose: 'Promo' }, now)).toBe('PURPOSE_MISMATCH');
    expect(failureReason(attempted(), { ...attempt, scope: 'shop ' }, now)).toBe('SCOPE_MISMATCH');
  });
});

function held(overrides: Partial<AttemptedHold> = {}): AttemptedHold {
  return { status: 'active', expiresAt: later, redemptionReversed: false, codeRevoked: false, ...overrides };
}

describe('holdFailureReason, in the precedence HOLD_FAILURE_PRECEDENCE lists', () => {
  it('lists the reasons in the order the rule applies them', () => {
    expect(HOLD_FAILURE_PRECEDENCE).toEqual([
      'MALFORMED',
      'UNKNOWN',
      'RELEASED',
      'CONFIRMED',
      'REVERSED',
      'EXPIRED',
      'REVOKED',
      'LOST_RACE',
    ]);
  });

  it.each([
    ['UNKNOWN', null, 'confirm'],
    ['RELEASED', held({ status: 'released', expiresAt: earlier, codeRevoked: true }), 'confirm'],
    ['CONFIRMED', held({ status: 'confirmed', redemptionReversed: true }), 'release'],
    ['REVERSED', held({ status: 'confirmed', redemptionReversed: true, codeRevoked: true }), 'confirm'],
    ['LOST_RACE', held({ status: 'confirmed' }), 'confirm'],
    ['EXPIRED', held({ status: 'expired', codeRevoked: true }), 'confirm'],
    ['EXPIRED', held({ expiresAt: now, codeRevoked: true }), 'release'],
    ['REVOKED', held({ codeRevoked: true }), 'confirm'],
    ['LOST_RACE', held(), 'release'],
  ] as const)('%s', (reason, hold, operation) => {
    expect(holdFailureReason(hold, operation, now)).toBe(reason);
  });
});
