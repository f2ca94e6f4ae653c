/**
 * CodeStore on MySQL-compatible servers (MySQL 8.4, MariaDB 10.11; written to
 * stay valid on Vitess, TiDB and Galera: see docs/portability.md).
 */
import type { ResultSetHeader } from 'mysql2/promise';
import { DuplicateLookupKey, InvariantViolation } from '../errors';
import type {
  AttemptSnapshot,
  ClaimOutcome,
  ClaimRequest,
  ClaimToken,
  CodeFilter,
  CodeId,
  CodeMetadata,
  CodeState,
  CodeStats,
  CodeStore,
  InspectedCode,
  InspectProbe,
  JournalEntry,
  KeyVersion,
  LookupCandidate,
  LookupKey,
  MatchCriteria,
  NewCodeRecord,
  Page,
  RedeemableCode,
  RedemptionId,
  RedemptionRecord,
  RedemptionWithCode,
  ReverseRequest,
} from '../port';
import { type BatchLimits, DEFAULT_BATCH_LIMITS, multiRowInserts, placeholders, runStatements } from './batches';
import {
  allOf,
  exactScope,
  inScope,
  liveHolds,
  matching,
  sql,
  statePredicate,
  subjectTakenColumn,
  subjectWithinLimit,
  type Sql,
  where,
  withPurpose,
} from './code-sql';
import { readLatest } from './consistency';
import { isDuplicateKeyError, isRetryableError, outcomeUnknown, redactedCause, toStoreError } from './errors';
import { binaryToId, idToBinary, isUuid } from './ids';
import { writeEntries } from './journal';
import type { MysqlDatabase } from './pool';
import { BUCKET_COLUMNS, distinctSorted, toBucket } from './rate-limit-store';
import { committed, type MysqlAdapterOptions, MysqlRunner } from './runner';
import type { MysqlSession, Rows, SqlValue } from './session';
import { changedOne, insertRedemption, REDEMPTION_COLUMNS, toRedemption } from './redemptions';

export interface MysqlCodeStoreOptions extends MysqlAdapterOptions {
  /** Rows and parameter bytes per multi-row INSERT (default 1000 rows, 1 MiB). */
  readonly batchLimits?: BatchLimits;
}

const WON: ClaimOutcome = { kind: 'won' };
const LOST: ClaimOutcome = { kind: 'lost' };
const TOKEN_TAKEN: ClaimOutcome = { kind: 'token_taken' };

const METADATA_COLUMNS =
  'codes.id, codes.key_version, codes.purpose, codes.scope, codes.grant_payload, codes.created_at, codes.expires_at, codes.starts_at, codes.max_redemptions, codes.max_per_subject, codes.redemption_count, codes.used_at, codes.used_by, codes.revoked_at';
const REDEEMABLE_COLUMNS =
  'codes.id, codes.lookup_key, codes.key_version, codes.purpose, codes.scope, codes.grant_payload, codes.expires_at, codes.max_redemptions, codes.max_per_subject';
/** Column fillers that let bucket rows and a code row share one UNION ALL result. */
const NO_REDEEMABLE_COLUMNS =
  'NULL AS id, NULL AS lookup_key, NULL AS key_version, NULL AS purpose, NULL AS scope, NULL AS grant_payload, NULL AS expires_at, NULL AS max_redemptions, NULL AS max_per_subject';
const NO_BUCKET_COLUMNS = 'NULL AS bucket_key, NULL AS failures, NULL AS window_ends_at';
const CODE_COLUMNS = [
  'id',
  'lookup_key',
  'key_version',
  'purpose',
  'scope',
  'grant_payload',
  'created_at',
  'expires_at',
  'starts_at',
  'max_redemptions',
  'max_per_subject',
] as const;
const STATES: readonly CodeState[] = ['REDEEMABLE', 'USED', 'REVOKED', 'EXPIRED', 'SCHEDULED'];

const CANDIDATE_MATCH = '(codes.lookup_key = ? AND codes.key_version = ?)';
const SELECT_EXISTING_KEYS = 'SELECT lookup_key FROM codes WHERE lookup_key IN';
const REDEMPTION_WITH_CODE = `SELECT ${REDEMPTION_COLUMNS}, codes.purpose, codes.scope, codes.grant_payload FROM redemptions r JOIN codes ON codes.id = r.code_id`;
const SETTLE_CLAIM = 'SELECT r.id FROM redemptions r WHERE r.id = ? FOR UPDATE';
/**
 * Readiness reads a table, not just SELECT 1: a Galera node that lost quorum
 * (or is still joining) answers SELECT 1 but refuses every table with 1047.
 */
const PING = 'SELECT 1 FROM codes LIMIT 1';

/** A record only matches through the key version that produced its candidate, so a retired key fails closed. */
function candidatesCondition(candidates: readonly LookupCandidate[]): Sql {
  return {
    text: `(${candidates.map(() => CANDIDATE_MATCH).join(' OR ')})`,
    values: candidates.flatMap((candidate) => [candidate.lookupKey, candidate.keyVersion]),
  };
}

/** Redeemable at `now` under `criteria`: the find and the claim state the same condition. */
function claimable(now: Date, criteria: MatchCriteria): Sql {
  return allOf([statePredicate('REDEEMABLE', now), matching(criteria)]);
}

/** Equality filters; an absent or null value matches any. */
function filterConditions(filter: Omit<CodeFilter, 'state'>): Sql[] {
  const conditions: Sql[] = [];
  if (filter.scope != null) conditions.push(inScope(filter.scope));
  if (filter.purpose != null) conditions.push(withPurpose(filter.purpose));
  return conditions;
}

function dateOrNull(value: unknown): Date | null {
  return value === null ? null : (value as Date);
}

function stringOrNull(value: unknown): string | null {
  return value === null ? null : String(value);
}

function numberOrNull(value: unknown): number | null {
  return value === null ? null : Number(value);
}

function toMetadata(row: Rows[number]): CodeMetadata {
  return {
    id: binaryToId<CodeId>(row.id as Buffer),
    keyVersion: String(row.key_version) as KeyVersion,
    purpose: stringOrNull(row.purpose),
    scope: stringOrNull(row.scope),
    grant: stringOrNull(row.grant_payload),
    createdAt: row.created_at as Date,
    expiresAt: row.expires_at as Date,
    startsAt: dateOrNull(row.starts_at),
    maxRedemptions: Number(row.max_redemptions),
    maxRedemptionsPerSubject: numberOrNull(row.max_per_subject),
    redemptionCount: Number(row.redemption_count),
    heldCount: Number(row.held_count),
    usedAt: dateOrNull(row.used_at),
    usedBy: stringOrNull(row.used_by),
    revokedAt: dateOrNull(row.revoked_at),
  };
}

function toRedeemable(row: Rows[number]): RedeemableCode {
  return {
    id: binaryToId<CodeId>(row.id as Buffer),
    lookupKey: row.lookup_key as LookupKey,
    keyVersion: String(row.key_version) as KeyVersion,
    purpose: stringOrNull(row.purpose),
    scope: stringOrNull(row.scope),
    grant: stringOrNull(row.grant_payload),
    expiresAt: row.expires_at as Date,
    maxRedemptions: Number(row.max_redemptions),
    maxRedemptionsPerSubject: numberOrNull(row.max_per_subject),
  };
}

export function toRedemptionWithCode(row: Rows[number]): RedemptionWithCode {
  return {
    ...toRedemption(row),
    purpose: stringOrNull(row.purpose),
    scope: stringOrNull(row.scope),
    grant: stringOrNull(row.grant_payload),
  };
}

function codeRow(record: NewCodeRecord): SqlValue[] {
  return [
    idToBinary(record.id),
    record.lookupKey,
    record.keyVersion,
    record.purpose,
    record.scope,
    record.grant,
    record.createdAt,
    record.expiresAt,
    record.startsAt,
    record.maxRedemptions,
    record.maxRedemptionsPerSubject,
  ];
}

/** Records whose lookup key an earlier record of the same batch already has. */
function duplicatesWithinBatch(records: readonly NewCodeRecord[]): CodeId[] {
  const seen = new Set<string>();
  const duplicates: CodeId[] = [];
  for (const record of records) {
    const key = record.lookupKey.toString('hex');
    if (seen.has(key)) duplicates.push(record.id);
    seen.add(key);
  }
  return duplicates;
}

/** The claim's COMMIT failed without saying the transaction was rolled back: it may have landed. */
class CommitOutcomeUnknown extends Error {
  constructor(readonly commitError: unknown) {
    super('commit outcome unknown');
  }
}

/**
 * COMMIT, and the claim is won only if it succeeds (portability rule 1). A
 * retryable failure (a write conflict, a certification failure on Galera)
 * means the server rolled back: the whole claim runs again. Anything else may
 * or may not have landed.
 */
async function commitClaim(session: MysqlSession): Promise<ClaimOutcome> {
  try {
    await session.commit();
  } catch (error) {
    if (isRetryableError(error)) throw error;
    throw new CommitOutcomeUnknown(error);
  }
  return WON;
}

export class MysqlCodeStore implements CodeStore {
  private readonly runner: MysqlRunner;
  private readonly batchLimits: BatchLimits;

  constructor(database: MysqlDatabase, options: MysqlCodeStoreOptions = {}) {
    this.runner = new MysqlRunner(database, options);
    this.batchLimits = options.batchLimits ?? DEFAULT_BATCH_LIMITS;
  }

  async findRedeemable(
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<RedeemableCode | null> {
    if (candidates.length === 0) return null;
    const conditions = where([candidatesCondition(candidates), claimable(now, criteria)]);
    const rows = await this.runner.autocommit('findRedeemable', (session) =>
      session.execute<Rows>(`SELECT ${REDEEMABLE_COLUMNS} FROM codes${conditions.text} LIMIT 1`, conditions.values),
    );
    return rows.length === 0 ? null : toRedeemable(rows[0]);
  }

  async readAttempt(
    bucketKeys: readonly Buffer[],
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<AttemptSnapshot> {
    const keys = distinctSorted(bucketKeys);
    const parts: Sql[] = [];
    if (keys.length > 0) {
      parts.push({
        text: `(SELECT ${BUCKET_COLUMNS}, ${NO_REDEEMABLE_COLUMNS} FROM rate_limit_buckets WHERE bucket_key IN ${placeholders(keys.length)} AND window_ends_at > ?)`,
        values: [...keys, now],
      });
    }
    if (candidates.length > 0) {
      const conditions = where([candidatesCondition(candidates), claimable(now, criteria)]);
      parts.push({
        text: `(SELECT ${NO_BUCKET_COLUMNS}, ${REDEEMABLE_COLUMNS} FROM codes${conditions.text} LIMIT 1)`,
        values: conditions.values,
      });
    }
    if (parts.length === 0) return { buckets: [], code: null };
    // One round trip for the gate and the lookup: the caller decides the gate first and discards the lookup when blocked.
    const rows = await this.runner.autocommit('readAttempt', (session) =>
      session.execute<Rows>(
        parts.map((part) => part.text).join(' UNION ALL '),
        parts.flatMap((part) => part.values),
      ),
    );
    const code = rows.find((row) => row.bucket_key === null);
    return {
      buckets: rows.filter((row) => row.bucket_key !== null).map(toBucket),
      code: code ? toRedeemable(code) : null,
    };
  }

  async claimCode(request: ClaimRequest): Promise<ClaimOutcome> {
    try {
      return await this.runner.attempts((session) => this.claimOnce(session, request));
    } catch (error) {
      if (error instanceof CommitOutcomeUnknown) return this.settleUnknownClaim(request, error.commitError);
      throw toStoreError(error, 'claimCode');
    }
  }

  /**
   * One claim transaction on a transaction connection (autocommit off: the UPDATE
   * opens it): the conditional UPDATE decides, the redemption's row records it.
   */
  private async claimOnce(session: MysqlSession, request: ClaimRequest): Promise<ClaimOutcome> {
    const codeId = idToBinary(request.codeId);
    const update = allOf([
      sql('codes.lookup_key = ? AND codes.id = ?', request.lookupKey, codeId),
      claimable(request.now, request),
      subjectWithinLimit(request.subject, request.now),
    ]);
    try {
      const result = await session.execute<ResultSetHeader>(
        `UPDATE codes SET redemption_count = redemption_count + 1, used_at = ?, used_by = ? WHERE ${update.text}`,
        [request.now, request.subject, ...update.values],
      );
      if (!changedOne('claimCode', request.codeId, result)) {
        await session.rollback();
        return LOST;
      }
      await insertRedemption(session, {
        id: request.redemptionId,
        codeId: request.codeId,
        subject: request.subject,
        redeemedAt: request.now,
        claimToken: request.claimToken,
        holdRef: null,
      });
    } catch (error) {
      // The same token on the same code: a retry of a redemption that already happened.
      if (!isDuplicateKeyError(error)) return session.rollbackAfter(error);
      await session.rollbackQuietly();
      return TOKEN_TAKEN;
    }
    return commitClaim(session);
  }

  /**
   * Reads back, on a fresh connection, whether our redemption landed. The
   * locking read waits for a COMMIT still in flight on the old connection
   * instead of reading from before it; on a cluster it first waits until this
   * node has applied what the others committed.
   */
  private async settleUnknownClaim(request: ClaimRequest, commitError: unknown): Promise<ClaimOutcome> {
    let rows: Rows;
    try {
      rows = await this.runner.autocommitOnce((session) =>
        readLatest(session, () => session.execute<Rows>(SETTLE_CLAIM, [idToBinary(request.redemptionId)])),
      );
    } catch {
      throw outcomeUnknown(commitError, 'claimCode');
    }
    return rows.length === 1 ? WON : LOST;
  }

  async inspect(candidates: readonly LookupCandidate[], now: Date, probe: InspectProbe): Promise<InspectedCode | null> {
    if (candidates.length === 0) return null;
    const held = liveHolds(now);
    const taken = subjectTakenColumn(probe.subject, now);
    const conditions = where([candidatesCondition(candidates)]);
    const rows = await this.runner.autocommit('inspect', (session) =>
      session.execute<Rows>(
        `SELECT ${METADATA_COLUMNS}, codes.lookup_key, ${held.text} AS held_count, ${taken.text} AS subject_taken FROM codes${conditions.text} LIMIT 1`,
        [...held.values, ...taken.values, ...conditions.values],
      ),
    );
    if (rows.length === 0) return null;
    return {
      ...toMetadata(rows[0]),
      lookupKey: rows[0].lookup_key as LookupKey,
      subjectTaken: Number(rows[0].subject_taken),
    };
  }

  insertCode(record: NewCodeRecord, issued: JournalEntry): Promise<void> {
    return this.insertCodes([record], issued);
  }

  async insertCodes(records: readonly NewCodeRecord[], issued: JournalEntry): Promise<void> {
    const withinBatch = duplicatesWithinBatch(records);
    if (withinBatch.length > 0) throw new DuplicateLookupKey(withinBatch);
    const inserts = multiRowInserts('codes', CODE_COLUMNS, records.map(codeRow), this.batchLimits);
    if (inserts.length === 0) return;
    try {
      await this.runner.attempts((session) =>
        committed(session, async () => {
          await runStatements(session, inserts);
          await writeEntries(session, [issued]);
        }),
      );
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw toStoreError(error, 'insertCodes');
      throw await this.collisionError(records, error);
    }
  }

  /** After a rolled-back batch hit a duplicate: names the records whose lookup keys were already stored. */
  private async collisionError(records: readonly NewCodeRecord[], duplicate: unknown): Promise<Error> {
    const existing = await this.existingLookupKeys(records.map((record) => record.lookupKey));
    const colliding = records.filter((record) => existing.has(record.lookupKey.toString('hex')));
    // Only a committed row makes InnoDB report a duplicate, so an empty list means another unique key collided.
    if (colliding.length === 0) return toStoreError(duplicate, 'insertCodes');
    return new DuplicateLookupKey(
      colliding.map((record) => record.id),
      { cause: redactedCause(duplicate) },
    );
  }

  private async existingLookupKeys(keys: readonly Buffer[]): Promise<Set<string>> {
    const found = new Set<string>();
    await this.runner.autocommit('insertCodes', async (session) => {
      for (let start = 0; start < keys.length; start += this.batchLimits.maxRows) {
        const chunk = keys.slice(start, start + this.batchLimits.maxRows);
        const rows = await session.query<Rows>(`${SELECT_EXISTING_KEYS} ${placeholders(chunk.length)}`, chunk);
        for (const row of rows) found.add((row.lookup_key as Buffer).toString('hex'));
      }
    });
    return found;
  }

  async revokeCode(codeId: CodeId, scope: string | null, now: Date, revoked: JournalEntry): Promise<boolean> {
    if (!isUuid(codeId)) return false;
    const conditions = allOf([
      sql(
        'codes.id = ? AND codes.revoked_at IS NULL AND codes.redemption_count < codes.max_redemptions',
        idToBinary(codeId),
      ),
      scope === null ? null : exactScope(scope),
    ]);
    return this.runner.transaction('revokeCode', async (session) => {
      const result = await session.execute<ResultSetHeader>(
        `UPDATE codes SET revoked_at = ? WHERE ${conditions.text}`,
        [now, ...conditions.values],
      );
      const changed = changedOne('revokeCode', codeId, result);
      if (changed) await writeEntries(session, [revoked]);
      return changed;
    });
  }

  async getCode(codeId: CodeId, scope: string | null, now: Date): Promise<CodeMetadata | null> {
    if (!isUuid(codeId)) return null;
    const held = liveHolds(now);
    const conditions = where([sql('codes.id = ?', idToBinary(codeId)), scope === null ? null : exactScope(scope)]);
    const rows = await this.runner.autocommit('getCode', (session) =>
      session.execute<Rows>(`SELECT ${METADATA_COLUMNS}, ${held.text} AS held_count FROM codes${conditions.text}`, [
        ...held.values,
        ...conditions.values,
      ]),
    );
    return rows.length === 0 ? null : toMetadata(rows[0]);
  }

  async listCodes(filter: CodeFilter, now: Date, first: number, after: CodeId | null): Promise<Page<CodeMetadata>> {
    if (!Number.isSafeInteger(first) || first < 0) throw new RangeError('first must be a non-negative integer');
    // An unparseable cursor names no code, like an unknown id in getCode.
    if (after !== null && !isUuid(after)) return { items: [], hasNextPage: false };
    const held = liveHolds(now);
    const conditions = where([
      ...filterConditions(filter),
      filter.state ? statePredicate(filter.state, now) : null,
      after === null ? null : sql('codes.id < ?', idToBinary(after)),
    ]);
    // query() rather than execute(): prepared statements reject a numeric LIMIT placeholder on some servers.
    const rows = await this.runner.autocommit('listCodes', (session) =>
      session.query<Rows>(
        `SELECT ${METADATA_COLUMNS}, ${held.text} AS held_count FROM codes${conditions.text} ORDER BY codes.id DESC LIMIT ?`,
        [...held.values, ...conditions.values, first + 1],
      ),
    );
    return { items: rows.slice(0, first).map(toMetadata), hasNextPage: rows.length > first };
  }

  async countByState(filter: Omit<CodeFilter, 'state'>, now: Date): Promise<CodeStats> {
    const sums = STATES.map((state) => {
      const predicate = statePredicate(state, now);
      return { text: `SUM(CASE WHEN ${predicate.text} THEN 1 ELSE 0 END) AS ${state}`, values: predicate.values };
    });
    const conditions = where(filterConditions(filter));
    const rows = await this.runner.autocommit('countByState', (session) =>
      session.execute<Rows>(
        `SELECT ${sums.map((sum) => sum.text).join(', ')}, SUM(codes.redemption_count) AS redemptions FROM codes${conditions.text}`,
        [...sums.flatMap((sum) => sum.values), ...conditions.values],
      ),
    );
    // SUM is a DECIMAL (a string from the driver) and NULL over no rows.
    const count = (column: string): number => Number(rows[0]?.[column] ?? 0);
    return {
      redeemable: count('REDEEMABLE'),
      used: count('USED'),
      revoked: count('REVOKED'),
      expired: count('EXPIRED'),
      scheduled: count('SCHEDULED'),
      redemptions: count('redemptions'),
    };
  }

  async getRedemption(id: RedemptionId, scope: string | null): Promise<RedemptionWithCode | null> {
    if (!isUuid(id)) return null;
    const conditions = where([sql('r.id = ?', idToBinary(id)), scope === null ? null : exactScope(scope)]);
    const rows = await this.runner.autocommit('getRedemption', (session) =>
      session.execute<Rows>(`${REDEMPTION_WITH_CODE}${conditions.text}`, conditions.values),
    );
    return rows.length === 0 ? null : toRedemptionWithCode(rows[0]);
  }

  async listRedemptions(codeId: CodeId, first: number, after: RedemptionId | null): Promise<Page<RedemptionRecord>> {
    if (!Number.isSafeInteger(first) || first < 0) throw new RangeError('first must be a non-negative integer');
    if (!isUuid(codeId) || (after !== null && !isUuid(after))) return { items: [], hasNextPage: false };
    const conditions = where([
      sql('r.code_id = ?', idToBinary(codeId)),
      after === null ? null : sql('r.id < ?', idToBinary(after)),
    ]);
    const rows = await this.runner.autocommit('listRedemptions', (session) =>
      session.query<Rows>(
        `SELECT ${REDEMPTION_COLUMNS} FROM redemptions r${conditions.text} ORDER BY r.id DESC LIMIT ?`,
        [...conditions.values, first + 1],
      ),
    );
    return { items: rows.slice(0, first).map(toRedemption), hasNextPage: rows.length > first };
  }

  async findRedemptionByToken(codeId: CodeId, token: ClaimToken): Promise<RedemptionWithCode | null> {
    const rows = await this.runner.autocommit('findRedemptionByToken', (session) =>
      session.execute<Rows>(`${REDEMPTION_WITH_CODE} WHERE r.code_id = ? AND r.claim_token_hash = ?`, [
        idToBinary(codeId),
        token,
      ]),
    );
    return rows.length === 0 ? null : toRedemptionWithCode(rows[0]);
  }

  async reverseRedemption(request: ReverseRequest, reversed: JournalEntry): Promise<boolean> {
    if (!isUuid(request.redemptionId)) return false;
    const redemptionId = idToBinary(request.redemptionId);
    const conditions = where([
      sql('r.id = ?', redemptionId),
      request.within === null ? null : exactScope(request.within),
    ]);
    const codes = await this.runner.autocommit('reverseRedemption', (session) =>
      session.execute<Rows>(
        `SELECT codes.id, codes.lookup_key FROM redemptions r JOIN codes ON codes.id = r.code_id${conditions.text}`,
        conditions.values,
      ),
    );
    const code = codes[0];
    if (code === undefined) return false;
    const codeId = binaryToId<CodeId>(code.id as Buffer);
    return this.runner.transaction('reverseRedemption', async (session) => {
      // The code's row first, as every use-changing transaction locks it; its latest active redemption moves back.
      const latestActive =
        'FROM redemptions r WHERE r.code_id = ? AND r.reversed_at IS NULL AND r.id <> ? ORDER BY r.id DESC LIMIT 1';
      const counted = await session.execute<ResultSetHeader>(
        `UPDATE codes SET redemption_count = redemption_count - 1, used_at = (SELECT r.redeemed_at ${latestActive}), used_by = (SELECT CAST(r.subject AS CHAR) ${latestActive}) WHERE codes.lookup_key = ? AND codes.id = ? AND codes.redemption_count > 0`,
        [
          code.id as Buffer,
          redemptionId,
          code.id as Buffer,
          redemptionId,
          code.lookup_key as Buffer,
          code.id as Buffer,
        ],
      );
      const marked = await session.execute<ResultSetHeader>(
        'UPDATE redemptions SET reversed_at = ?, reversal_reason = ? WHERE id = ? AND code_id = ? AND reversed_at IS NULL',
        [request.now, request.reason, redemptionId, code.id as Buffer],
      );
      const won = changedOne('reverseRedemption', codeId, marked);
      if (won && !changedOne('reverseRedemption', codeId, counted)) {
        // An active redemption whose code counts none: the counter and the history disagree.
        throw new InvariantViolation('reverseRedemption', codeId, 0);
      }
      if (!won) {
        await session.rollback();
        return false;
      }
      await writeEntries(session, [reversed]);
      return true;
    });
  }

  async ping(): Promise<void> {
    await this.runner.autocommit('ping', (session) => session.execute<Rows>(PING, []));
  }
}
