/**
 * The connections of one database: a pool in autocommit, for reads and
 * single-statement writes, and a pool with autocommit off for transactions,
 * so that a transaction opens with its first statement (no START TRANSACTION
 * round trip) and ends with COMMIT or ROLLBACK. A plain read never runs on a
 * transaction's connection: its snapshot would stay open until the next
 * COMMIT. Both pools share one statement watchdog.
 */
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';
import { DEFAULT_STATEMENT_TIMEOUT_MS } from './runner';
import { StatementWatchdog } from './watchdog';

export interface MysqlPoolOptions {
  /** Connections per pool (the database gets twice as many: autocommit and transactions). */
  readonly connectionLimit: number;
  /** Bounds opening a connection to an unreachable server (default 3000 ms). */
  readonly connectTimeoutMs?: number;
  /** Requests allowed to wait for a free connection before failing fast (default 1000). */
  readonly queueLimit?: number;
  /** Longest wait for any one statement before its connection is given up (default 5000 ms). */
  readonly statementTimeoutMs?: number;
}

export interface MysqlDatabase {
  readonly autocommit: Pool;
  readonly transactions: Pool;
  readonly watchdog: StatementWatchdog;
  /** The transaction pool's connections whose autocommit is known to be off (set once per connection, on first use). */
  readonly autocommitOff: WeakSet<object>;
  /** Closes both pools. */
  end(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_QUEUE_LIMIT = 1000;

function poolOptions(databaseUrl: string, options: MysqlPoolOptions): PoolOptions {
  return {
    uri: databaseUrl,
    connectionLimit: options.connectionLimit,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    waitForConnections: true,
    queueLimit: options.queueLimit ?? DEFAULT_QUEUE_LIMIT,
    enableKeepAlive: true,
    // DATETIME columns hold UTC; the driver must neither add nor remove an offset.
    timezone: 'Z',
    // affectedRows counts matched rows, the same on every MySQL-compatible server; the claims rely on it.
    flags: ['FOUND_ROWS'],
    // One statement per call: a multi-statement is split non-atomically by Vitess (portability rule 4).
    multipleStatements: false,
    // No async stack capture per statement: it cost ~4% of the redemption path's CPU in profiles.
    trace: false,
  };
}

/** A single pool, for callers that need one connection kind only (migrations, the database's creation). */
export function createMysqlPool(databaseUrl: string, options: MysqlPoolOptions): Pool {
  return mysql.createPool(poolOptions(databaseUrl, options));
}

export function openMysqlDatabase(databaseUrl: string, options: MysqlPoolOptions): MysqlDatabase {
  return databaseOf(createMysqlPool(databaseUrl, options), createMysqlPool(databaseUrl, options), options);
}

/** A database of two pools made elsewhere (the cluster suite's spread over several nodes), with their watchdog. */
export function databaseOf(autocommit: Pool, transactions: Pool, options: MysqlPoolOptions): MysqlDatabase {
  const watchdog = new StatementWatchdog(options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  return {
    autocommit,
    transactions,
    watchdog,
    autocommitOff: new WeakSet(),
    end: async () => {
      watchdog.stop();
      await Promise.all([autocommit.end(), transactions.end()]);
    },
  };
}
