/**
 * Schema migrations: the files of sql/ applied once each, in name order, one
 * statement per file (multi-statements stay off, portability rule 4).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import mysql, { type Pool } from 'mysql2/promise';
import { StoreError, StoreUnavailable } from '../errors';
import { toStoreError } from './errors';
import { type MysqlSession, type Rows, withSession } from './session';

const MIGRATION_FILE = /^\d+_[A-Za-z0-9_-]+\.sql$/;
const DATABASE_NAME = /^[A-Za-z0-9_$]+$/;
const LOCK_NAME = 'claimcheck_migrations';
const LOCK_TIMEOUT_SECONDS = 30;
// GET_LOCK waits up to 30 s and DDL on a large table takes long: far beyond the hot path's statement timeout.
const DDL_TIMEOUT_MS = 120_000;
const ENSURE_DATABASE_CONNECT_TIMEOUT_MS = 3000;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version VARCHAR(255) NOT NULL,
  applied_at DATETIME(3) NOT NULL,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
const SELECT_APPLIED = 'SELECT version FROM schema_migrations';
const RECORD_APPLIED = 'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)';
const GET_LOCK = 'SELECT GET_LOCK(?, ?) AS acquired';
const RELEASE_LOCK = 'SELECT RELEASE_LOCK(?)';

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

async function withMigrationLock<T>(session: MysqlSession, work: () => Promise<T>): Promise<T> {
  const rows = await session.query<Rows>(GET_LOCK, [LOCK_NAME, LOCK_TIMEOUT_SECONDS]);
  if (rows[0]?.acquired !== 1) {
    throw new StoreUnavailable('another process held the migration lock for too long', 'timeout');
  }
  try {
    return await work();
  } finally {
    // A broken connection is destroyed, and the server frees its lock with it.
    if (!session.isBroken) await session.query(RELEASE_LOCK, [LOCK_NAME]);
  }
}

async function appliedVersions(session: MysqlSession): Promise<Set<string>> {
  await session.query(CREATE_MIGRATIONS_TABLE);
  const rows = await session.query<Rows>(SELECT_APPLIED);
  return new Set(rows.map((row) => String(row.version)));
}

async function applyPending(session: MysqlSession, dir: string): Promise<string[]> {
  const applied = await appliedVersions(session);
  const pending = (await migrationFiles(dir)).filter((file) => !applied.has(file));
  for (const file of pending) {
    // DDL commits implicitly in MySQL, so a file and its record cannot share a
    // transaction: a crash in between re-runs the file, which is why every
    // migration is written to be re-runnable (CREATE ... IF NOT EXISTS).
    await session.query(await readStatement(dir, file));
    await session.query(RECORD_APPLIED, [file, new Date()]);
  }
  return pending;
}

/**
 * Applies the pending migrations of `dir` and returns their file names. The
 * named lock (held on one connection for the whole run; start-up only,
 * portability rule 8) keeps servers starting together from racing.
 */
export async function applyMigrations(pool: Pool, dir: string = defaultMigrationsDir()): Promise<string[]> {
  try {
    return await withSession(pool, DDL_TIMEOUT_MS, (session) =>
      withMigrationLock(session, () => applyPending(session, dir)),
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
