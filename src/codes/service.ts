import { CodeSpaceExhausted, InvalidInput } from './errors';
import { claimTokenHash, randomClaimToken } from './claim-token';
import { decodeCursor, encodeCursor } from './cursor';
import { generateCode, toDisplayForm } from './generator';
import { newCodeId, isCodeId } from './ids';
import type { KeyRing } from './keyring';
import { normalizeCode } from './normalize';
import type { CodePolicy } from './policy';
import { RateLimiter, type AttemptBuckets, type Gate } from './rate-limiter';
import { codeState } from './state';
import type {
  CheckRequest,
  CheckResult,
  ClientIdentity,
  Clock,
  CodeFilter,
  CodePageView,
  CodeServiceApi,
  CodeStats,
  CodeView,
  FailureReason,
  IssuedCode,
  IssueOptions,
  ListRequest,
  RandomBytes,
  RateLimitSettings,
  RedeemFailure,
  RedeemRequest,
  RedeemResult,
  Redemption,
  RevokeResult,
  ServiceObserver,
} from './types';
import { DuplicateLookupKey } from '../store/errors';
import type {
  AuditEvent,
  AuditEventType,
  AuditLog,
  ClaimOutcome,
  ClaimRequest,
  CodeMetadata,
  CodeStore,
  InspectedCode,
  LookupCandidate,
  MatchCriteria,
  NewCodeRecord,
  RateLimitStore,
  RedeemableCode,
} from '../store/port';

export interface CodeServiceDeps {
  readonly store: CodeStore;
  readonly rateLimits: RateLimitStore;
  readonly audit: AuditLog;
  readonly keyRing: KeyRing;
  readonly policy: CodePolicy;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly rateLimit: RateLimitSettings;
  /** Most codes one issueMany call may ask for (at least 10000). */
  readonly maxBatch: number;
  readonly observer?: ServiceObserver;
}

/** Limits on what callers may store or send; the GraphQL layer reports them as BAD_USER_INPUT. */
export const INPUT_LIMITS = {
  purpose: 64,
  scope: 64,
  grant: 4096,
  subject: 255,
  idempotencyKeyMin: 16,
  idempotencyKeyMax: 200,
  ttlSecondsMax: 10 * 365 * 24 * 3600,
  listFirstMax: 500,
} as const;

/** Rounds of regeneration after lookup-key collisions before a batch gives up. */
const MAX_ISSUE_ROUNDS = 20;

const FAILED: RedeemFailure = { kind: 'failure', reason: 'INVALID_OR_EXPIRED' };

type AttemptOperation = 'redeem' | 'check';

export class CodeService implements CodeServiceApi {
  private readonly limiter: RateLimiter;
  private readonly claimsInFlight = new Map<string, Promise<ClaimOutcome>>();

  constructor(private readonly deps: CodeServiceDeps) {
    if (!Number.isInteger(deps.maxBatch) || deps.maxBatch < 1)
      throw new RangeError('maxBatch must be a positive integer');
    this.limiter = new RateLimiter(deps.rateLimits, deps.rateLimit, deps.keyRing.active.secret);
  }

  async issue(options: IssueOptions): Promise<IssuedCode> {
    const [issued] = await this.issueMany(1, options);
    return issued!;
  }

  async issueMany(count: number, options: IssueOptions): Promise<IssuedCode[]> {
    if (!Number.isInteger(count) || count < 1 || count > this.deps.maxBatch) {
      throw new InvalidInput('count', `count must be an integer from 1 to ${this.deps.maxBatch}`);
    }
    validateIssueOptions(options);
    const now = this.deps.clock.now();
    const ttlSeconds = options.ttlSeconds ?? this.deps.policy.ttlSeconds;
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    const batch = this.drawBatch(count, options, now, expiresAt);
    for (let round = 1; ; round++) {
      try {
        await this.deps.store.insertCodes(
          batch.map((entry) => entry.record),
          batch.map((entry) => this.event('issued', now, entry.record.id, options, null, null)),
        );
        break;
      } catch (error) {
        if (!(error instanceof DuplicateLookupKey) || round >= MAX_ISSUE_ROUNDS) {
          throw error instanceof DuplicateLookupKey ? new CodeSpaceExhausted(count, round) : error;
        }
        // A collision with a stored code is certain at scale with short codes: redraw only the colliding ones.
        this.redraw(batch, new Set(error.codeIds), options, now, expiresAt);
      }
    }
    return batch.map(({ code, record }) => ({
      code: toDisplayForm(code),
      record: toView({ ...record, usedAt: null, usedBy: null, revokedAt: null }, now),
    }));
  }

  async redeem(request: RedeemRequest): Promise<RedeemResult> {
    validateRedeemRequest(request);
    const now = this.deps.clock.now();
    const criteria: MatchCriteria = { scope: request.scope, purpose: request.purpose };
    const attempt = await this.openAttempt(request.code, criteria, request.client, now);
    if (attempt.gate.blocked) return this.rateLimited('redeem', attempt.gate.retryAfterSeconds, now, request);
    if (attempt.candidates.length === 0) return this.failed('redeem', 'MALFORMED', null, attempt, now, request);
    const { found } = attempt;
    // Only a caller that sent an idempotency key can ever present its token again.
    const replayToken = request.idempotencyKey === null ? null : claimTokenHash(request.idempotencyKey);
    if (found) {
      const outcome = await this.claim({
        ...criteria,
        codeId: found.id,
        lookupKey: found.lookupKey,
        now,
        subject: request.subject,
        claimTokenHash: replayToken ?? randomClaimToken(this.deps.random),
        redeemedEvent: this.event('redeemed', now, found.id, found, request.subject, null),
      });
      if (outcome.kind === 'won') {
        // Only a consumed code clears the client's failures: a check must not, or one valid code would reset them forever.
        if (attempt.gate.clientHasFailures) await this.limiter.clearClient(attempt.buckets);
        this.deps.observer?.attempt('redeem', 'redeemed');
        const { id: codeId, purpose, scope, grant } = found;
        return {
          kind: 'redeemed',
          redemption: { codeId, purpose, scope, grant, subject: request.subject, redeemedAt: now },
        };
      }
      if (replayToken === null) return this.failed('redeem', 'LOST_RACE', found.id, attempt, now, request);
    }
    const inspected = await this.deps.store.inspect(attempt.candidates);
    if (replayToken !== null && inspected && isReplay(inspected, replayToken, criteria)) {
      this.deps.observer?.attempt('redeem', 'replayed');
      return { kind: 'redeemed', redemption: replayedRedemption(inspected) };
    }
    const reason: FailureReason = found ? 'LOST_RACE' : classifyFailure(inspected, criteria, now);
    return this.failed('redeem', reason, inspected?.id ?? null, attempt, now, request);
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    validateCriteria(request);
    const now = this.deps.clock.now();
    const criteria: MatchCriteria = { scope: request.scope, purpose: request.purpose };
    const context: AttemptContext = { ...criteria, subject: null };
    const attempt = await this.openAttempt(request.code, criteria, request.client, now);
    if (attempt.gate.blocked) return this.rateLimited('check', attempt.gate.retryAfterSeconds, now, context);
    if (attempt.candidates.length === 0) return this.failed('check', 'MALFORMED', null, attempt, now, context);
    if (attempt.found) {
      this.deps.observer?.attempt('check', 'redeemable');
      const { id: codeId, purpose, scope, grant, expiresAt } = attempt.found;
      return { kind: 'redeemable', code: { codeId, purpose, scope, grant, expiresAt } };
    }
    const inspected = await this.deps.store.inspect(attempt.candidates);
    const reason = classifyFailure(inspected, criteria, now);
    return this.failed('check', reason, inspected?.id ?? null, attempt, now, context);
  }

  async revoke(codeId: string, within: string | null): Promise<RevokeResult> {
    if (!isCodeId(codeId)) return { revoked: false, code: null };
    const now = this.deps.clock.now();
    const visible = await this.deps.store.getCode(codeId, within);
    if (!visible) return { revoked: false, code: null };
    const revoked = await this.deps.store.revokeCode(
      codeId,
      within,
      now,
      this.event('revoked', now, codeId, visible, null, null),
    );
    const after = revoked ? await this.deps.store.getCode(codeId, within) : visible;
    return { revoked, code: after ? toView(after, now) : null };
  }

  async get(codeId: string, within: string | null): Promise<CodeView | null> {
    if (!isCodeId(codeId)) return null;
    const record = await this.deps.store.getCode(codeId, within);
    return record ? toView(record, this.deps.clock.now()) : null;
  }

  async list(request: ListRequest): Promise<CodePageView> {
    const { first, after, filter } = request;
    if (!Number.isInteger(first) || first < 1 || first > INPUT_LIMITS.listFirstMax) {
      throw new InvalidInput('first', `first must be an integer from 1 to ${INPUT_LIMITS.listFirstMax}`);
    }
    const afterId = after === null ? null : decodeCursor(after);
    if (after !== null && afterId === null) throw new InvalidInput('after', 'after is not a cursor from this API');
    const now = this.deps.clock.now();
    const page = await this.deps.store.listCodes(filter, now, first, afterId);
    const items = page.items.map((record) => toView(record, now));
    const last = items.at(-1);
    return { items, hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.id) : null };
  }

  async stats(filter: Omit<CodeFilter, 'state'>): Promise<CodeStats> {
    return this.deps.store.countByState(filter, this.deps.clock.now());
  }

  /**
   * The start every redemption and check shares. Normalization needs no
   * database; the rate-limit buckets and the lookup then travel in one read,
   * and the gate is decided before anything the lookup found is looked at, so
   * a blocked client learns nothing. A malformed code has no candidates and
   * reads only the buckets.
   */
  private async openAttempt(
    code: string,
    criteria: MatchCriteria,
    client: ClientIdentity,
    now: Date,
  ): Promise<Attempt> {
    const buckets = this.limiter.bucketsFor(client.clientKey, criteria.scope);
    const normalized = normalizeCode(code, this.deps.policy.length);
    const candidates = normalized.ok ? this.deps.keyRing.candidates(normalized.code) : [];
    const snapshot = await this.deps.store.readAttempt(this.limiter.keysOf(buckets), candidates, now, criteria);
    const gate = this.limiter.evaluate(buckets, snapshot.buckets, now);
    return { buckets, gate, candidates, found: snapshot.code };
  }

  /**
   * The database decides every claim; a claim of the same code already in
   * flight in this process only spares the ones it beats: once it has won,
   * any other claim of the code would match no row.
   */
  private async claim(request: ClaimRequest): Promise<ClaimOutcome> {
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

  private drawBatch(count: number, options: IssueOptions, now: Date, expiresAt: Date): DrawnCode[] {
    const batch: DrawnCode[] = [];
    const seen = new Set<string>();
    while (batch.length < count) {
      const drawn = this.draw(options, now, expiresAt);
      // Two equal codes within one batch would collide on insert: draw again here instead.
      if (seen.has(drawn.code)) continue;
      seen.add(drawn.code);
      batch.push(drawn);
    }
    return batch;
  }

  private redraw(batch: DrawnCode[], collided: ReadonlySet<string>, options: IssueOptions, now: Date, expiresAt: Date) {
    const seen = new Set(batch.map((entry) => entry.code));
    for (let index = 0; index < batch.length; index++) {
      if (!collided.has(batch[index]!.record.id)) continue;
      let drawn: DrawnCode;
      do drawn = this.draw(options, now, expiresAt);
      while (seen.has(drawn.code));
      seen.add(drawn.code);
      batch[index] = drawn;
    }
  }

  private draw(options: IssueOptions, now: Date, expiresAt: Date): DrawnCode {
    const code = generateCode(this.deps.random, this.deps.policy.length);
    const { lookupKey, keyVersion } = this.deps.keyRing.lookupKey(code);
    const record: NewCodeRecord = {
      id: newCodeId(now, this.deps.random),
      lookupKey,
      keyVersion,
      purpose: options.purpose,
      scope: options.scope,
      grant: options.grant,
      createdAt: now,
      expiresAt,
    };
    return { code, record };
  }

  private async failed(
    operation: AttemptOperation,
    reason: FailureReason,
    codeId: string | null,
    attempt: Attempt,
    now: Date,
    request: AttemptContext,
  ): Promise<RedeemFailure> {
    const verdict = await this.limiter.recordFailure(attempt.buckets, now);
    await this.deps.audit.append([
      this.event('redeem_failed', now, codeId, request, request.subject, `${operation}:${reason}`),
    ]);
    this.deps.observer?.attempt(operation, reason);
    // Over budget, the answer is withheld: a burst of parallel guesses learns no more than maxFailures results.
    return verdict.exceeded
      ? { kind: 'failure', reason: 'RATE_LIMITED', retryAfterSeconds: verdict.retryAfterSeconds }
      : FAILED;
  }

  private async rateLimited(
    operation: AttemptOperation,
    retryAfterSeconds: number,
    now: Date,
    request: AttemptContext,
  ): Promise<RedeemFailure> {
    await this.deps.audit.append([this.event('rate_limited', now, null, request, request.subject, operation)]);
    this.deps.observer?.attempt(operation, 'RATE_LIMITED');
    return { kind: 'failure', reason: 'RATE_LIMITED', retryAfterSeconds };
  }

  private event(
    type: AuditEventType,
    at: Date,
    codeId: string | null,
    labels: { readonly scope: string | null; readonly purpose: string | null },
    subject: string | null,
    reason: string | null,
  ): AuditEvent {
    return { type, at, codeId, subject, scope: labels.scope, purpose: labels.purpose, reason };
  }
}

interface DrawnCode {
  /** Normalized plaintext; lives only until the batch is returned. */
  readonly code: string;
  readonly record: NewCodeRecord;
}

interface Attempt {
  readonly buckets: AttemptBuckets;
  readonly gate: Gate;
  /** Empty when the code is malformed. */
  readonly candidates: readonly LookupCandidate[];
  readonly found: RedeemableCode | null;
}

const LOST: ClaimOutcome = { kind: 'lost' };

interface AttemptContext {
  readonly scope: string | null;
  readonly purpose: string | null;
  readonly subject: string | null;
}

function toView(record: CodeMetadata, now: Date): CodeView {
  return {
    id: record.id,
    keyVersion: record.keyVersion,
    purpose: record.purpose,
    scope: record.scope,
    grant: record.grant,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    usedAt: record.usedAt,
    usedBy: record.usedBy,
    revokedAt: record.revokedAt,
    state: codeState(record, now),
  };
}

function matches(record: { scope: string | null; purpose: string | null }, criteria: MatchCriteria): boolean {
  return record.purpose === criteria.purpose && (criteria.scope === null || record.scope === criteria.scope);
}

function isReplay(record: InspectedCode, token: Buffer, criteria: MatchCriteria): boolean {
  return (
    record.usedAt !== null &&
    record.claimTokenHash !== null &&
    record.claimTokenHash.equals(token) &&
    matches(record, criteria)
  );
}

function replayedRedemption(record: InspectedCode): Redemption {
  return {
    codeId: record.id,
    purpose: record.purpose,
    scope: record.scope,
    grant: record.grant,
    subject: record.usedBy,
    redeemedAt: record.usedAt!,
  };
}

/** The internal reason of a failed attempt, for the audit trail and metrics only. */
function classifyFailure(record: InspectedCode | null, criteria: MatchCriteria, now: Date): FailureReason {
  if (!record) return 'UNKNOWN';
  if (record.purpose !== criteria.purpose) return 'PURPOSE_MISMATCH';
  if (criteria.scope !== null && record.scope !== criteria.scope) return 'SCOPE_MISMATCH';
  if (record.usedAt) return 'USED';
  if (record.revokedAt) return 'REVOKED';
  if (record.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'LOST_RACE';
}

function checkLength(field: string, value: string | null, max: number): void {
  if (value !== null && value.length > max) throw new InvalidInput(field, `${field} must be at most ${max} characters`);
}

function validateIssueOptions(options: IssueOptions): void {
  validateCriteria(options);
  checkLength('grant', options.grant, INPUT_LIMITS.grant);
  const ttl = options.ttlSeconds;
  if (ttl !== null && (!Number.isInteger(ttl) || ttl < 1 || ttl > INPUT_LIMITS.ttlSecondsMax)) {
    throw new InvalidInput('ttlSeconds', `ttlSeconds must be an integer from 1 to ${INPUT_LIMITS.ttlSecondsMax}`);
  }
}

function validateCriteria(criteria: MatchCriteria): void {
  checkLength('purpose', criteria.purpose, INPUT_LIMITS.purpose);
  checkLength('scope', criteria.scope, INPUT_LIMITS.scope);
}

function validateRedeemRequest(request: RedeemRequest): void {
  validateCriteria(request);
  checkLength('subject', request.subject, INPUT_LIMITS.subject);
  const key = request.idempotencyKey;
  if (key !== null && (key.length < INPUT_LIMITS.idempotencyKeyMin || key.length > INPUT_LIMITS.idempotencyKeyMax)) {
    throw new InvalidInput(
      'idempotencyKey',
      `idempotencyKey must be ${INPUT_LIMITS.idempotencyKeyMin} to ${INPUT_LIMITS.idempotencyKeyMax} characters`,
    );
  }
}
