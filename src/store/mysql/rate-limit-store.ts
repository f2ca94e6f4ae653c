import type { ResultSetHeader } from 'mysql2/promise';
import type { RateLimitBucket, RateLimitStore } from '../port';
import { placeholders } from './batches';
import type { MysqlDatabase } from './pool';
import type { RetryPolicy } from './errors';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import type { Rows, SqlValue } from './session';

export const BUCKET_COLUMNS = 'bucket_key, failures, window_ends_at';
const SELECT_BUCKETS = `SELECT ${BUCKET_COLUMNS} FROM rate_limit_buckets WHERE bucket_key IN`;
// ON DUPLICATE KEY UPDATE assigns left to right and later assignments see
// earlier ones: failures must be decided while window_ends_at still holds
// the old window. The placeholders repeat rather than use VALUES(), which
// MySQL 8.4 deprecates (and whose `AS new` replacement MariaDB lacks).
const COUNT_FAILURE_UPDATE =
  ' ON DUPLICATE KEY UPDATE failures = IF(window_ends_at <= ?, ?, failures + ?),' +
  ' window_ends_at = IF(window_ends_at <= ?, ?, window_ends_at)';
const DELETE_BUCKET = 'DELETE FROM rate_limit_buckets WHERE bucket_key = ?';
const PURGE_EXPIRED = 'DELETE FROM rate_limit_buckets WHERE window_ends_at < ? LIMIT ?';
/**
 * A scope's bucket is one hot row that every failed attempt of the scope
 * writes, from every instance. On a multi-primary cluster (Galera) the
 * writes of different nodes conflict at certification, and each loser's
 * COMMIT fails with 1213; the limiter keeps one write per bucket in flight
 * per instance, so a loser meets at most one rival per other node, and
 * outwaits them within a bounded, jittered backoff (at most ~1.5 s in all)
 * rather than failing the attempt as unavailable.
 */
export const BUCKET_RETRY_POLICY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 5, maxDelayMs: 200 };

/** Distinct keys in byte order: concurrent multi-key upserts then lock rows in one order and cannot deadlock. */
export function distinctSorted(keys: readonly Buffer[]): Buffer[] {
  const byHex = new Map(keys.map((key) => [key.toString('hex'), key]));
  return [...byHex.values()].sort(Buffer.compare);
}

export function toBucket(row: Rows[number]): RateLimitBucket {
  return {
    key: row.bucket_key as Buffer,
    failures: Number(row.failures),
    windowEndsAt: row.window_ends_at as Date,
  };
}

export class MysqlRateLimitStore implements RateLimitStore {
  private readonly runner: MysqlRunner;

  constructor(database: MysqlDatabase, options: MysqlAdapterOptions = {}) {
    this.runner = new MysqlRunner(database, { ...options, retry: options.retry ?? BUCKET_RETRY_POLICY });
  }

  /**
   * One atomic upsert, never read-modify-write, so concurrent failures are all
   * counted. The read-back shares its transaction: the upsert's row locks keep
   * other failures out until COMMIT, so each caller sees the count its own
   * failure made, which is what lets the limiter answer exactly maxFailures.
   */
  async recordFailure(
    keys: readonly Buffer[],
    now: Date,
    windowEndsAt: Date,
    count: number,
  ): Promise<RateLimitBucket[]> {
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count must be a positive integer');
    const distinct = distinctSorted(keys);
    if (distinct.length === 0) return [];
    const tuples = distinct.map(() => '(?, ?, ?)').join(', ');
    const values: SqlValue[] = [
      ...distinct.flatMap((key) => [key, count, windowEndsAt]),
      now,
      count,
      count,
      now,
      windowEndsAt,
    ];
    const upsert = `INSERT INTO rate_limit_buckets (bucket_key, failures, window_ends_at) VALUES ${tuples}${COUNT_FAILURE_UPDATE}`;
    const rows = await this.runner.transaction('record rate-limit failure', async (session) => {
      await session.execute(upsert, values);
      return session.execute<Rows>(`${SELECT_BUCKETS} ${placeholders(distinct.length)}`, distinct);
    });
    return rows.map(toBucket);
  }

  async read(keys: readonly Buffer[], now: Date): Promise<RateLimitBucket[]> {
    const distinct = distinctSorted(keys);
    if (distinct.length === 0) return [];
    const rows = await this.runner.autocommit('read rate-limit buckets', (session) =>
      session.execute<Rows>(`${SELECT_BUCKETS} ${placeholders(distinct.length)} AND window_ends_at > ?`, [
        ...distinct,
        now,
      ]),
    );
    return rows.map(toBucket);
  }

  async clear(key: Buffer): Promise<void> {
    await this.runner.autocommit('clear rate-limit bucket', (session) => session.execute(DELETE_BUCKET, [key]));
  }

  async purgeExpired(now: Date, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    // query() rather than execute(): prepared statements reject a numeric LIMIT placeholder on some servers.
    const result = await this.runner.autocommit('purge rate-limit buckets', (session) =>
      session.query<ResultSetHeader>(PURGE_EXPIRED, [now, limit]),
    );
    return result.affectedRows;
  }
}
