/**
 * The admin use cases: issuing, revoking, reading codes and their history,
 * and reversing a redemption. Parameters named `within` restrict a call to one
 * scope (a scoped admin key); null means every scope.
 */
import { DuplicateLookupKey } from '../store/errors';
import type {
  CodeId,
  CodeMetadata,
  CodeStore,
  HoldStore,
  JournalEntry,
  JournalEntryType,
  MatchCriteria,
  NewCodeRecord,
  RedemptionRecord,
} from '../store/port';
import { decodeCursor, encodeCursor } from './cursor';
import { CodeSpaceExhausted, InvalidInput } from './errors';
import { generateCode, toDisplayForm } from './generator';
import { newCodeId, parseCodeId, parseRedemptionId } from './ids';
import type { KeyRing } from './keyring';
import type { CodePolicy } from './policy';
import { codeState } from './state';
import type {
  Clock,
  CodeFilter,
  CodeStats,
  CodeView,
  HoldView,
  IssuedCode,
  IssueOptions,
  ListRequest,
  PageRequest,
  PageView,
  RandomBytes,
  ReverseResult,
  RevokeResult,
} from './types';
import { checkIntegerIn, checkLength, INPUT_LIMITS, type IssuePlan, planIssue, validatePage } from './validation';

export interface CodeAdminDeps {
  readonly store: CodeStore;
  readonly holds: HoldStore;
  readonly keyRing: KeyRing;
  readonly policy: CodePolicy;
  readonly clock: Clock;
  readonly random: RandomBytes;
  /** Most codes one issueMany call may ask for (at least 10000). */
  readonly maxBatch: number;
}

/** Rounds of regeneration after lookup-key collisions before a batch gives up. */
const MAX_ISSUE_ROUNDS = 20;

const NOT_VISIBLE: RevokeResult = Object.freeze({ revoked: false, code: null });
const NOTHING_REVERSED: ReverseResult = Object.freeze({ reversed: false, redemption: null, code: null });

interface DrawnCode {
  /** Normalized plaintext; lives only until the batch is returned. */
  readonly code: string;
  readonly record: NewCodeRecord;
}

export class CodeAdmin {
  constructor(private readonly deps: CodeAdminDeps) {
    if (!Number.isInteger(deps.maxBatch) || deps.maxBatch < 1)
      throw new RangeError('maxBatch must be a positive integer');
  }

  async issue(options: IssueOptions): Promise<IssuedCode> {
    const [issued] = await this.issueMany(1, options);
    return issued!;
  }

  /** 1..maxBatch distinct codes, committed whole with one journal entry, or not at all. */
  async issueMany(count: number, options: IssueOptions): Promise<IssuedCode[]> {
    checkIntegerIn('count', count, 1, this.deps.maxBatch);
    const now = this.deps.clock.now();
    const plan = planIssue(options, now, this.deps.policy.ttlSeconds);
    const batch = this.drawBatch(count, options, plan, now);
    for (let round = 1; ; round++) {
      try {
        await this.deps.store.insertCodes(
          batch.map((entry) => entry.record),
          this.issuedEntry(batch, options, now),
        );
        break;
      } catch (error) {
        if (!(error instanceof DuplicateLookupKey) || round >= MAX_ISSUE_ROUNDS) {
          throw error instanceof DuplicateLookupKey ? new CodeSpaceExhausted(count, round) : error;
        }
        // A collision with a stored code is certain at scale with short codes: redraw only the colliding ones.
        this.redraw(batch, new Set(error.codeIds), options, plan, now);
      }
    }
    return batch.map(({ code, record }) => ({ code: toDisplayForm(code), record: freshView(record, now) }));
  }

  async revoke(codeId: string, within: string | null): Promise<RevokeResult> {
    const id = parseCodeId(codeId);
    if (id === null) return NOT_VISIBLE;
    const now = this.deps.clock.now();
    const visible = await this.deps.store.getCode(id, within, now);
    if (!visible) return NOT_VISIBLE;
    const revoked = await this.deps.store.revokeCode(id, within, now, entry('revoked', now, id, visible));
    const after = revoked ? await this.deps.store.getCode(id, within, now) : visible;
    return { revoked, code: after ? toView(after, now) : null };
  }

  async get(codeId: string, within: string | null): Promise<CodeView | null> {
    const id = parseCodeId(codeId);
    if (id === null) return null;
    const now = this.deps.clock.now();
    const record = await this.deps.store.getCode(id, within, now);
    return record ? toView(record, now) : null;
  }

  async list(request: ListRequest): Promise<PageView<CodeView>> {
    validatePage(request.first);
    const after = this.cursor(request.after, parseCodeId);
    const now = this.deps.clock.now();
    const page = await this.deps.store.listCodes(request.filter, now, request.first, after);
    return pageView(
      page.items.map((record) => toView(record, now)),
      page.hasNextPage,
    );
  }

  async stats(filter: Omit<CodeFilter, 'state'>): Promise<CodeStats> {
    return this.deps.store.countByState(filter, this.deps.clock.now());
  }

  /** One redemption, when its code is visible within `within`. */
  async redemption(redemptionId: string, within: string | null): Promise<RedemptionRecord | null> {
    const id = parseRedemptionId(redemptionId);
    return id === null ? null : this.deps.store.getRedemption(id, within);
  }

  /** A code's redemptions, newest first, reversed ones included. The code must be visible to the caller. */
  async redemptions(codeId: CodeId, request: PageRequest): Promise<PageView<RedemptionRecord>> {
    validatePage(request.first);
    const after = this.cursor(request.after, parseRedemptionId);
    const page = await this.deps.store.listRedemptions(codeId, request.first, after);
    return pageView(page.items, page.hasNextPage);
  }

  /** A code's active holds, for admins: never a holdId. */
  async activeHolds(codeId: CodeId): Promise<HoldView[]> {
    const holds = await this.deps.holds.activeHolds(codeId, this.deps.clock.now());
    return holds.map(({ ref, subject, createdAt, expiresAt }) => ({ ref, subject, createdAt, expiresAt }));
  }

  /** Gives a redemption's use back (an order was cancelled); reversed is true only for the call that did it. */
  async reverse(redemptionId: string, reason: string | null, within: string | null): Promise<ReverseResult> {
    checkLength('reason', reason, INPUT_LIMITS.reversalReason);
    const id = parseRedemptionId(redemptionId);
    if (id === null) return NOTHING_REVERSED;
    const visible = await this.deps.store.getRedemption(id, within);
    if (!visible) return NOTHING_REVERSED;
    const now = this.deps.clock.now();
    const reversed = await this.deps.store.reverseRedemption(
      { redemptionId: id, within, now, reason },
      { ...entry('reversed', now, visible.codeId, visible, visible.subject), redemptionId: id },
    );
    const [after, code] = await Promise.all([
      this.deps.store.getRedemption(id, within),
      this.deps.store.getCode(visible.codeId, within, now),
    ]);
    return { reversed, redemption: after, code: code ? toView(code, now) : null };
  }

  private cursor<Id>(after: string | null, parse: (value: string) => Id | null): Id | null {
    if (after === null) return null;
    const decoded = decodeCursor(after);
    const id = decoded === null ? null : parse(decoded);
    if (id === null) throw new InvalidInput('after', 'after is not a cursor from this API');
    return id;
  }

  private issuedEntry(batch: readonly DrawnCode[], options: IssueOptions, now: Date): JournalEntry {
    // UUIDv7 ids of one batch are drawn in order: the first and the last bound the call's ids.
    return {
      ...entry('issued', now, batch[0]!.record.id, options),
      lastCodeId: batch.at(-1)!.record.id,
      count: batch.length,
    };
  }

  private drawBatch(count: number, options: IssueOptions, plan: IssuePlan, now: Date): DrawnCode[] {
    const batch: DrawnCode[] = [];
    const seen = new Set<string>();
    while (batch.length < count) {
      const drawn = this.draw(options, plan, now);
      // Two equal codes within one batch would collide on insert: draw again here instead.
      if (seen.has(drawn.code)) continue;
      seen.add(drawn.code);
      batch.push(drawn);
    }
    return batch;
  }

  private redraw(
    batch: DrawnCode[],
    collided: ReadonlySet<string>,
    options: IssueOptions,
    plan: IssuePlan,
    now: Date,
  ): void {
    const seen = new Set(batch.map((drawn) => drawn.code));
    for (let index = 0; index < batch.length; index++) {
      const old = batch[index]!;
      if (!collided.has(old.record.id)) continue;
      let drawn: DrawnCode;
      do drawn = this.draw(options, plan, now);
      while (seen.has(drawn.code));
      seen.add(drawn.code);
      // The id stays: the batch's id range, named in its journal entry, must stay what it was drawn as.
      batch[index] = { code: drawn.code, record: { ...drawn.record, id: old.record.id } };
    }
  }

  private draw(options: IssueOptions, plan: IssuePlan, now: Date): DrawnCode {
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
      ...plan,
    };
    return { code, record };
  }
}

function entry(
  type: JournalEntryType,
  at: Date,
  codeId: CodeId,
  labels: MatchCriteria,
  subject: string | null = null,
): JournalEntry {
  return { type, at, codeId, subject, scope: labels.scope, purpose: labels.purpose, reason: null };
}

function pageView<T extends { readonly id: string }>(items: readonly T[], hasNextPage: boolean): PageView<T> {
  const last = items.at(-1);
  return { items, hasNextPage, endCursor: last ? encodeCursor(last.id) : null };
}

export function toView(record: CodeMetadata, now: Date): CodeView {
  return { ...record, state: codeState(record, now) };
}

/** A code just issued, as admins see it (no lookup key): nothing redeemed, held or revoked yet. */
function freshView(record: NewCodeRecord, now: Date): CodeView {
  const metadata: CodeMetadata = {
    id: record.id,
    keyVersion: record.keyVersion,
    purpose: record.purpose,
    scope: record.scope,
    grant: record.grant,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    startsAt: record.startsAt,
    maxRedemptions: record.maxRedemptions,
    maxRedemptionsPerSubject: record.maxRedemptionsPerSubject,
    redemptionCount: 0,
    heldCount: 0,
    usedAt: null,
    usedBy: null,
    revokedAt: null,
  };
  return toView(metadata, now);
}
