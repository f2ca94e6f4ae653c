/**
 * What a store adapter hands the conformance suite: its stores, and the few
 * powers over its data only the adapter's fixture has (reading every row,
 * breaking a unique key, losing a COMMIT's answer). Every case gets an empty
 * subject.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type {
  ClaimRequest,
  ClaimToken,
  CodeId,
  CodeStore,
  HoldKey,
  HoldRecord,
  HoldRef,
  HoldRequest,
  HoldStore,
  JournalEntry,
  JournalEntryType,
  KeyVersion,
  LookupCandidate,
  LookupKey,
  MatchCriteria,
  NewCodeRecord,
  RateLimitStore,
  RedemptionId,
} from '../../src/store/port';

/** A journal entry as the fixture reads it back. */
export interface JournalRow {
  readonly type: string;
  readonly codeId: string | null;
  readonly redemptionId: string | null;
  readonly holdRef: string | null;
  readonly lastCodeId: string | null;
  readonly count: number | null;
  readonly reason: string | null;
  /** Whether it waits for the webhook dispatcher. */
  readonly pending: boolean;
}

/** How the COMMIT of the next claim is lost: it reached the server and its answer did not come back, or it never arrived. */
export type LostCommit = 'delivered' | 'undelivered';

export interface ConformanceSubject {
  readonly codes: CodeStore;
  readonly holds: HoldStore;
  readonly rateLimits: RateLimitStore;
  /** Every stored code, redemption and hold, as a comparable value: what a statement must not change. */
  rows(): Promise<unknown>;
  journal(): Promise<JournalRow[]>;
  /** Stores `record` a second time under the same id and lookup key, as if the store had lost its unique keys. */
  duplicate(record: NewCodeRecord): Promise<void>;
  /** `codes` over the same data, on a connection whose next claim's COMMIT is lost as `how` says. */
  losingNextCommit(how: LostCommit): Promise<CodeStore>;
}

export const NOW = new Date('2030-06-01T12:00:00.000Z');
export const HOUR_MS = 3_600_000;
export const ANY: MatchCriteria = { scope: null, purpose: null };

export function at(offsetMs: number): Date {
  return new Date(NOW.getTime() + offsetMs);
}

export function newRecord(overrides: Partial<NewCodeRecord> = {}): NewCodeRecord {
  return {
    id: uuidv7() as CodeId,
    lookupKey: randomBytes(32) as LookupKey,
    keyVersion: 'v1' as KeyVersion,
    purpose: null,
    scope: null,
    grant: null,
    createdAt: at(-HOUR_MS),
    expiresAt: at(HOUR_MS),
    startsAt: null,
    maxRedemptions: 1,
    maxRedemptionsPerSubject: null,
    ...overrides,
  };
}

export function entry(type: JournalEntryType, codeId: CodeId | null, extra: Partial<JournalEntry> = {}): JournalEntry {
  return { type, at: NOW, codeId, subject: null, scope: null, purpose: null, reason: null, ...extra };
}

export function candidate(record: NewCodeRecord): LookupCandidate {
  return { lookupKey: record.lookupKey, keyVersion: record.keyVersion };
}

export function strangerCandidate(): LookupCandidate {
  return { lookupKey: randomBytes(32) as LookupKey, keyVersion: 'v1' as KeyVersion };
}

export function token(): ClaimToken {
  return randomBytes(32) as ClaimToken;
}

export function claimOf(record: NewCodeRecord, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    codeId: record.id,
    lookupKey: record.lookupKey,
    now: NOW,
    subject: 'user-1',
    claimToken: token(),
    redemptionId: uuidv7() as RedemptionId,
    scope: record.scope,
    purpose: record.purpose,
    ...overrides,
  };
}

export function holdOf(record: NewCodeRecord, overrides: Partial<HoldRequest> = {}): HoldRequest {
  return {
    codeId: record.id,
    lookupKey: record.lookupKey,
    now: NOW,
    subject: 'cart-1',
    scope: record.scope,
    purpose: record.purpose,
    claimToken: token(),
    ref: uuidv7() as HoldRef,
    holdKey: randomBytes(32) as HoldKey,
    keyVersion: 'v1' as KeyVersion,
    expiresAt: at(15 * 60_000),
    sealedHoldId: null,
    ...overrides,
  };
}

/** The things every case does to a subject, in the suite's vocabulary. */
export class Moves {
  constructor(readonly subject: ConformanceSubject) {}

  get codes(): CodeStore {
    return this.subject.codes;
  }

  get holds(): HoldStore {
    return this.subject.holds;
  }

  get rateLimits(): RateLimitStore {
    return this.subject.rateLimits;
  }

  async insert(overrides: Partial<NewCodeRecord> = {}): Promise<NewCodeRecord> {
    const record = newRecord(overrides);
    await this.codes.insertCode(record, entry('issued', record.id, { lastCodeId: record.id, count: 1 }));
    return record;
  }

  async claim(record: NewCodeRecord, overrides: Partial<ClaimRequest> = {}): Promise<string> {
    return (await this.codes.claimCode(claimOf(record, overrides))).kind;
  }

  async revoke(record: NewCodeRecord, scope: string | null = null): Promise<boolean> {
    return this.codes.revokeCode(record.id, scope, NOW, entry('revoked', record.id));
  }

  async find(record: NewCodeRecord, criteria: MatchCriteria = ANY, now = NOW): Promise<string | null> {
    return (await this.codes.findRedeemable([candidate(record)], now, criteria))?.id ?? null;
  }

  async hold(record: NewCodeRecord, overrides: Partial<HoldRequest> = {}): Promise<HoldRequest | null> {
    const request = holdOf(record, overrides);
    const outcome = await this.holds.holdCode(request, entry('hold_created', record.id, { holdRef: request.ref }));
    return outcome.kind === 'won' ? request : null;
  }

  async storedHold(request: HoldRequest): Promise<HoldRecord> {
    const found = await this.holds.findHold([{ holdKey: request.holdKey, keyVersion: request.keyVersion }]);
    if (!found) throw new Error('the hold was not stored');
    return found;
  }

  async usage(record: NewCodeRecord, now = NOW): Promise<{ redemptionCount: number; heldCount: number }> {
    const code = await this.codes.getCode(record.id, null, now);
    if (!code) throw new Error('the code is gone');
    return { redemptionCount: code.redemptionCount, heldCount: code.heldCount };
  }
}
