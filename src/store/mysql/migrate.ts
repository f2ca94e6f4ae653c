/**
 * Schema migrations: the files of sql/ applied once each, in name order, one
 * statement per file (multi-statements stay off, portability rule 4).
 *
 * Runners starting together (a rolling deploy, one instance per node of a
 * cluster) take turns through a lease row in schema_migration_lock rather
 * than a named lock: GET_LOCK is local to one member on Galera and Group
 * Replication, while a row is replicated and certified like any other write
 * (portability rule 8).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import mysql, { type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { StoreError, StoreUnavailable } from '../errors';
import { breaksConnection, isDuplicateKeyError, isRetryableError, toStoreError } from './errors';

const MIGRATION_FILE = /^\d+_[A-Za-z0-9_-]+\.sql$/;
const DATABASE_NAME = /^[A-Za-z0-9_$]+$/;
const LEASE_NAME = 'claimcheck_migrations';
// DDL on a large table takes long: far beyond the hot path's statement timeout.
const DDL_TIMEOUT_MS = 120_000;
const LEASE_STATEMENT_TIMEOUT_MS = 5000;
const ENSURE_DATABASE_CONNECT_TIMEOUT_MS = 3000;
const FIRST_WAIT_MS = 50;
const LONGEST_WAIT_MS = 1000;

/** How the lease behaves; the defaults suit production, tests shorten them. */
export interface MigrationOptions {
  /**
   * How long a lease holds unless renewed (renewed every third of it while
   * migrating): a runner that crashed holding it blocks the others this long.
   */
  readonly leaseMs?: number;
  /** How long a runner waits for another's lease before giving up. */
  readonly waitTimeoutMs?: number;
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_WAIT_TIMEOUT_MS = 120_000;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version VARCHAR(255) NOT NULL,
  applied_at DATETIME(3) NOT NULL,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
const CREATE_LEASE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migration_lock (
  name VARCHAR(64) NOT NULL,
  owner VARCHAR(255) NULL,
  expires_at DATETIME(3) NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
const SELECT_APPLIED = 'SELECT version FROM schema_migrations';
const RECORD_APPLIED = 'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)';
const ENSURE_LEASE_ROW = 'INSERT IGNORE INTO schema_migration_lock (name, owner, expires_at) VALUES (?, NULL, NULL)';
// UTC_TIMESTAMP, not NOW(): NOW() is in each session's time zone, and runners need not share one.
const TAKE_LEASE = `UPDATE schema_migration_lock
  SET owner = ?, expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND
  WHERE name = ? AND (owner IS NULL OR expires_at < UTC_TIMESTAMP(3))`;
const RENEW_LEASE = `UPDATE schema_migration_lock
  SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND
  WHERE name = ? AND owner = ?`;
const RELEASE_LEASE = 'UPDATE schema_migration_lock SET owner = NULL, expires_at = NULL WHERE name = ? AND owner = ?';
const SELECT_LEASE_HOLDER = 'SELECT owner FROM schema_migration_lock WHERE name = ?';
// Causal reads on Galera: the read waits until this node has applied every write the cluster committed before it.
const CAUSAL_READS = 'SET SESSION wsrep_sync_wait = 1';
const DEFAULT_READS = 'SET SESSION wsrep_sync_wait = DEFAULT';

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
/**
 * MySQL commits DDL implicitly, so a file and its record cannot share a
 * transaction: a runner that crashed between the two leaves a file applied
 * but not recorded, and the next runner runs it again. CREATE ... IF NOT
 * EXISTS makes that harmless, but MySQL 8.4 has no ADD COLUMN IF NOT EXISTS
 * (nor for indexes, nor DROP ... IF EXISTS in ALTER TABLE), so an ALTER-style
 * file re-run fails with one of these, each meaning "the change is already
 * there": 1060 duplicate column, 1061 duplicate key name, 1091 cannot drop
 * (does not exist). An ALTER TABLE is atomic (all its clauses or none), so
 * one of these on a re-run means the whole file is there. Taken as applied
 * only for ALTER-style statements: a CREATE TABLE with a duplicate column is
 * a broken file and still fails.
 */
const ALREADY_APPLIED_ERRNOS: ReadonlySet<number> = new Set([1060, 1061, 1091]);
const ALTER_STYLE = /^(?:ALTER\s+TABLE|CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX)\b/i;
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** The repository's sql/ folder, from src/store/mysql (jest) as from dist/src/store/mysql (built). */
export function defaultMigrationsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'sql');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new StoreError(`no sql/ migrations folder above ${from}`);
  }
}

async function migrationFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => MIGRATION_FILE.test(name)).sort();
}

async function readStatement(dir: string, file: string): Promise<string> {
  return (await readFile(path.join(dir, file), 'utf8')).trim().replace(/;$/, '');
}

/** The server's error number, also when Vitess wraps it as 1105 "... (errno N) ...". */
function serverErrno(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  if (typeof errno !== 'number') return undefined;
  const wrapped = errno === 1105 ? /\berrno (\d+)/.exec(String((error as Error).message)) : null;
  return wrapped ? Number(wrapped[1]) : errno;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type Rows = RowDataPacket[];
type SqlValue = string | number | Date | null;

/**
 * One pooled connection (in autocommit, as createMysqlPool makes them) with a
 * timeout on every statement. A connection that broke or timed out is
 * destroyed, never handed back to the pool.
 */
class MigrationConnection {
  private broken = false;

  constructor(
    private readonly connection: PoolConnection,
    private readonly timeoutMs: number,
  ) {}

  get isBroken(): boolean {
    return this.broken;
  }

  async query<T extends Rows | ResultSetHeader>(sql: string, values: readonly SqlValue[] = []): Promise<T> {
    try {
      const [result] = await this.connection.query<T>({ sql, timeout: this.timeoutMs }, [...values]);
      return result;
    } catch (error) {
      if (breaksConnection(error)) this.broken = true;
      throw error;
    }
  }

  /** `work` between START TRANSACTION and a COMMIT that must succeed; rolled back if it throws. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.query('START TRANSACTION');
    let result: T;
    try {
      result = await work();
    } catch (error) {
      if (!this.broken) await this.query('ROLLBACK').catch(() => (this.broken = true));
      throw error;
    }
    await this.query('COMMIT');
    return result;
  }
}

async function withConnection<T>(
  pool: Pool,
  timeoutMs: number,
  work: (connection: MigrationConnection) => Promise<T>,
): Promise<T> {
  const pooled = await pool.getConnection();
  const connection = new MigrationConnection(pooled, timeoutMs);
  try {
    return await work(connection);
  } finally {
    if (connection.isBroken) pooled.destroy();
    else pooled.release();
  }
}

/**
 * The right to migrate, held by one runner at a time across every node: the
 * row's owner, until expires_at (the database's clock, so runners on several
 * hosts agree on it).
 */
class MigrationLease {
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private renewal: NodeJS.Timeout | undefined;
  private released = false;
  /** Local time until which the lease is known to hold: its last confirmed start plus its length. */
  private heldUntil = 0;
  private lost = false;

  constructor(
    private readonly pool: Pool,
    private readonly leaseMs: number,
  ) {}

  /** Waits for the lease with backoff, at most `waitTimeoutMs`. */
  async acquire(connection: MigrationConnection, waitTimeoutMs: number): Promise<void> {
    const deadline = Date.now() + waitTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const askedAt = Date.now();
      if (await this.tryTake(connection)) {
        this.heldUntil = askedAt + this.leaseMs;
        this.scheduleRenewal();
        return;
      }
      if (Date.now() >= deadline) {
        const holder = await connection.query<Rows>(SELECT_LEASE_HOLDER, [LEASE_NAME]);
        throw new StoreUnavailable(
          `another runner (${String(holder[0]?.owner ?? 'none')}) held the migration lease for over ${waitTimeoutMs / 1000} s`,
          'timeout',
        );
      }
      const backoff = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** attempt);
      await sleep(Math.min(backoff * (0.5 + Math.random() / 2), Math.max(0, deadline - Date.now())));
    }
  }

  /** Throws unless the lease still holds, so that no file starts once another runner may have taken over. */
  assertHeld(): void {
    if (this.lost || Date.now() >= this.heldUntil) {
      throw new StoreError('the migration lease expired or was taken over before the migrations finished');
    }
  }

  /**
   * Gives the lease back. A renewal still in flight is not awaited (on a
   * pool of one it waits for this very connection); landing after the
   * release, it matches no row. A lease that cannot be given back (the
   * database is gone) runs out by itself within leaseMs.
   */
  async release(connection: MigrationConnection): Promise<void> {
    this.released = true;
    clearTimeout(this.renewal);
    if (connection.isBroken) return;
    try {
      await connection.query(RELEASE_LEASE, [LEASE_NAME, this.owner]);
    } catch {
      // Nothing to do: see above.
    }
  }

  /**
   * One attempt, in a transaction whose COMMIT decides: on a multi-primary
   * cluster two runners on two nodes can both see their UPDATE match, and
   * certification then fails one COMMIT with 1213. That runner lost and
   * waits like any other.
   */
  private async tryTake(connection: MigrationConnection): Promise<boolean> {
    try {
      return await connection.transaction(async () => {
        await connection.query(ENSURE_LEASE_ROW, [LEASE_NAME]);
        const taken = await connection.query<ResultSetHeader>(TAKE_LEASE, [
          this.owner,
          this.leaseMs * 1000,
          LEASE_NAME,
        ]);
        return taken.affectedRows === 1;
      });
    } catch (error) {
      if (isRetryableError(error)) return false;
      throw error;
    }
  }

  /** Renews on a connection of its own: the migrating one may be busy with a long ALTER. */
  private scheduleRenewal(): void {
    this.renewal = setTimeout(() => {
      void this.renew().then(() => {
        if (!this.released && !this.lost) this.scheduleRenewal();
      });
    }, this.leaseMs / 3);
    this.renewal.unref();
  }

  private async renew(): Promise<void> {
    const askedAt = Date.now();
    try {
      const renewed = await withConnection(this.pool, LEASE_STATEMENT_TIMEOUT_MS, (connection) =>
        connection.query<ResultSetHeader>(RENEW_LEASE, [this.leaseMs * 1000, LEASE_NAME, this.owner]),
      );
      if (renewed.affectedRows === 1) this.heldUntil = askedAt + this.leaseMs;
      else if (!this.released) this.lost = true;
    } catch {
      // A failed renewal is retried at the next period; assertHeld stops the run once the lease may have run out.
    }
  }
}

/** Turns causal reads on where the server has them; elsewhere (MySQL, TiDB) a read already sees every commit. */
async function useCausalReads(connection: MigrationConnection): Promise<boolean> {
  try {
    await connection.query(CAUSAL_READS);
    return true;
  } catch (error) {
    if (serverErrno(error) === ER_UNKNOWN_SYSTEM_VARIABLE) return false;
    throw error;
  }
}

/**
 * The recorded versions, read with causal reads: a node that has not yet
 * applied another node's records would run their files again. The setting
 * is undone before the connection goes back to the pool.
 */
async function appliedVersions(connection: MigrationConnection): Promise<Set<string>> {
  const causal = await useCausalReads(connection);
  try {
    const rows = await connection.query<Rows>(SELECT_APPLIED);
    return new Set(rows.map((row) => String(row.version)));
  } finally {
    if (causal && !connection.isBroken) await connection.query(DEFAULT_READS);
  }
}

async function runStatement(connection: MigrationConnection, statement: string): Promise<void> {
  try {
    await connection.query(statement);
  } catch (error) {
    const errno = serverErrno(error);
    const alreadyApplied =
      errno !== undefined &&
      ALREADY_APPLIED_ERRNOS.has(errno) &&
      ALTER_STYLE.test(statement.replace(LEADING_COMMENTS, ''));
    if (!alreadyApplied) throw error;
  }
}

/** Records `file`; false when another runner already did (it cannot under the lease, but start-up must not fail on it). */
async function recordApplied(connection: MigrationConnection, file: string): Promise<boolean> {
  try {
    await connection.query(RECORD_APPLIED, [file, new Date()]);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

async function applyPending(connection: MigrationConnection, dir: string, lease: MigrationLease): Promise<string[]> {
  const applied = await appliedVersions(connection);
  const recorded: string[] = [];
  for (const file of (await migrationFiles(dir)).filter((name) => !applied.has(name))) {
    lease.assertHeld();
    await runStatement(connection, await readStatement(dir, file));
    if (await recordApplied(connection, file)) recorded.push(file);
  }
  return recorded;
}

async function migrateUnderLease(
  pool: Pool,
  connection: MigrationConnection,
  dir: string,
  options: MigrationOptions,
): Promise<string[]> {
  await connection.query(CREATE_MIGRATIONS_TABLE);
  await connection.query(CREATE_LEASE_TABLE);
  const lease = new MigrationLease(pool, options.leaseMs ?? DEFAULT_LEASE_MS);
  await lease.acquire(connection, options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  try {
    return await applyPending(connection, dir, lease);
  } finally {
    await lease.release(connection);
  }
}

/**
 * Applies the pending migrations of `dir` and returns the file names this
 * runner applied. Runners started together, on one server or on several
 * nodes of a cluster, take turns through the lease, so each file runs once.
 * The lease is renewed on a second connection of `pool`.
 */
export async function applyMigrations(
  pool: Pool,
  dir: string = defaultMigrationsDir(),
  options: MigrationOptions = {},
): Promise<string[]> {
  try {
    return await withConnection(pool, DDL_TIMEOUT_MS, (connection) =>
      migrateUnderLease(pool, connection, dir, options),
    );
  } catch (error) {
    throw toStoreError(error, 'migrations');
  }
}

function databaseName(url: URL): string {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  // The name is spliced into CREATE DATABASE (identifiers cannot be placeholders): allow only plain names.
  if (!DATABASE_NAME.test(name)) {
    throw new StoreError('the database URL must name a database of letters, digits, _ and $ only');
  }
  return name;
}

/** Creates the database named by `databaseUrl` if it is missing. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = databaseName(url);
  url.pathname = '/';
  try {
    const connection = await mysql.createConnection({
      uri: url.toString(),
      connectTimeout: ENSURE_DATABASE_CONNECT_TIMEOUT_MS,
    });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    } finally {
      await connection.end();
    }
  } catch (error) {
    throw toStoreError(error, 'create database');
  }
}
