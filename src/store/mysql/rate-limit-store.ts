import type { ResultSetHeader } from 'mysql2/promise';
import type { RateLimitBucket, RateLimitStore } from '../port';
import { placeholders } from './batches';
import type { MysqlDatabase } from './pool';
import type { RetryPolicy } from './errors';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import type { Rows } from './session';

export const BUCKET_COLUMNS = 'bucket_key, failures, window_ends_at';
const SELECT_BUCKETS = `SELECT ${BUCKET_COLUMNS} FROM rate_limit_buckets WHERE bucket_key IN`;
// Writes a count decided under the read's row lock. The placeholders repeat
// rather than use VALUES(), which MySQL 8.4 deprecates (and whose `AS new`
// replacement MariaDB lacks); not REPLACE, which Vitess refuses on sharded keyspaces.
const WRITE_BUCKET = `INSERT INTO rate_limit_buckets (${BUCKET_COLUMNS}) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE failures = ?, window_ends_at = ?`;
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

/** Each key's bucket after `count` more failures: a bucket whose window ended (or none) starts a new one. */
function countFailures(
  keys: readonly Buffer[],
  current: readonly RateLimitBucket[],
  now: Date,
  windowEndsAt: Date,
  count: number,
): RateLimitBucket[] {
  const live = new Map(
    current.filter((bucket) => bucket.windowEndsAt > now).map((bucket) => [bucket.key.toString('hex'), bucket]),
  );
  return keys.map((key) => {
    const bucket = live.get(key.toString('hex'));
    return bucket
      ? { key, failures: bucket.failures + count, windowEndsAt: bucket.windowEndsAt }
      : { key, failures: count, windowEndsAt };
  });
}

export class MysqlRateLimitStore implements RateLimitStore {
  private readonly runner: MysqlRunner;

  constructor(database: MysqlDatabase, options: MysqlAdapterOptions = {}) {
    this.runner = new MysqlRunner(database, { ...options, retry: options.retry ?? BUCKET_RETRY_POLICY });
  }

  /**
   * Reads the buckets with their row locks, then writes the counts they come
   * to, in one transaction: concurrent failures wait for each other's COMMIT,
   * so all are counted and each caller sees the count its own failure made,
   * which is what lets the limiter answer exactly maxFailures.
   *
   * The read comes first, never after the write (portability rule 15): on
   * Galera, a transaction aborted by a conflicting write from another node
   * between a write and a read was rolled back silently, and its read and
   * COMMIT then succeeded as if it had counted.
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
    return this.runner.transaction('record rate-limit failure', async (session) => {
      const current = await session.execute<Rows>(
        `${SELECT_BUCKETS} ${placeholders(distinct.length)} FOR UPDATE`,
        distinct,
      );
      const counted = countFailures(distinct, current.map(toBucket), now, windowEndsAt, count);
      for (const { key, failures, windowEndsAt: endsAt } of counted) {
        await session.execute(WRITE_BUCKET, [key, failures, endsAt, failures, endsAt]);
      }
      return counted;
    });
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
