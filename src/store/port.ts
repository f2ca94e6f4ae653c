/**
 * The storage port: what the domain needs from persistence, and nothing about
 * how it is done. Mirrors the CodeStore trait (RFC-005) and adds the admin
 * reads, the rate-limit buckets and the audit trail. Adapters live under
 * src/store/<engine>; every adapter must pass test/conformance.
 */

/** One HMAC lookup key and the version of the key that derived it. */
export interface LookupCandidate {
  readonly lookupKey: Buffer;
  readonly keyVersion: string;
}

/** A code as persisted. Never holds the plaintext code. */
export interface CodeRecord {
  /** UUIDv7 in its canonical string form: time-ordered. */
  readonly id: string;
  readonly lookupKey: Buffer;
  readonly keyVersion: string;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly usedBy: string | null;
  readonly revokedAt: Date | null;
}

export type NewCodeRecord = Omit<CodeRecord, 'usedAt' | 'usedBy' | 'revokedAt'>;

/** A code's metadata as admins see it: everything but the lookup key. */
export type CodeMetadata = Omit<CodeRecord, 'lookupKey'>;

/** What a redemption needs to know about a code that could be claimed now. */
export interface RedeemableCode {
  readonly id: string;
  readonly lookupKey: Buffer;
  readonly keyVersion: string;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly expiresAt: Date;
}

/** A record in any state, with the token hash its winning claim stored (null while unused). */
export interface InspectedCode extends CodeRecord {
  readonly claimTokenHash: Buffer | null;
}

/**
 * Scope and purpose matching, shared by find, claim and replay:
 * - scope: when not null, the code's scope must equal it; null matches any scope.
 * - purpose: null-safe equality (null matches only a code issued without one).
 */
export interface MatchCriteria {
  readonly scope: string | null;
  readonly purpose: string | null;
}

export interface AuditEvent {
  readonly type: AuditEventType;
  readonly at: Date;
  readonly codeId: string | null;
  readonly subject: string | null;
  readonly scope: string | null;
  readonly purpose: string | null;
  /** Internal reason of a failure (e.g. UNKNOWN, EXPIRED, LOST_RACE). Never shown to callers. */
  readonly reason: string | null;
}

export type AuditEventType = 'issued' | 'redeemed' | 'redeem_failed' | 'revoked' | 'rate_limited';

export interface ClaimRequest extends MatchCriteria {
  readonly codeId: string;
  /** The code's lookup key: the shard key travels with every hot statement. */
  readonly lookupKey: Buffer;
  readonly now: Date;
  readonly subject: string | null;
  /** Hash of the idempotency key (or of a random one): identifies this claim. */
  readonly claimTokenHash: Buffer;
  /** Written in the claim's transaction, so a won claim and its audit record commit together. */
  readonly redeemedEvent: AuditEvent;
}

export type ClaimOutcome = { readonly kind: 'won' } | { readonly kind: 'lost' };

export type CodeState = 'REDEEMABLE' | 'USED' | 'REVOKED' | 'EXPIRED';

export interface CodeFilter {
  readonly scope?: string | null;
  readonly purpose?: string | null;
  readonly state?: CodeState | null;
}

export interface CodePage {
  readonly items: readonly CodeMetadata[];
  readonly hasNextPage: boolean;
}

export interface CodeStats {
  readonly redeemable: number;
  readonly used: number;
  readonly revoked: number;
  readonly expired: number;
}

export interface CodeStore {
  /**
   * The record matching any candidate (its lookup key AND the key version that
   * produced it) that is redeemable at `now` and meets the criteria; null if
   * none. One query, whatever the number of candidates.
   */
  findRedeemable(
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<RedeemableCode | null>;

  /**
   * Everything one redemption attempt reads, in one round trip: the live
   * rate-limit buckets among `bucketKeys` (those whose window has not ended at `now`) and the
   * record findRedeemable would return (none when `candidates` is empty).
   */
  readAttempt(
    bucketKeys: readonly Buffer[],
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<AttemptSnapshot>;

  /**
   * One conditional UPDATE in a transaction: won iff exactly one row changed
   * and COMMIT succeeded. More than one row throws InvariantViolation and
   * rolls back. If the COMMIT's answer is lost, the row is re-read and the
   * stored claim token decides.
   */
  claimCode(request: ClaimRequest): Promise<ClaimOutcome>;

  /**
   * The record matching any candidate (key and version) in whatever state,
   * with its stored claim token hash; null if none. Used after a failed find
   * or a lost claim, to replay an idempotent redemption and to record why the
   * attempt failed. Never on the success path.
   */
  inspect(candidates: readonly LookupCandidate[]): Promise<InspectedCode | null>;

  /** Throws DuplicateLookupKey when the lookup key exists. */
  insertCode(record: NewCodeRecord, issuedEvent: AuditEvent): Promise<void>;

  /**
   * All records commit together or none does, in multi-row INSERT statements.
   * Throws DuplicateLookupKey naming the colliding records; nothing is kept then.
   */
  insertCodes(records: readonly NewCodeRecord[], issuedEvents: readonly AuditEvent[]): Promise<void>;

  /** Revokes an unused, unrevoked code (within `scope` when given); true if a row changed. */
  revokeCode(codeId: string, scope: string | null, now: Date, revokedEvent: AuditEvent): Promise<boolean>;

  /** A code by id, or null (also when outside `scope`, when one is given). */
  getCode(codeId: string, scope: string | null): Promise<CodeMetadata | null>;

  /** Newest first; `after` is the id of the last item of the previous page. */
  listCodes(filter: CodeFilter, now: Date, first: number, after: string | null): Promise<CodePage>;

  countByState(filter: Omit<CodeFilter, 'state'>, now: Date): Promise<CodeStats>;

  /** Whether the database answers. */
  ping(): Promise<void>;
}

export interface RateLimitBucket {
  readonly key: Buffer;
  readonly failures: number;
  readonly windowEndsAt: Date;
}

export interface AttemptSnapshot {
  readonly buckets: readonly RateLimitBucket[];
  readonly code: RedeemableCode | null;
}

export interface RateLimitStore {
  /**
   * Counts `count` failures in each bucket atomically (a bucket whose window
   * has ended restarts at `count` with a window ending at `windowEndsAt`) and
   * returns the buckets as this change left them, before any other change.
   */
  recordFailure(keys: readonly Buffer[], now: Date, windowEndsAt: Date, count: number): Promise<RateLimitBucket[]>;
  clear(key: Buffer): Promise<void>;
  /** Deletes at most `limit` buckets whose window ended before `now`; returns how many. */
  purgeExpired(now: Date, limit: number): Promise<number>;
}

export interface AuditLog {
  append(events: readonly AuditEvent[]): Promise<void>;
}
