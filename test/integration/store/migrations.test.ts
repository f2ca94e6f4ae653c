import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { StoreError } from '../../../src/store/errors';
import { applyMigrations, defaultMigrationsDir, ensureDatabase } from '../../../src/store/mysql/migrate';
import { createMysqlPool } from '../../../src/store/mysql/pool';
import { createTestDatabase, serverUrl } from '../../support/database';

const ALL = ['001_codes.sql', '002_code_events.sql', '003_rate_limit_buckets.sql'];

async function withFreshPool<T>(work: (pool: mysql.Pool, url: string) => Promise<T>): Promise<T> {
  const database = await createTestDatabase('cc_migrate');
  const pool = createMysqlPool(database.url, { connectionLimit: 4 });
  try {
    return await work(pool, database.url);
  } finally {
    await pool.end();
    await database.drop();
  }
}

async function recordedVersions(pool: mysql.Pool): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT version FROM schema_migrations ORDER BY version');
  return rows.map((row) => String(row.version));
}

it('finds the repository sql/ folder from the source tree and from a built tree', () => {
  const root = path.resolve(__dirname, '../../..');
  expect(defaultMigrationsDir()).toBe(path.join(root, 'sql'));
  expect(defaultMigrationsDir(path.join(root, 'dist/src/store/mysql'))).toBe(path.join(root, 'sql'));
});

it('applies every file once, in order, and records it', async () => {
  await withFreshPool(async (pool) => {
    expect(await applyMigrations(pool)).toEqual(ALL);
    expect(await applyMigrations(pool)).toEqual([]);
    expect(await recordedVersions(pool)).toEqual(ALL);
    const [tables] = await pool.query<RowDataPacket[]>(
      'SELECT table_name AS name, table_collation AS collation FROM information_schema.tables WHERE table_schema = DATABASE()',
    );
    expect(tables.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
      ['code_events', 'codes', 'rate_limit_buckets', 'schema_migrations'].map((name) => ({
        name,
        collation: 'utf8mb4_bin',
      })),
    );
  });
});

it('applies each file exactly once when two runners race', async () => {
  await withFreshPool(async (pool, url) => {
    const other = createMysqlPool(url, { connectionLimit: 2 });
    try {
      const results = await Promise.all([applyMigrations(pool), applyMigrations(other)]);
      expect(results.flat().sort()).toEqual(ALL);
      expect(await recordedVersions(pool)).toEqual(ALL);
    } finally {
      await other.end();
    }
  });
});

it('applies only files it has not recorded, from any folder', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-migrations-'));
  try {
    await writeFile(path.join(dir, '001_one.sql'), 'CREATE TABLE one (id INT PRIMARY KEY);\n');
    await writeFile(path.join(dir, 'notes.txt'), 'not a migration');
    await withFreshPool(async (pool) => {
      expect(await applyMigrations(pool, dir)).toEqual(['001_one.sql']);
      await writeFile(path.join(dir, '002_two.sql'), 'CREATE TABLE two (id INT PRIMARY KEY)');
      expect(await applyMigrations(pool, dir)).toEqual(['002_two.sql']);
    });
  } finally {
    await rm(dir, { recursive: true });
  }
});

it('reports a failing migration as a StoreError without recording it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-migrations-'));
  try {
    await writeFile(path.join(dir, '001_bad.sql'), 'CREATE TABLE broken (');
    await withFreshPool(async (pool) => {
      await expect(applyMigrations(pool, dir)).rejects.toBeInstanceOf(StoreError);
      expect(await recordedVersions(pool)).toEqual([]);
    });
  } finally {
    await rm(dir, { recursive: true });
  }
});

describe('ensureDatabase', () => {
  it('creates a missing database, and accepts one that exists', async () => {
    const name = `cc_ensure_${Date.now()}`;
    const url = new URL(serverUrl());
    url.pathname = `/${name}`;
    try {
      await ensureDatabase(url.toString());
      await ensureDatabase(url.toString());
      const admin = await mysql.createConnection({ uri: serverUrl() });
      try {
        const [rows] = await admin.query<RowDataPacket[]>(
          'SELECT default_collation_name AS collation FROM information_schema.schemata WHERE schema_name = ?',
          [name],
        );
        expect(rows).toEqual([{ collation: 'utf8mb4_bin' }]);
      } finally {
        await admin.end();
      }
    } finally {
      const admin = await mysql.createConnection({ uri: serverUrl() });
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    }
  });

  it('refuses a database name that would need quoting', async () => {
    const url = new URL(serverUrl());
    url.pathname = '/bad%60name';
    await expect(ensureDatabase(url.toString())).rejects.toBeInstanceOf(StoreError);
    url.pathname = '/';
    await expect(ensureDatabase(url.toString())).rejects.toBeInstanceOf(StoreError);
  });
});
