/**
 * The storage port: what the domain needs from persistence, and nothing about
 * how it is done. Mirrors the CodeStore trait (RFC-005) and adds multi-use
 * claims, holds, redemption history, the admin reads, the rate-limit buckets
 * and the journal. Adapters live under src/store/<engine>; every adapter must
 * pass test/conformance.
 *
 * One rule runs through every write: a use of a code is taken or given back
 * only by a conditional UPDATE of the code's row, whose affected-row count
 * decides (1: this caller, 0: nobody, more: InvariantViolation), in the same
 * transaction as the record of the change (a redemption, a hold, a journal
 * entry). The code's row is always the first row a transaction locks, so
 * writers of one code queue on it and never deadlock on each other.
 */

declare const brand: unique symbol;
/** A value that only its constructor makes: passing one id where another is meant does not compile. */
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** A code's id: a UUIDv7 in canonical form, time-ordered. */
export type CodeId = Brand<string, 'CodeId'>;
/** A redemption's id: a UUIDv7, returned to the winner and taken by reverseRedemption. */
export type RedemptionId = Brand<string, 'RedemptionId'>;
/** A hold's record id (UUIDv7): names the hold in the journal and to admins. Not the holdId capability. */
export type HoldRef = Brand<string, 'HoldRef'>;
/** HMAC-SHA256 of a normalized code under one key of the ring: how a code is found without storing it. */
export type LookupKey = Brand<Buffer, 'LookupKey'>;
/** Keyed hash of a holdId: how a hold is found without storing its capability. */
export type HoldKey = Brand<Buffer, 'HoldKey'>;
/** The version of the HMAC key that derived a lookup or hold key. */
export type KeyVersion = Brand<string, 'KeyVersion'>;
/** Hash of an idempotency key (or of a random token): identifies one attempt, never reveals the key. */
export type ClaimToken = Brand<Buffer, 'ClaimToken'>;

/** One HMAC lookup key and the version of the key that derived it. */
export interface LookupCandidate {
  readonly lookupKey: LookupKey;
  readonly keyVersion: KeyVersion;
}

/** One keyed hash of a holdId and the version of the key that derived it. */
export interface HoldCandidate {
  readonly holdKey: HoldKey;
  readonly keyVersion: KeyVersion;
}

/** What issuance decides about a code. Never holds the plaintext code. */
export interface NewCodeRecord {
  readonly id: CodeId;
  readonly lookupKey: LookupKey;
  readonly keyVersion: KeyVersion;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Not redeemable before this instant; null: from issuance. */
  readonly startsAt: Date | null;
  /** Uses in total; 1 for a single-use code. */
  readonly maxRedemptions: number;
  /** Uses per subject; null: no per-subject limit. */
  readonly maxRedemptionsPerSubject: number | null;
}

/** How much of a code is taken at one instant: the facts its state is derived from. */
export interface CodeUsage {
  readonly revokedAt: Date | null;
  readonly expiresAt: Date;
  readonly startsAt: Date | null;
  readonly maxRedemptions: number;
  /** Redemptions made and not reversed. */
  readonly redemptionCount: number;
  /** Uses held at that instant: holds neither confirmed, released nor expired. */
  readonly heldCount: number;
}

/** A code's metadata as admins see it: everything but the lookup key, with its usage at the read's instant. */
export interface CodeMetadata extends Omit<NewCodeRecord, 'lookupKey'>, CodeUsage {
  /** The latest active redemption's time and subject; null while there is none. */
  readonly usedAt: Date | null;
  readonly usedBy: string | null;
}

/** What a redemption or a hold needs to know about a code that could be claimed now. */
export interface RedeemableCode {
  readonly id: CodeId;
  readonly lookupKey: LookupKey;
  readonly keyVersion: KeyVersion;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly expiresAt: Date;
  readonly maxRedemptions: number;
  readonly maxRedemptionsPerSubject: number | null;
}

/**
 * Scope and purpose matching, shared by find, claim and replay; both compare
 * exactly, byte for byte:
 * - scope: when not null, the code's scope must equal it; null matches any scope.
 * - purpose: null-safe equality (null matches only a code issued without one).
 */
export interface MatchCriteria {
  readonly scope: string | null;
  readonly purpose: string | null;
}

/** One redemption, as the history shows it. */
export interface RedemptionRecord {
  readonly id: RedemptionId;
  readonly codeId: CodeId;
  readonly subject: string | null;
  readonly redeemedAt: Date;
  readonly reversedAt: Date | null;
  readonly reversalReason: string | null;
  /** The hold this redemption confirmed; null for a direct redemption. */
  readonly holdRef: HoldRef | null;
}

/** A redemption with the code facts a replay answers with. */
export interface RedemptionWithCode extends RedemptionRecord {
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
}

/**
 * A record found by its lookup key in whatever state, for classifying a failed
 * attempt and replaying an idempotent one. Never on the success path.
 */
export interface InspectedCode extends CodeMetadata {
  readonly lookupKey: LookupKey;
  /** Uses the probed subject holds or has redeemed (active only); 0 when no subject was probed. */
  readonly subjectTaken: number;
}

export interface InspectProbe {
  readonly subject: string | null;
}

/** A hold found by its key, in whatever state. */
export interface HoldRecord {
  readonly ref: HoldRef;
  readonly codeId: CodeId;
  /** The code's lookup key: the shard key travels with every statement on the code. */
  readonly lookupKey: LookupKey;
  readonly keyVersion: KeyVersion;
  readonly subject: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly status: HoldStatus;
  /** The redemption a confirmation made. */
  readonly redemptionId: RedemptionId | null;
  readonly claimToken: ClaimToken;
  /** The holdId sealed under its idempotency key (so that a retry can be answered with it); null without one. */
  readonly sealedHoldId: Buffer | null;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
}

/** A hold's stored status. An active hold past its expiresAt counts as expired already; the sweep only records it. */
export type HoldStatus = 'active' | 'confirmed' | 'released' | 'expired';

/** A journal entry of the audit trail. Never a code, a lookup key, a grant, an address or a hold's capability. */
export interface JournalEntry {
  readonly type: JournalEntryType;
  readonly at: Date;
  readonly codeId: CodeId | null;
  readonly subject: string | null;
  readonly scope: string | null;
  readonly purpose: string | null;
  /** Internal reason of a refusal (e.g. redeem:UNKNOWN) or of a hold's release (released, expired). Never shown to callers. */
  readonly reason: string | null;
  readonly redemptionId?: RedemptionId | null;
  readonly holdRef?: HoldRef | null;
  /** An issuance: the call's last code id (codeId is its first) and how many codes it made. */
  readonly lastCodeId?: CodeId | null;
  readonly count?: number | null;
}

/**
 * Entries that report a change (and become webhook events) and entries that
 * only record a refused attempt. A redemption's entry is its row in the
 * redemption history, written by the claim itself.
 */
export type ChangeEntryType = 'issued' | 'reversed' | 'revoked' | 'hold_created' | 'hold_released';
export type JournalEntryType = ChangeEntryType | 'redeem_failed' | 'rate_limited';

export interface ClaimRequest extends MatchCriteria {
  readonly codeId: CodeId;
  /** The code's lookup key: the shard key travels with every hot statement. */
  readonly lookupKey: LookupKey;
  readonly now: Date;
  readonly subject: string | null;
  /** Identifies this claim: a second claim with the same token on the same code is refused as 'token_taken'. */
  readonly claimToken: ClaimToken;
  /** The id the redemption gets if this claim wins. */
  readonly redemptionId: RedemptionId;
}

/**
 * won: this claim took a use (and committed). lost: no use was left for it.
 * token_taken: this code already has a redemption with this claim token (a retry).
 */
export type ClaimOutcome = { readonly kind: 'won' } | { readonly kind: 'lost' } | { readonly kind: 'token_taken' };

export interface HoldRequest extends MatchCriteria {
  readonly codeId: CodeId;
  readonly lookupKey: LookupKey;
  readonly now: Date;
  readonly subject: string | null;
  readonly claimToken: ClaimToken;
  readonly ref: HoldRef;
  readonly holdKey: HoldKey;
  readonly keyVersion: KeyVersion;
  readonly expiresAt: Date;
  readonly sealedHoldId: Buffer | null;
}

export type HoldOutcome = ClaimOutcome;

export interface ConfirmRequest {
  readonly hold: HoldRecord;
  readonly now: Date;
  /** The id and claim token of the redemption the confirmation makes. */
  readonly redemptionId: RedemptionId;
  readonly claimToken: ClaimToken;
}

export interface SettleHoldRequest {
  readonly hold: HoldRecord;
  readonly now: Date;
}

export interface ReverseRequest {
  readonly redemptionId: RedemptionId;
  /** Only a redemption of a code in this scope, when given. */
  readonly within: string | null;
  readonly now: Date;
  readonly reason: string | null;
}

export type CodeState = 'REDEEMABLE' | 'USED' | 'REVOKED' | 'EXPIRED' | 'SCHEDULED';

export interface CodeFilter {
  readonly scope?: string | null;
  readonly purpose?: string | null;
  readonly state?: CodeState | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly hasNextPage: boolean;
}

export interface CodeStats {
  readonly redeemable: number;
  readonly used: number;
  readonly revoked: number;
  readonly expired: number;
  readonly scheduled: number;
  /** Active redemptions over all the counted codes. */
  readonly redemptions: number;
}

export interface CodeStore {
  /**
   * The record matching any candidate (its lookup key AND the key version that
   * produced it) that is redeemable at `now` (live, started, a use left) and
   * meets the criteria; null if none. One query, whatever the number of candidates.
   */
  findRedeemable(
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<RedeemableCode | null>;

  /**
   * Everything one redemption attempt reads, in one round trip: the live
   * rate-limit buckets among `bucketKeys` (those whose window has not ended at
   * `now`) and the record findRedeemable would return (none when `candidates`
   * is empty).
   */
  readAttempt(
    bucketKeys: readonly Buffer[],
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<AttemptSnapshot>;

  /**
   * Takes one use: one conditional UPDATE of the code's row (a use left, the
   * subject within its limit, live, started, matching) and the redemption's
   * record, in one transaction; won iff exactly one row changed and COMMIT
   * succeeded. More than one row throws InvariantViolation and rolls back. If
   * the COMMIT's answer is lost, the redemption's record is read back and decides.
   */
  claimCode(request: ClaimRequest): Promise<ClaimOutcome>;

  /**
   * The record matching any candidate (key and version) in whatever state,
   * with its usage at `now` and what the probe asks for; null if none. For
   * failed attempts only: to record why the attempt failed.
   */
  inspect(candidates: readonly LookupCandidate[], now: Date, probe: InspectProbe): Promise<InspectedCode | null>;

  /** Throws DuplicateLookupKey when the lookup key exists. */
  insertCode(record: NewCodeRecord, issued: JournalEntry): Promise<void>;

  /**
   * All records commit together with the journal entry, or none does, in
   * multi-row INSERT statements. Throws DuplicateLookupKey naming the colliding
   * records; nothing is kept then.
   */
  insertCodes(records: readonly NewCodeRecord[], issued: JournalEntry): Promise<void>;

  /** Revokes a code that is not revoked and still has a use left (within `scope` when given); true if a row changed. */
  revokeCode(codeId: CodeId, scope: string | null, now: Date, revoked: JournalEntry): Promise<boolean>;

  /** A code by id at `now`, or null (also when outside `scope`, when one is given). */
  getCode(codeId: CodeId, scope: string | null, now: Date): Promise<CodeMetadata | null>;

  /** Newest first; `after` is the id of the last item of the previous page. */
  listCodes(filter: CodeFilter, now: Date, first: number, after: CodeId | null): Promise<Page<CodeMetadata>>;

  countByState(filter: Omit<CodeFilter, 'state'>, now: Date): Promise<CodeStats>;

  /** A redemption by id (within `scope` when given), with its code's labels; null when not visible. */
  getRedemption(id: RedemptionId, scope: string | null): Promise<RedemptionWithCode | null>;

  /** A code's redemptions, newest first, reversed ones included; `after` is the last id of the previous page. */
  listRedemptions(codeId: CodeId, first: number, after: RedemptionId | null): Promise<Page<RedemptionRecord>>;

  /** The redemption `token` made on `codeId`, with its code's labels; null if none. */
  findRedemptionByToken(codeId: CodeId, token: ClaimToken): Promise<RedemptionWithCode | null>;

  /**
   * Gives a redemption's use back: the conditional UPDATE that marks it
   * reversed decides (true once; false when already reversed or not visible),
   * in one transaction with the code's count and the journal entry.
   */
  reverseRedemption(request: ReverseRequest, reversed: JournalEntry): Promise<boolean>;

  /** Whether the database answers. */
  ping(): Promise<void>;
}

/** Holds: a use of a code set aside for a checkout, under the same single-winner discipline as claims. */
export interface HoldStore {
  /**
   * Takes one use for a hold, as claimCode does for a redemption (a use left,
   * the subject within its limit), and records the hold and its journal entry.
   */
  holdCode(request: HoldRequest, created: JournalEntry): Promise<HoldOutcome>;

  /** The hold matching any candidate (key and version), in whatever state; null if none. */
  findHold(candidates: readonly HoldCandidate[]): Promise<HoldRecord | null>;

  /** The hold `token` made on `codeId`; null if none. */
  findHoldByToken(codeId: CodeId, token: ClaimToken): Promise<HoldRecord | null>;

  /**
   * Turns an active, unexpired hold into a redemption: the conditional UPDATE
   * of the hold decides (won once), the code's row moves the use from held to
   * redeemed (refused, and nothing changes, when the use is no longer the
   * hold's to take), and the redemption is recorded, in one transaction.
   */
  confirmHold(request: ConfirmRequest): Promise<ClaimOutcome>;

  /** Gives an active, unexpired hold's use back; true once, false otherwise. */
  releaseHold(request: SettleHoldRequest, released: JournalEntry): Promise<boolean>;

  /** Records the expiry of an active hold whose expiresAt has passed; true once, however many sweepers race. */
  expireHold(request: SettleHoldRequest, expired: JournalEntry): Promise<boolean>;

  /** At most `limit` active holds whose expiresAt has passed at `now`, oldest first. */
  expiredHolds(now: Date, limit: number): Promise<HoldRecord[]>;

  /** A code's holds that are active at `now` (for admins), soonest to expire first. */
  activeHolds(codeId: CodeId, now: Date): Promise<HoldRecord[]>;
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
  /** The live buckets among `keys` at `now`. */
  read(keys: readonly Buffer[], now: Date): Promise<RateLimitBucket[]>;
  clear(key: Buffer): Promise<void>;
  /** Deletes at most `limit` buckets whose window ended before `now`; returns how many. */
  purgeExpired(now: Date, limit: number): Promise<number>;
}

/** Journal entries of refused attempts, written apart from any change (changes write theirs in their own transaction). */
export interface AuditLog {
  append(entries: readonly JournalEntry[]): Promise<void>;
}

/** A webhook endpoint's id: a UUIDv7. */
export type WebhookEndpointId = Brand<string, 'WebhookEndpointId'>;
/** A webhook event's id (UUIDv7 form): the webhook-id of every attempt at it, derived from its outbox entry. */
export type WebhookEventId = Brand<string, 'WebhookEventId'>;

/** What the outbox holds for one change: a journal entry or a redemption, with what its event names. */
export interface OutboxEntry {
  /** Which outbox the entry is in, and its key there. */
  readonly source: 'journal' | 'redemption';
  readonly sourceId: string;
  readonly type: ChangeEntryType | 'redeemed';
  readonly at: Date;
  readonly codeId: CodeId | null;
  readonly subject: string | null;
  readonly scope: string | null;
  readonly purpose: string | null;
  readonly reason: string | null;
  readonly redemptionId: RedemptionId | null;
  readonly holdRef: HoldRef | null;
  readonly lastCodeId: CodeId | null;
  readonly count: number | null;
  /** A hold's end, for hold.created. */
  readonly holdExpiresAt: Date | null;
}

export interface NewWebhookEndpoint {
  readonly id: WebhookEndpointId;
  readonly scope: string | null;
  readonly url: string;
  /** Wire names (code.redeemed, …). */
  readonly events: readonly string[];
  readonly description: string | null;
  readonly secretCiphertext: Buffer;
  readonly secretKeyVersion: string;
  readonly createdAt: Date;
}

export type WebhookEndpointRecord = NewWebhookEndpoint;

/** One event for one endpoint, as the fan-out makes it. */
export interface NewWebhookDelivery {
  readonly endpointId: WebhookEndpointId;
  readonly eventId: WebhookEventId;
  readonly eventType: string;
  readonly body: string;
  readonly occurredAt: Date;
  readonly dueAt: Date;
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface WebhookDeliveryRecord {
  readonly endpointId: WebhookEndpointId;
  readonly eventId: WebhookEventId;
  readonly eventType: string;
  readonly state: WebhookDeliveryState;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
  readonly nextAttemptAt: Date | null;
}

/** A delivery this instance has leased, with what sending it takes. */
export interface LeasedDelivery {
  readonly endpointId: WebhookEndpointId;
  readonly eventId: WebhookEventId;
  readonly body: string;
  readonly attempts: number;
  readonly url: string;
  readonly secretCiphertext: Buffer;
  readonly secretKeyVersion: string;
  readonly leaseOwner: string;
}

export interface LeaseRequest {
  /** Names this lease: unique per claim, so that the claim can read back exactly what it took. */
  readonly owner: string;
  readonly now: Date;
  readonly until: Date;
  readonly limit: number;
  /** Endpoints this instance has no room for right now (its per-endpoint cap is reached). */
  readonly excludeEndpoints: readonly WebhookEndpointId[];
}

/** One attempt's result and what the delivery becomes. */
export interface AttemptResult {
  readonly endpointId: WebhookEndpointId;
  readonly eventId: WebhookEventId;
  readonly leaseOwner: string;
  readonly instance: string;
  readonly attempt: number;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly excerpt: string | null;
  readonly state: WebhookDeliveryState;
  readonly nextAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
}

export interface WebhookAttemptRecord {
  readonly attempt: number;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly excerpt: string | null;
}

/**
 * Webhooks: endpoints, the fan-out of the outbox (journal entries and
 * redemptions marked dispatch_pending) into deliveries, and the deliveries'
 * leases and attempts. Instances share the work through leases, each taken by
 * one conditional UPDATE whose affected rows are the claim.
 */
export interface WebhookStore {
  insertEndpoint(endpoint: NewWebhookEndpoint): Promise<void>;
  /** Endpoints not deleted; within `scope` when given (then only that scope's). */
  listEndpoints(within: string | null): Promise<WebhookEndpointRecord[]>;
  getEndpoint(id: WebhookEndpointId, within: string | null): Promise<WebhookEndpointRecord | null>;
  /** Marks the endpoint deleted and cancels its pending deliveries; true once. */
  deleteEndpoint(id: WebhookEndpointId, within: string | null, now: Date): Promise<boolean>;
  /** Re-encrypts one endpoint's secret, if it is still under `fromVersion`; true if a row changed. */
  rewrapSecret(id: WebhookEndpointId, fromVersion: string, ciphertext: Buffer, toVersion: string): Promise<boolean>;

  /** The oldest outbox entries not yet fanned out, at most `limit` of each outbox, in one round trip. */
  pendingOutbox(limit: number): Promise<OutboxEntry[]>;
  /** Records the deliveries (a second fan-out of the same event is ignored) and clears the entries' flags, in one transaction. */
  fanOut(entries: readonly OutboxEntry[], deliveries: readonly NewWebhookDelivery[]): Promise<void>;

  /** Leases at most `limit` due deliveries (earliest due first) in one conditional UPDATE, then reads them back. */
  lease(request: LeaseRequest): Promise<LeasedDelivery[]>;
  /**
   * Records the attempts and moves each delivery on while its lease still
   * holds it, in one transaction; results alike but for their event (same
   * endpoint, lease, outcome and times) move in one statement.
   */
  recordAttempts(results: readonly AttemptResult[]): Promise<void>;

  /** Gives leased deliveries back unsent (a stopping instance), for any instance to take at once. */
  releaseLeases(deliveries: readonly Pick<LeasedDelivery, 'endpointId' | 'eventId' | 'leaseOwner'>[]): Promise<void>;
  /** An endpoint's deliveries, newest event first; `after` is the last event id of the previous page. */
  listDeliveries(
    endpointId: WebhookEndpointId,
    first: number,
    after: WebhookEventId | null,
  ): Promise<Page<WebhookDeliveryRecord>>;
  listAttempts(endpointId: WebhookEndpointId, eventId: WebhookEventId): Promise<WebhookAttemptRecord[]>;
  /** When the oldest event still waiting for delivery (or for its fan-out) occurred; null when none waits. */
  oldestUndelivered(): Promise<Date | null>;
}
