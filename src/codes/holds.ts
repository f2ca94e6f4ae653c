/**
 * Holds for checkout flows: a use set aside until confirmed, released or
 * expired. holdCode is an attempt on a code exactly like redeemCode
 * (normalization, criteria, gate, enumeration resistance); confirmHold and
 * releaseHold are attempts on a holdId, counted against the client's budget
 * when they fail, and answered alike whatever the reason.
 */
import type { ClaimToken, CodeId, CodeStore, HoldRecord, HoldStore, JournalEntry, MatchCriteria } from '../store/port';
import { type AttemptGuard, type AttemptLabels, type GatedAttempt, labelsOf } from './attempt-guard';
import { claimTokenHash, confirmationToken, randomClaimToken } from './claim-token';
import { type CodeAttemptDeps, type Earlier, explainMissOrReplay, openCodeAttempt } from './code-attempt';
import { formatHoldId, newHoldId, parseHoldId, sealHoldId, unsealHoldId } from './hold-id';
import { newHoldRef, newRedemptionId } from './ids';
import type { KeyRing } from './keyring';
import type { CodePolicy } from './policy';
import { asRedemption } from './redeemer';
import { holdFailureReason, holdIsLive, matchesCriteria, type HoldOperation } from './state';
import type {
  Clock,
  Hold,
  HoldIdRequest,
  HoldRequest,
  HoldResult,
  RandomBytes,
  RedeemResult,
  ReleaseResult,
} from './types';
import { checkIntegerIn, INPUT_LIMITS, validateAttempt } from './validation';

export interface HoldsDeps {
  readonly store: CodeStore;
  readonly holds: HoldStore;
  readonly keyRing: KeyRing;
  readonly policy: CodePolicy;
  readonly guard: AttemptGuard;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

const NOT_RELEASED: ReleaseResult = Object.freeze({ released: false });
const RELEASED: ReleaseResult = Object.freeze({ released: true });
/** A hold operation's journal entry names no code criteria: the caller gave only a holdId. */
const NO_LABELS: AttemptLabels = Object.freeze({ scope: null, purpose: null, subject: null });
/** Holds whose expiry one sweep records at most. */
const SWEEP_BATCH = 200;

export class Holds {
  private readonly attempts: CodeAttemptDeps;

  constructor(private readonly deps: HoldsDeps) {
    this.attempts = deps;
  }

  async hold(request: HoldRequest): Promise<HoldResult> {
    validateAttempt(request);
    checkIntegerIn('ttlSeconds', request.ttlSeconds, 1, INPUT_LIMITS.holdTtlSecondsMax);
    const now = this.deps.clock.now();
    const labels = labelsOf(request);
    const attempt = await openCodeAttempt(this.attempts, request.code, request, request.client, now);
    const { guard, random, keyRing } = this.deps;
    if (attempt.gate.blocked) return guard.rateLimited('hold', attempt.gate.retryAfterSeconds, now, labels);
    const replayToken = request.idempotencyKey === null ? null : claimTokenHash(request.idempotencyKey);
    const { found } = attempt;
    if (found) {
      const holdId = newHoldId(random);
      const ref = newHoldRef(now, random);
      const { holdKey, keyVersion } = keyRing.holdKey(holdId.bytes);
      const ttlMs = (request.ttlSeconds ?? INPUT_LIMITS.holdTtlSecondsDefault) * 1000;
      // A hold never outlives its code.
      const expiresAt = new Date(Math.min(now.getTime() + ttlMs, found.expiresAt.getTime()));
      const outcome = await this.deps.holds.holdCode(
        {
          codeId: found.id,
          lookupKey: found.lookupKey,
          now,
          subject: request.subject,
          scope: request.scope,
          purpose: request.purpose,
          claimToken: replayToken ?? randomClaimToken(random),
          ref,
          holdKey,
          keyVersion,
          expiresAt,
          sealedHoldId:
            request.idempotencyKey === null
              ? null
              : sealHoldId(keyRing.active, request.idempotencyKey, holdId.bytes, ref, random),
        },
        this.entry('hold_created', now, found.id, found, request.subject, { holdRef: ref, reason: null }),
      );
      if (outcome.kind === 'won') {
        await guard.succeeded('hold', 'held', attempt);
        const { id: codeId, purpose, scope, grant } = found;
        return {
          kind: 'held',
          hold: { holdId: holdId.text, codeId, purpose, scope, grant, subject: request.subject, expiresAt },
        };
      }
    }
    const miss = await explainMissOrReplay(this.deps.store, attempt, now, labels, (codeId) =>
      replayToken ? this.earlierHold(codeId, replayToken, request, now) : Promise.resolve(null),
    );
    if (miss.kind === 'replay') {
      guard.observed('hold', 'replayed');
      return { kind: 'held', hold: miss.value };
    }
    return guard.refuse('hold', miss.reason, miss.codeId, attempt, now, labels);
  }

  async confirm(request: HoldIdRequest): Promise<RedeemResult> {
    const now = this.deps.clock.now();
    const attempt = await this.gate(request, now);
    const { guard } = this.deps;
    if (attempt.gate.blocked) return guard.rateLimited('confirm', attempt.gate.retryAfterSeconds, now, NO_LABELS);
    let hold = await this.find(request.holdId);
    if (hold && holdIsLive(hold, now)) {
      const redemptionId = newRedemptionId(now, this.deps.random);
      const outcome = await this.deps.holds.confirmHold({
        hold,
        now,
        redemptionId,
        claimToken: confirmationToken(hold.ref),
      });
      if (outcome.kind === 'won') {
        await guard.succeeded('confirm', 'confirmed', attempt);
        const { codeId, purpose, scope, grant, subject } = hold;
        return {
          kind: 'redeemed',
          redemption: { id: redemptionId, codeId, purpose, scope, grant, subject, redeemedAt: now },
        };
      }
      // Settled meanwhile (released, expired, or confirmed by a concurrent call): as it is now.
      hold = await this.find(request.holdId);
    }
    // Confirmed before (by this caller's retry or a concurrent one): the same redemption, while it is active.
    const redemption = hold?.redemptionId ? await this.deps.store.getRedemption(hold.redemptionId, null) : null;
    if (redemption && redemption.reversedAt === null) {
      guard.observed('confirm', 'replayed');
      return { kind: 'redeemed', redemption: asRedemption(redemption) };
    }
    return this.refuse('confirm', request.holdId, hold, redemption !== null, attempt, now);
  }

  async release(request: HoldIdRequest): Promise<ReleaseResult> {
    const now = this.deps.clock.now();
    const attempt = await this.gate(request, now);
    const { guard } = this.deps;
    if (attempt.gate.blocked) {
      // The payload has no room for a retry time: a blocked client learns only that nothing was released.
      await guard.rateLimited('release', attempt.gate.retryAfterSeconds, now, NO_LABELS);
      return NOT_RELEASED;
    }
    let hold = await this.find(request.holdId);
    if (hold && holdIsLive(hold, now)) {
      const released = await this.deps.holds.releaseHold(
        { hold, now },
        this.entry('hold_released', now, hold.codeId, hold, hold.subject, { holdRef: hold.ref, reason: 'released' }),
      );
      if (released) {
        await guard.succeeded('release', 'released', attempt);
        return RELEASED;
      }
      hold = await this.find(request.holdId);
    }
    await this.refuse('release', request.holdId, hold, false, attempt, now);
    return NOT_RELEASED;
  }

  /**
   * Records the expiry of holds whose expiresAt has passed (their uses count
   * as free from that instant without this). Each is recorded once, however
   * many instances sweep at the same time. Returns how many this call recorded.
   */
  async sweepExpired(): Promise<number> {
    const now = this.deps.clock.now();
    let recorded = 0;
    for (const hold of await this.deps.holds.expiredHolds(now, SWEEP_BATCH)) {
      const expired = await this.deps.holds.expireHold(
        { hold, now },
        this.entry('hold_released', now, hold.codeId, hold, hold.subject, { holdRef: hold.ref, reason: 'expired' }),
      );
      if (expired) recorded += 1;
    }
    return recorded;
  }

  private async gate(request: HoldIdRequest, now: Date): Promise<GatedAttempt> {
    const limiter = this.deps.guard.limiter;
    const buckets = limiter.clientBucket(request.client.clientKey);
    return this.deps.guard.gate(buckets, await limiter.read(buckets, now), now);
  }

  private async find(holdId: string): Promise<HoldRecord | null> {
    const bytes = parseHoldId(holdId);
    return bytes === null ? null : this.deps.holds.findHold(this.deps.keyRing.holdCandidates(bytes));
  }

  private async refuse(
    operation: HoldOperation,
    holdId: string,
    hold: HoldRecord | null,
    redemptionReversed: boolean,
    attempt: GatedAttempt,
    now: Date,
  ) {
    const code = hold && (await this.deps.store.getCode(hold.codeId, null, now));
    const reason =
      parseHoldId(holdId) === null
        ? 'MALFORMED'
        : holdFailureReason(
            hold && { ...hold, redemptionReversed, codeRevoked: code?.revokedAt != null },
            operation,
            now,
          );
    return this.deps.guard.refuse(operation, reason, hold?.codeId ?? null, attempt, now, NO_LABELS);
  }

  /** The hold an earlier attempt with the same idempotency key made, while it still holds its use. */
  private async earlierHold(
    codeId: CodeId,
    token: ClaimToken,
    request: HoldRequest,
    now: Date,
  ): Promise<Earlier<Hold>> {
    const earlier = await this.deps.holds.findHoldByToken(codeId, token);
    if (earlier === null || !matchesCriteria(earlier, request) || !holdIsLive(earlier, now)) return null;
    const key = this.deps.keyRing.key(earlier.keyVersion);
    const holdId =
      key && earlier.sealedHoldId && request.idempotencyKey
        ? unsealHoldId(key, request.idempotencyKey, earlier.sealedHoldId, earlier.ref)
        : null;
    if (holdId === null) return null;
    const { purpose, scope, grant, subject, expiresAt } = earlier;
    return {
      kind: 'replay',
      value: { holdId: formatHoldId(holdId), codeId, purpose, scope, grant, subject, expiresAt },
    };
  }

  private entry(
    type: 'hold_created' | 'hold_released',
    at: Date,
    codeId: CodeId,
    labels: MatchCriteria,
    subject: string | null,
    detail: Pick<JournalEntry, 'holdRef' | 'reason'>,
  ): JournalEntry {
    return {
      type,
      at,
      codeId,
      subject,
      scope: labels.scope,
      purpose: labels.purpose,
      ...detail,
      reason: detail.reason ?? null,
    };
  }
}
