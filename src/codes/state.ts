/**
 * The one owner of the rule that turns a code's facts into its state and a
 * failed attempt into its internal reason. Pure: no clock of its own, no I/O.
 * The store's SQL states the same rule for filters and counts; a test
 * evaluates both on the same rows (test/integration/store/state-agreement).
 *
 * State precedence, first that applies:
 *   REVOKED    revoked by an admin (only possible while a use was left): final.
 *   USED       every use taken: active redemptions plus uses held by unexpired holds.
 *   EXPIRED    its lifetime ended with a use left.
 *   SCHEDULED  its startsAt has not come yet.
 *   REDEEMABLE otherwise.
 * Revoked and used win over expired: they are facts, expiry is only the passing of time.
 */
import type { CodeState, CodeUsage, HoldStatus, MatchCriteria } from '../store/port';

export type { CodeState, CodeUsage };

export function isRevoked(usage: CodeUsage): boolean {
  return usage.revokedAt !== null;
}

export function usesLeft(usage: CodeUsage): number {
  return Math.max(0, usage.maxRedemptions - usage.redemptionCount - usage.heldCount);
}

export function hasExpired(usage: CodeUsage, now: Date): boolean {
  return usage.expiresAt.getTime() <= now.getTime();
}

export function hasStarted(usage: CodeUsage, now: Date): boolean {
  return usage.startsAt === null || usage.startsAt.getTime() <= now.getTime();
}

export function codeState(usage: CodeUsage, now: Date): CodeState {
  if (isRevoked(usage)) return 'REVOKED';
  if (usesLeft(usage) === 0) return 'USED';
  if (hasExpired(usage, now)) return 'EXPIRED';
  if (!hasStarted(usage, now)) return 'SCHEDULED';
  return 'REDEEMABLE';
}

/**
 * Why an attempt failed, for the audit trail and metrics only: every one of
 * them answers INVALID_OR_EXPIRED. Listed in precedence order: the first that
 * applies is recorded.
 */
export const FAILURE_PRECEDENCE = [
  /** The input is not a code of this alphabet and length (decided before any lookup). */
  'MALFORMED',
  /** No code has this lookup key under a held key version. */
  'UNKNOWN',
  'PURPOSE_MISMATCH',
  'SCOPE_MISMATCH',
  /** A retry whose idempotency key already redeemed the code, and that redemption was reversed: it is not replayed. */
  'REVERSED',
  'REVOKED',
  'USED',
  'EXPIRED',
  'NOT_STARTED',
  /** The code has a per-subject limit and the request named no subject. */
  'SUBJECT_REQUIRED',
  /** The subject has taken its uses of the code. */
  'SUBJECT_LIMIT',
  /**
   * Redeemable when read, taken by someone else before the claim. It also
   * stands in for USED when this attempt's own read found the code redeemable
   * (claimLost): the last use went to a concurrent winner. The read does not
   * look at the subject's uses, so SUBJECT_LIMIT stays what it is.
   */
  'LOST_RACE',
] as const;

/**
 * Why a confirmation or a release of a hold failed, in precedence order. An
 * active hold past its expiresAt is expired whether or not the sweep has
 * recorded it yet.
 */
export const HOLD_FAILURE_PRECEDENCE = [
  'MALFORMED',
  'UNKNOWN',
  'RELEASED',
  /** Released after it was confirmed: the use is a redemption now, only reverseRedemption gives it back. */
  'CONFIRMED',
  'REVERSED',
  'EXPIRED',
  'REVOKED',
  'LOST_RACE',
] as const;

export type FailureReason = (typeof FAILURE_PRECEDENCE)[number] | (typeof HOLD_FAILURE_PRECEDENCE)[number];

/** What the classification needs to know of the code an attempt named. */
export interface AttemptedCode extends CodeUsage, MatchCriteria {
  readonly maxRedemptionsPerSubject: number | null;
  /** Uses the attempt's subject has taken (active redemptions and unexpired holds). */
  readonly subjectTaken: number;
}

export interface AttemptFacts extends MatchCriteria {
  readonly subject: string | null;
  /** The attempt is a retry whose earlier redemption (same idempotency key) has been reversed. */
  readonly replayReversed?: boolean;
  /** The attempt's read found the code redeemable, and its claim then found the use taken. */
  readonly claimLost?: boolean;
}

/** Purpose always, scope when the attempt names one: exact comparisons, as the store makes them. */
export function matchesCriteria(code: MatchCriteria, criteria: MatchCriteria): boolean {
  return code.purpose === criteria.purpose && (criteria.scope === null || code.scope === criteria.scope);
}

/** The reason an attempt on `code` (null: none was found) failed; LOST_RACE when nothing about the code explains it. */
export function failureReason(code: AttemptedCode | null, attempt: AttemptFacts, now: Date): FailureReason {
  if (code === null) return 'UNKNOWN';
  if (code.purpose !== attempt.purpose) return 'PURPOSE_MISMATCH';
  if (attempt.scope !== null && code.scope !== attempt.scope) return 'SCOPE_MISMATCH';
  if (attempt.replayReversed) return 'REVERSED';
  const state = codeState(code, now);
  if (state === 'REVOKED') return 'REVOKED';
  if (state === 'USED') return attempt.claimLost ? 'LOST_RACE' : 'USED';
  if (state === 'EXPIRED') return 'EXPIRED';
  if (state === 'SCHEDULED') return 'NOT_STARTED';
  if (code.maxRedemptionsPerSubject !== null) {
    if (attempt.subject === null) return 'SUBJECT_REQUIRED';
    if (code.subjectTaken >= code.maxRedemptionsPerSubject) return 'SUBJECT_LIMIT';
  }
  return 'LOST_RACE';
}

/** What the classification of a hold operation needs to know of the hold it named. */
export interface AttemptedHold {
  readonly status: HoldStatus;
  readonly expiresAt: Date;
  /** Whether the redemption a confirmation made has been reversed. */
  readonly redemptionReversed: boolean;
  readonly codeRevoked: boolean;
}

export type HoldOperation = 'confirm' | 'release';

/** Whether a hold still holds its use at `now`: active and unexpired. */
export function holdIsLive(hold: { readonly status: HoldStatus; readonly expiresAt: Date }, now: Date): boolean {
  return hold.status === 'active' && hold.expiresAt.getTime() > now.getTime();
}

/** The reason a confirmation or release of `hold` (null: none was found) failed. */
export function holdFailureReason(hold: AttemptedHold | null, operation: HoldOperation, now: Date): FailureReason {
  if (hold === null) return 'UNKNOWN';
  if (hold.status === 'released') return 'RELEASED';
  if (hold.status === 'confirmed')
    return operation === 'release' ? 'CONFIRMED' : hold.redemptionReversed ? 'REVERSED' : 'LOST_RACE';
  if (!holdIsLive(hold, now)) return 'EXPIRED';
  if (hold.codeRevoked) return 'REVOKED';
  return 'LOST_RACE';
}
