/**
 * The start every attempt on a code shares (a redemption, a check, a hold).
 * Normalization needs no database; the rate-limit buckets and the lookup then
 * travel in one read, and the gate is decided before anything the lookup
 * found is looked at, so a blocked client learns nothing. A malformed code has
 * no candidates and reads only the buckets.
 */
import type { CodeId, CodeStore, LookupCandidate, MatchCriteria, RedeemableCode } from '../store/port';
import type { AttemptGuard, AttemptLabels, GatedAttempt } from './attempt-guard';
import type { KeyRing } from './keyring';
import { normalizeCode } from './normalize';
import type { CodePolicy } from './policy';
import { failureReason, type FailureReason } from './state';
import type { ClientIdentity } from './types';

export interface CodeAttemptDeps {
  readonly store: CodeStore;
  readonly keyRing: KeyRing;
  readonly policy: CodePolicy;
  readonly guard: AttemptGuard;
}

export interface CodeAttempt extends GatedAttempt {
  /** Empty when the code is malformed. */
  readonly candidates: readonly LookupCandidate[];
  /** The code, when it is redeemable now and matches the attempt's criteria. */
  readonly found: RedeemableCode | null;
}

export async function openCodeAttempt(
  deps: CodeAttemptDeps,
  code: string,
  criteria: MatchCriteria,
  client: ClientIdentity,
  now: Date,
): Promise<CodeAttempt> {
  const limiter = deps.guard.limiter;
  const buckets = limiter.bucketsFor(client.clientKey, criteria.scope);
  const normalized = normalizeCode(code, deps.policy.length);
  const candidates = normalized.ok ? deps.keyRing.candidates(normalized.code) : [];
  const snapshot = await deps.store.readAttempt(limiter.keysOf(buckets), candidates, now, criteria);
  return { ...deps.guard.gate(buckets, snapshot.buckets, now), candidates, found: snapshot.code };
}

/** What an earlier attempt with the same idempotency key left on the code: something to answer with again, or a reversal. */
export type Earlier<T> = { readonly kind: 'replay'; readonly value: T } | { readonly kind: 'reversed' } | null;

export interface Refusal {
  readonly kind: 'refuse';
  readonly reason: FailureReason;
  readonly codeId: CodeId | null;
}

export type Miss<T> = { readonly kind: 'replay'; readonly value: T } | Refusal;

/** After an attempt took no use: why, from the record in whatever state, read once and off the success path. */
export async function explainMiss(
  store: CodeStore,
  attempt: CodeAttempt,
  now: Date,
  labels: AttemptLabels,
): Promise<Refusal> {
  return explainMissOrReplay(store, attempt, now, labels, async () => null) as Promise<Refusal>;
}

/**
 * Like explainMiss, but an earlier attempt of this caller on the code (the
 * same idempotency key) may be answered with again instead.
 */
export async function explainMissOrReplay<T>(
  store: CodeStore,
  attempt: CodeAttempt,
  now: Date,
  labels: AttemptLabels,
  earlier: (codeId: CodeId) => Promise<Earlier<T>>,
): Promise<Miss<T>> {
  if (attempt.candidates.length === 0) return { kind: 'refuse', reason: 'MALFORMED', codeId: null };
  const inspected = await store.inspect(attempt.candidates, now, { subject: labels.subject });
  const before = inspected === null ? null : await earlier(inspected.id);
  if (before?.kind === 'replay') return before;
  const facts = { ...labels, replayReversed: before?.kind === 'reversed', claimLost: attempt.found !== null };
  return { kind: 'refuse', reason: failureReason(inspected, facts, now), codeId: inspected?.id ?? null };
}
