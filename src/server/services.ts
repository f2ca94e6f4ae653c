/**
 * The service and what it stands on, opened from the configuration: database,
 * migrations, the three stores, keys and policy. The server and the admin CLI
 * share this wiring.
 */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import type { Logger } from 'pino';
import { describeError } from '../ops/logger';
import { AuditBuffer } from '../codes/audit-buffer';
import { bufferedRandom } from '../codes/random';
import { CodeService } from '../codes/service';
import type { Clock, ServiceObserver } from '../codes/types';
import { describeDatabase, type Config } from '../config/config';
import type { RateLimitStore } from '../store/port';
import { MysqlAuditLog } from '../store/mysql/audit-log';
import { MysqlCodeStore } from '../store/mysql/code-store';
import { applyMigrations, ensureDatabase } from '../store/mysql/migrate';
import { createMysqlPool } from '../store/mysql/pool';
import { MysqlRateLimitStore } from '../store/mysql/rate-limit-store';

export interface Services {
  readonly service: CodeService;
  readonly pool: Pool;
  readonly rateLimits: RateLimitStore;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Stops the background purge and closes the pool. */
  close(): Promise<void>;
}

export interface OpenServicesOptions {
  readonly observer?: ServiceObserver;
  /** How often expired rate-limit buckets are purged (default one minute). */
  readonly purgeIntervalMs?: number;
}

/** The database could not be reached at start-up; the message is safe to print (no credentials). */
export class DatabaseUnreachable extends Error {
  override readonly name = 'DatabaseUnreachable';
}

const systemClock: Clock = { now: () => new Date() };
const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 1000;
const AUDIT_BUFFERING = { flushIntervalMs: 50, maxBatch: 500, maxPending: 50_000 };

export async function openServices(
  config: Config,
  logger: Logger,
  options: OpenServicesOptions = {},
): Promise<Services> {
  try {
    await ensureDatabase(config.databaseUrl);
  } catch (error) {
    throw new DatabaseUnreachable(
      `cannot reach the database at ${describeDatabase(config.databaseUrl)} (DATABASE_URL): ${reasonOf(error)}`,
    );
  }
  const pool = createMysqlPool(config.databaseUrl, { connectionLimit: config.dbPoolSize });
  try {
    const applied = await applyMigrations(pool);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  } catch (error) {
    await pool.end();
    throw error;
  }
  return assembleServices(config, pool, logger, options);
}

/** The stores and the service over an open pool (no start-up checks): also for tests that need a broken pool. */
export function assembleServices(
  config: Config,
  pool: Pool,
  logger: Logger,
  options: OpenServicesOptions = {},
): Services {
  const storeOptions = { statementTimeoutMs: config.dbStatementTimeoutMs };
  const store = new MysqlCodeStore(pool, storeOptions);
  const rateLimits = new MysqlRateLimitStore(pool, storeOptions);
  const audit = new AuditBuffer(new MysqlAuditLog(pool, storeOptions), {
    ...AUDIT_BUFFERING,
    onWriteFailure: (error, dropped) => logger.warn({ error: describeError(error), dropped }, 'audit write failed'),
  });
  const service = new CodeService({
    store,
    rateLimits,
    audit,
    keyRing: config.keyRing,
    policy: config.policy,
    clock: systemClock,
    random: bufferedRandom(randomBytes),
    rateLimit: config.rateLimit,
    maxBatch: config.maxBatch,
    observer: options.observer,
  });
  const purge = startPurge(rateLimits, logger, options.purgeIntervalMs ?? PURGE_INTERVAL_MS);
  let closing: Promise<void> | undefined;
  return {
    service,
    pool,
    rateLimits,
    ping: () => store.ping(),
    close: () => {
      closing ??= (async () => {
        clearInterval(purge);
        await audit.flush();
        await pool.end();
      })();
      return closing;
    },
  };
}

/** Expired buckets are dead weight only; purging them on a timer keeps the table small. Unref'd: it never holds the process. */
function startPurge(rateLimits: RateLimitStore, logger: Logger, intervalMs: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    rateLimits.purgeExpired(systemClock.now(), PURGE_BATCH).catch((error: unknown) => {
      logger.warn({ error: describeError(error) }, 'rate-limit purge failed');
    });
  }, intervalMs);
  timer.unref();
  return timer;
}

/** The driver's own words (already stripped of quoted values by the store), else the store's. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : null;
  return cause ?? error.message;
}
