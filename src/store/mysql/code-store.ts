/**
 * CodeStore on MySQL-compatible servers (MySQL 8.4, MariaDB 10.11; written to
 * stay valid on Vitess, TiDB and Group Replication: see portability.md).
 */
import type { Pool, ResultSetHeader } from 'mysql2/promise';
import { DuplicateLookupKey, InvariantViolation } from '../errors';
import type {
  AttemptSnapshot,
  AuditEvent,
  ClaimOutcome,
  ClaimRequest,
  CodeFilter,
  CodeMetadata,
  CodePage,
  CodeState,
  CodeStats,
  CodeStore,
  InspectedCode,
  LookupCandidate,
  MatchCriteria,
  NewCodeRecord,
  RedeemableCode,
} from '../port';
import { writeEvents } from './audit-log';
import { type BatchLimits, DEFAULT_BATCH_LIMITS, multiRowInserts, placeholders, runStatements } from './batches';
import { isDuplicateKeyError, isRetryableError, outcomeUnknown, redactedCause, toStoreError } from './errors';
import { binaryToId, idToBinary, isCodeId } from './ids';
import { BUCKET_COLUMNS, distinctSorted, toBucket } from './rate-limit-store';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import { inTransaction, type MysqlSession, type Rows, type SqlValue } from './session';

export interface MysqlCodeStoreOptions extends MysqlAdapterOptions {
  /** Rows and parameter bytes per multi-row INSERT (default 1000 rows, 1 MiB). */
  readonly batchLimits?: BatchLimits;
}

/** A WHERE fragment and the values of its placeholders, in order. */
interface Condition {
  readonly sql: string;
  readonly values: readonly SqlValue[];
}

const WON: ClaimOutcome = { kind: 'won' };
const LOST: ClaimOutcome = { kind: 'lost' };

const METADATA_COLUMNS =
  'id, key_version, purpose, scope, grant_payload, created_at, expires_at, used_at, used_by, revoked_at';
const INSPECT_COLUMNS = `${METADATA_COLUMNS}, lookup_key, claim_token_hash`;
const REDEEMABLE_COLUMNS = 'id, lookup_key, key_version, purpose, scope, grant_payload, expires_at';
/** Column fillers that let bucket rows and a code row share one UNION ALL result. */
const NO_REDEEMABLE_COLUMNS =
  'NULL AS id, NULL AS lookup_key, NULL AS key_version, NULL AS purpose, NULL AS scope, NULL AS grant_payload, NULL AS expires_at';
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
] as const;

/** State predicates at a given instant; `?` stands for `now`. Shared by every read that filters or counts by state. */
const STATE_PREDICATES: Record<CodeState, string> = {
  REDEEMABLE: 'used_at IS NULL AND revoked_at IS NULL AND expires_at > ?',
  USED: 'used_at IS NOT NULL',
  REVOKED: 'used_at IS NULL AND revoked_at IS NOT NULL',
  EXPIRED: 'used_at IS NULL AND revoked_at IS NULL AND expires_at <= ?',
};

const CANDIDATE_MATCH = '(lookup_key = ? AND key_version = ?)';
const CLAIM_UPDATE =
  'UPDATE codes SET used_at = ?, used_by = ?, claim_token_hash = ? WHERE lookup_key = ? AND id = ? AND';
const CLAIM_REREAD = 'SELECT used_at, claim_token_hash FROM codes WHERE lookup_key = ? AND id = ? FOR UPDATE';
const REVOKE_UPDATE = 'UPDATE codes SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL';
const SELECT_BY_ID = `SELECT ${METADATA_COLUMNS} FROM codes WHERE id = ?`;
const SELECT_EXISTING_KEYS = 'SELECT lookup_key FROM codes WHERE lookup_key IN';
const PING = 'SELECT 1';

function predicateValues(predicate: string, now: Date): Date[] {
  return predicate.includes('?') ? [now] : [];
}

function stateCondition(state: CodeState, now: Date): Condition {
  const sql = STATE_PREDICATES[state];
  return { sql, values: predicateValues(sql, now) };
}

/** A record only matches through the key version that produced its candidate, so a retired key fails closed. */
function candidatesCondition(candidates: readonly LookupCandidate[]): Condition {
  return {
    sql: `(${candidates.map(() => CANDIDATE_MATCH).join(' OR ')})`,
    values: candidates.flatMap((candidate) => [candidate.lookupKey, candidate.keyVersion]),
  };
}

/**
 * Redeemable at `now` under `criteria`. A null scope matches any scope through
 * a separate statement shape rather than `? IS NULL OR`, which would hide the
 * predicate from the optimizer.
 */
function claimableCondition(now: Date, criteria: MatchCriteria): Condition {
  const base = `${STATE_PREDICATES.REDEEMABLE} AND purpose <=> ?`;
  return criteria.scope === null
    ? { sql: base, values: [now, criteria.purpose] }
    : { sql: `${base} AND scope = ?`, values: [now, criteria.purpose, criteria.scope] };
}

function scopeCondition(scope: string | null): Condition | null {
  return scope === null ? null : { sql: 'scope = ?', values: [scope] };
}

/** Equality filters; an absent or null value matches any. */
function filterConditions(filter: Omit<CodeFilter, 'state'>): Condition[] {
  const conditions: Condition[] = [];
  if (filter.scope != null) conditions.push({ sql: 'scope = ?', values: [filter.scope] });
  if (filter.purpose != null) conditions.push({ sql: 'purpose = ?', values: [filter.purpose] });
  return conditions;
}

function joinConditions(conditions: readonly (Condition | null)[]): Condition {
  const present = conditions.filter((condition): condition is Condition => condition !== null);
  return {
    sql: present.length === 0 ? '' : ` WHERE ${present.map((condition) => condition.sql).join(' AND ')}`,
    values: present.flatMap((condition) => condition.values),
  };
}

function dateOrNull(value: unknown): Date | null {
  return value === null ? null : (value as Date);
}

function stringOrNull(value: unknown): string | null {
  return value === null ? null : String(value);
}

function toMetadata(row: Rows[number]): CodeMetadata {
  return {
    id: binaryToId(row.id as Buffer),
    keyVersion: String(row.key_version),
    purpose: stringOrNull(row.purpose),
    scope: stringOrNull(row.scope),
    grant: stringOrNull(row.grant_payload),
    createdAt: row.created_at as Date,
    expiresAt: row.expires_at as Date,
    usedAt: dateOrNull(row.used_at),
    usedBy: stringOrNull(row.used_by),
    revokedAt: dateOrNull(row.revoked_at),
  };
}

function toInspected(row: Rows[number]): InspectedCode {
  return {
    ...toMetadata(row),
    lookupKey: row.lookup_key as Buffer,
    claimTokenHash: (row.claim_token_hash as Buffer | null) ?? null,
  };
}

function toRedeemable(row: Rows[number]): RedeemableCode {
  return {
    id: binaryToId(row.id as Buffer),
    lookupKey: row.lookup_key as Buffer,
    keyVersion: String(row.key_version),
    purpose: stringOrNull(row.purpose),
    scope: stringOrNull(row.scope),
    grant: stringOrNull(row.grant_payload),
    expiresAt: row.expires_at as Date,
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
  ];
}

/** Whether a single-code UPDATE changed its row; more than one row means the keys that make ids unique are gone. */
function changedOne(operation: string, codeId: string, result: ResultSetHeader): boolean {
  if (result.affectedRows > 1) throw new InvariantViolation(operation, codeId, result.affectedRows);
  return result.affectedRows === 1;
}

/** Records whose lookup key an earlier record of the same batch already has. */
function duplicatesWithinBatch(records: readonly NewCodeRecord[]): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
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

export class MysqlCodeStore implements CodeStore {
  private readonly runner: MysqlRunner;
  private readonly batchLimits: BatchLimits;

  constructor(pool: Pool, options: MysqlCodeStoreOptions = {}) {
    this.runner = new MysqlRunner(pool, options);
    this.batchLimits = options.batchLimits ?? DEFAULT_BATCH_LIMITS;
  }

  async findRedeemable(
    candidates: readonly LookupCandidate[],
    now: Date,
    criteria: MatchCriteria,
  ): Promise<RedeemableCode | null> {
    if (candidates.length === 0) return null;
    const where = joinConditions([candidatesCondition(candidates), claimableCondition(now, criteria)]);
    const rows = await this.runner.run('findRedeemable', (session) =>
      session.execute<Rows>(`SELECT ${REDEEMABLE_COLUMNS} FROM codes${where.sql} LIMIT 1`, where.values),
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
    const parts: Condition[] = [];
    if (keys.length > 0) {
      parts.push({
        sql: `(SELECT ${BUCKET_COLUMNS}, ${NO_REDEEMABLE_COLUMNS} FROM rate_limit_buckets WHERE bucket_key IN ${placeholders(keys.length)} AND window_ends_at > ?)`,
        values: [...keys, now],
      });
    }
    if (candidates.length > 0) {
      const where = joinConditions([candidatesCondition(candidates), claimableCondition(now, criteria)]);
      parts.push({
        sql: `(SELECT ${NO_BUCKET_COLUMNS}, ${REDEEMABLE_COLUMNS} FROM codes${where.sql} LIMIT 1)`,
        values: where.values,
      });
    }
    if (parts.length === 0) return { buckets: [], code: null };
    // One round trip for the gate and the lookup: the caller decides the gate first and discards the lookup when blocked.
    const rows = await this.runner.run('readAttempt', (session) =>
      session.execute<Rows>(
        parts.map((part) => part.sql).join(' UNION ALL '),
        parts.flatMap((part) => part.values),
      ),
    );
    const codeRow = rows.find((row) => row.bucket_key === null);
    return {
      buckets: rows.filter((row) => row.bucket_key !== null).map(toBucket),
      code: codeRow ? toRedeemable(codeRow) : null,
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

  /** One claim transaction. The claim is won only once COMMIT succeeds (portability rule 1). */
  private async claimOnce(session: MysqlSession, request: ClaimRequest): Promise<ClaimOutcome> {
    await session.begin();
    let won: boolean;
    try {
      won = await this.conditionalClaim(session, request);
    } catch (error) {
      return session.rollbackAfter(error);
    }
    if (!won) {
      await session.rollback();
      return LOST;
    }
    try {
      await session.commit();
    } catch (error) {
      // A retryable COMMIT failure (write conflict) means the server rolled back: the whole claim runs again.
      if (isRetryableError(error)) throw error;
      throw new CommitOutcomeUnknown(error);
    }
    return WON;
  }

  private async conditionalClaim(session: MysqlSession, request: ClaimRequest): Promise<boolean> {
    const claimable = claimableCondition(request.now, request);
    const result = await session.execute<ResultSetHeader>(`${CLAIM_UPDATE} ${claimable.sql}`, [
      request.now,
      request.subject,
      request.claimTokenHash,
      request.lookupKey,
      idToBinary(request.codeId),
      ...claimable.values,
    ]);
    // affectedRows counts matched rows (CLIENT_FOUND_ROWS), yet it is exact here:
    // the WHERE requires used_at IS NULL and the SET makes it non-null, so every
    // matched row is also changed.
    const won = changedOne('claimCode', request.codeId, result);
    if (won) await writeEvents(session, [request.redeemedEvent]);
    return won;
  }

  /**
   * Reads back, on a fresh connection, whether our claim landed. The locking
   * read waits for a COMMIT still in flight on the old connection instead of
   * reading the row from before it.
   */
  private async settleUnknownClaim(request: ClaimRequest, commitError: unknown): Promise<ClaimOutcome> {
    let rows: Rows;
    try {
      rows = await this.runner.once((session) =>
        inTransaction(session, () =>
          session.execute<Rows>(CLAIM_REREAD, [request.lookupKey, idToBinary(request.codeId)]),
        ),
      );
    } catch {
      throw outcomeUnknown(commitError, 'claimCode');
    }
    const row = rows[0];
    const ours =
      row !== undefined && row.used_at !== null && request.claimTokenHash.equals(row.claim_token_hash as Buffer);
    return ours ? WON : LOST;
  }

  async inspect(candidates: readonly LookupCandidate[]): Promise<InspectedCode | null> {
    if (candidates.length === 0) return null;
    const where = joinConditions([candidatesCondition(candidates)]);
    const rows = await this.runner.run('inspect', (session) =>
      session.execute<Rows>(`SELECT ${INSPECT_COLUMNS} FROM codes${where.sql} LIMIT 1`, where.values),
    );
    return rows.length === 0 ? null : toInspected(rows[0]);
  }

  insertCode(record: NewCodeRecord, issuedEvent: AuditEvent): Promise<void> {
    return this.insertCodes([record], [issuedEvent]);
  }

  async insertCodes(records: readonly NewCodeRecord[], issuedEvents: readonly AuditEvent[]): Promise<void> {
    const withinBatch = duplicatesWithinBatch(records);
    if (withinBatch.length > 0) throw new DuplicateLookupKey(withinBatch);
    const inserts = multiRowInserts('codes', CODE_COLUMNS, records.map(codeRow), this.batchLimits);
    if (inserts.length === 0 && issuedEvents.length === 0) return;
    try {
      await this.runner.attempts((session) =>
        inTransaction(session, async () => {
          await runStatements(session, inserts);
          await writeEvents(session, issuedEvents);
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
    await this.runner.run('insertCodes', async (session) => {
      for (let start = 0; start < keys.length; start += this.batchLimits.maxRows) {
        const chunk = keys.slice(start, start + this.batchLimits.maxRows);
        const rows = await session.query<Rows>(`${SELECT_EXISTING_KEYS} ${placeholders(chunk.length)}`, chunk);
        for (const row of rows) found.add((row.lookup_key as Buffer).toString('hex'));
      }
    });
    return found;
  }

  async revokeCode(codeId: string, scope: string | null, now: Date, revokedEvent: AuditEvent): Promise<boolean> {
    if (!isCodeId(codeId)) return false;
    const inScope = scopeCondition(scope);
    const sql = inScope === null ? REVOKE_UPDATE : `${REVOKE_UPDATE} AND ${inScope.sql}`;
    const values = [now, idToBinary(codeId), ...(inScope?.values ?? [])];
    return this.runner.transaction('revokeCode', async (session) => {
      const revoked = changedOne('revokeCode', codeId, await session.execute<ResultSetHeader>(sql, values));
      if (revoked) await writeEvents(session, [revokedEvent]);
      return revoked;
    });
  }

  async getCode(codeId: string, scope: string | null): Promise<CodeMetadata | null> {
    if (!isCodeId(codeId)) return null;
    const inScope = scopeCondition(scope);
    const sql = inScope === null ? SELECT_BY_ID : `${SELECT_BY_ID} AND ${inScope.sql}`;
    const rows = await this.runner.run('getCode', (session) =>
      session.execute<Rows>(sql, [idToBinary(codeId), ...(inScope?.values ?? [])]),
    );
    return rows.length === 0 ? null : toMetadata(rows[0]);
  }

  async listCodes(filter: CodeFilter, now: Date, first: number, after: string | null): Promise<CodePage> {
    if (!Number.isSafeInteger(first) || first < 0) throw new RangeError('first must be a non-negative integer');
    // An unparseable cursor names no code, like an unknown id in getCode.
    if (after !== null && !isCodeId(after)) return { items: [], hasNextPage: false };
    const where = joinConditions([
      ...filterConditions(filter),
      filter.state ? stateCondition(filter.state, now) : null,
      after === null ? null : { sql: 'id < ?', values: [idToBinary(after)] },
    ]);
    // query() rather than execute(): prepared statements reject a numeric LIMIT placeholder on some servers.
    const rows = await this.runner.run('listCodes', (session) =>
      session.query<Rows>(`SELECT ${METADATA_COLUMNS} FROM codes${where.sql} ORDER BY id DESC LIMIT ?`, [
        ...where.values,
        first + 1,
      ]),
    );
    return { items: rows.slice(0, first).map(toMetadata), hasNextPage: rows.length > first };
  }

  async countByState(filter: Omit<CodeFilter, 'state'>, now: Date): Promise<CodeStats> {
    const states: CodeState[] = ['REDEEMABLE', 'USED', 'REVOKED', 'EXPIRED'];
    const sums = states.map((state) => `SUM(CASE WHEN ${STATE_PREDICATES[state]} THEN 1 ELSE 0 END) AS ${state}`);
    const where = joinConditions(filterConditions(filter));
    const rows = await this.runner.run('countByState', (session) =>
      session.execute<Rows>(`SELECT ${sums.join(', ')} FROM codes${where.sql}`, [
        ...states.flatMap((state) => predicateValues(STATE_PREDICATES[state], now)),
        ...where.values,
      ]),
    );
    // SUM is a DECIMAL (a string from the driver) and NULL over no rows.
    const count = (state: CodeState): number => Number(rows[0]?.[state] ?? 0);
    return {
      redeemable: count('REDEEMABLE'),
      used: count('USED'),
      revoked: count('REVOKED'),
      expired: count('EXPIRED'),
    };
  }

  async ping(): Promise<void> {
    await this.runner.run('ping', (session) => session.execute<Rows>(PING, []));
  }
}
