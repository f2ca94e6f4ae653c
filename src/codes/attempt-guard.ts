/**
 * What every public attempt shares, whatever it attempts (a redemption, a
 * check, a hold, a confirmation, a release): the rate-limit gate, the count of
 * a failure against the budget, the journal entry of a refusal and the metric.
 * Every refusal answers alike, byte for byte: INVALID_OR_EXPIRED, or
 * RATE_LIMITED with its retry time.
 */
import type { AuditLog, CodeId, JournalEntry, JournalEntryType, MatchCriteria, RateLimitBucket } from '../store/port';
import { RateLimiter, type AttemptBuckets, type Gate } from './rate-limiter';
import type { FailureReason } from './state';
import type { AttemptOperation, AttemptOutcome, RedeemFailure, ServiceObserver } from './types';

export const INVALID: RedeemFailure = Object.freeze({ kind: 'failure', reason: 'INVALID_OR_EXPIRED' });

/** The labels a refusal's journal entry carries: never the code, the holdId or the client. */
export interface AttemptLabels extends MatchCriteria {
  readonly subject: string | null;
}

/** Only the labels of a request: the code and the idempotency key it carries must not travel with them. */
export function labelsOf(request: AttemptLabels): AttemptLabels {
  return { scope: request.scope, purpose: request.purpose, subject: request.subject };
}

/** An attempt that has passed its gate (or not): what a refusal needs to be counted. */
export interface GatedAttempt {
  readonly buckets: AttemptBuckets;
  readonly gate: Gate;
}

export class AttemptGuard {
  constructor(
    readonly limiter: RateLimiter,
    private readonly audit: AuditLog,
    private readonly observer: ServiceObserver | undefined,
  ) {}

  /** Whether the live buckets (read before anything else is looked at) let the attempt go on. */
  gate(buckets: AttemptBuckets, live: readonly RateLimitBucket[], now: Date): GatedAttempt {
    return { buckets, gate: this.limiter.evaluate(buckets, live, now) };
  }

  /** The answer to a client over its budget: nothing else about the attempt is looked at. */
  async rateLimited(
    operation: AttemptOperation,
    retryAfterSeconds: number,
    now: Date,
    labels: AttemptLabels,
  ): Promise<RedeemFailure> {
    await this.audit.append([this.entry('rate_limited', now, null, labels, operation)]);
    this.observer?.attempt(operation, 'RATE_LIMITED');
    return { kind: 'failure', reason: 'RATE_LIMITED', retryAfterSeconds };
  }

  /**
   * Counts a failed attempt, records why (for the audit trail only) and
   * answers it. Over budget, the answer is withheld: a burst of parallel
   * guesses learns no more than maxFailures results.
   */
  async refuse(
    operation: AttemptOperation,
    reason: FailureReason,
    codeId: CodeId | null,
    attempt: GatedAttempt,
    now: Date,
    labels: AttemptLabels,
  ): Promise<RedeemFailure> {
    const verdict = await this.limiter.recordFailure(attempt.buckets, now);
    await this.audit.append([this.entry('redeem_failed', now, codeId, labels, `${operation}:${reason}`)]);
    this.observer?.attempt(operation, reason);
    return verdict.exceeded
      ? { kind: 'failure', reason: 'RATE_LIMITED', retryAfterSeconds: verdict.retryAfterSeconds }
      : INVALID;
  }

  /**
   * A use taken or given back: the client's failures are cleared (a check
   * never clears them, or one valid code would reset them forever).
   */
  async succeeded(operation: AttemptOperation, outcome: AttemptOutcome, attempt: GatedAttempt): Promise<void> {
    if (!attempt.gate.blocked && attempt.gate.clientHasFailures) await this.limiter.clearClient(attempt.buckets);
    this.observer?.attempt(operation, outcome);
  }

  /** A success that clears nothing (a check). */
  observed(operation: AttemptOperation, outcome: AttemptOutcome): void {
    this.observer?.attempt(operation, outcome);
  }

  private entry(
    type: JournalEntryType,
    at: Date,
    codeId: CodeId | null,
    labels: AttemptLabels,
    reason: string,
  ): JournalEntry {
    return { type, at, codeId, subject: labels.subject, scope: labels.scope, purpose: labels.purpose, reason };
  }
}
