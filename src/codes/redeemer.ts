/**
 * The public use cases on a code as typed: check it (redeemable) and redeem
 * it. A redemption, in order: normalize → one read for the rate-limit gate and
 * the lookup → the gate → the claim (one conditional UPDATE and the
 * redemption's row, committed together) → the answer. Failures are counted,
 * journaled and answered alike.
 */
import type { ClaimOutcome, ClaimRequest, ClaimToken, CodeId, CodeStore, RedemptionWithCode } from '../store/port';
import { type AttemptGuard, type AttemptLabels, labelsOf } from './attempt-guard';
import { claimTokenHash, randomClaimToken } from './claim-token';
import { type CodeAttemptDeps, type Earlier, explainMiss, explainMissOrReplay, openCodeAttempt } from './code-attempt';
import { newRedemptionId } from './ids';
import type { KeyRing } from './keyring';
import type { CodePolicy } from './policy';
import { matchesCriteria } from './state';
import type { CheckRequest, CheckResult, Clock, RandomBytes, RedeemRequest, RedeemResult, Redemption } from './types';
import { validateAttempt, validateCriteria } from './validation';

export interface RedeemerDeps {
  readonly store: CodeStore;
  readonly keyRing: KeyRing;
  readonly policy: CodePolicy;
  readonly guard: AttemptGuard;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

const LOST: ClaimOutcome = { kind: 'lost' };

export class Redeemer {
  private readonly attempts: CodeAttemptDeps;
  /** Single-use claims in flight in this process, by code id. */
  private readonly claimsInFlight = new Map<CodeId, Promise<ClaimOutcome>>();

  constructor(private readonly deps: RedeemerDeps) {
    this.attempts = deps;
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    validateCriteria(request);
    const now = this.deps.clock.now();
    const labels: AttemptLabels = { scope: request.scope, purpose: request.purpose, subject: null };
    const attempt = await openCodeAttempt(this.attempts, request.code, labels, request.client, now);
    if (attempt.gate.blocked) return this.deps.guard.rateLimited('check', attempt.gate.retryAfterSeconds, now, labels);
    if (attempt.found) {
      this.deps.guard.observed('check', 'redeemable');
      const { id: codeId, purpose, scope, grant, expiresAt } = attempt.found;
      return { kind: 'redeemable', code: { codeId, purpose, scope, grant, expiresAt } };
    }
    const { reason, codeId } = await explainMiss(this.deps.store, attempt, now, labels);
    return this.deps.guard.refuse('check', reason, codeId, attempt, now, labels);
  }

  async redeem(request: RedeemRequest): Promise<RedeemResult> {
    validateAttempt(request);
    const now = this.deps.clock.now();
    const labels = labelsOf(request);
    const attempt = await openCodeAttempt(this.attempts, request.code, request, request.client, now);
    const { guard } = this.deps;
    if (attempt.gate.blocked) return guard.rateLimited('redeem', attempt.gate.retryAfterSeconds, now, labels);
    // Only a caller that sent an idempotency key can ever present its token again.
    const replayToken = request.idempotencyKey === null ? null : claimTokenHash(request.idempotencyKey);
    const { found } = attempt;
    if (found) {
      const redemptionId = newRedemptionId(now, this.deps.random);
      const outcome = await this.claim(found.maxRedemptions === 1, {
        codeId: found.id,
        lookupKey: found.lookupKey,
        now,
        subject: request.subject,
        scope: request.scope,
        purpose: request.purpose,
        claimToken: replayToken ?? randomClaimToken(this.deps.random),
        redemptionId,
      });
      if (outcome.kind === 'won') {
        await guard.succeeded('redeem', 'redeemed', attempt);
        const { id: codeId, purpose, scope, grant } = found;
        return {
          kind: 'redeemed',
          redemption: { id: redemptionId, codeId, purpose, scope, grant, subject: request.subject, redeemedAt: now },
        };
      }
    }
    const miss = await explainMissOrReplay(this.deps.store, attempt, now, labels, (codeId) =>
      replayToken ? this.earlierRedemption(codeId, replayToken, request) : Promise.resolve(null),
    );
    if (miss.kind === 'replay') {
      guard.observed('redeem', 'replayed');
      return { kind: 'redeemed', redemption: miss.value };
    }
    return guard.refuse('redeem', miss.reason, miss.codeId, attempt, now, labels);
  }

  /**
   * The redemption an earlier attempt with the same idempotency key made on
   * this code: the retry gets it back unchanged while it is active. A reversed
   * redemption is never replayed.
   */
  private async earlierRedemption(
    codeId: CodeId,
    token: ClaimToken,
    request: RedeemRequest,
  ): Promise<Earlier<Redemption>> {
    const earlier = await this.deps.store.findRedemptionByToken(codeId, token);
    if (earlier === null || !matchesCriteria(earlier, request)) return null;
    return earlier.reversedAt === null ? { kind: 'replay', value: asRedemption(earlier) } : { kind: 'reversed' };
  }

  /**
   * The database decides every claim. For a single-use code, a claim already
   * in flight in this process spares the ones it beats: once it has won, any
   * other claim of the code would match no row.
   */
  private async claim(singleUse: boolean, request: ClaimRequest): Promise<ClaimOutcome> {
    if (!singleUse) return this.deps.store.claimCode(request);
    const running = this.claimsInFlight.get(request.codeId);
    if (running && (await running.catch(() => LOST)).kind === 'won') return LOST;
    const claim = this.deps.store.claimCode(request);
    if (!this.claimsInFlight.has(request.codeId)) this.claimsInFlight.set(request.codeId, claim);
    try {
      return await claim;
    } finally {
      if (this.claimsInFlight.get(request.codeId) === claim) this.claimsInFlight.delete(request.codeId);
    }
  }
}

export function asRedemption(record: RedemptionWithCode): Redemption {
  const { id, codeId, purpose, scope, grant, subject, redeemedAt } = record;
  return { id, codeId, purpose, scope, grant, subject, redeemedAt };
}
