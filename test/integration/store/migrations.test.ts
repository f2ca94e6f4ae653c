import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { StoreError, StoreUnavailable } from '../../../src/store/errors';
import { applyMigrations, defaultMigrationsDir, ensureDatabase } from '../../../src/store/mysql/migrate';
import { createMysqlPool } from '../../../src/store/mysql/pool';
import { createTestDatabase, serverUrl } from '../../support/database';

/** The repository's migrations, in the order they apply. */
const ALL = readdirSync(defaultMigrationsDir())
  .filter((name) => /^\d+_[A-Za-z0-9_-]+\.sql$/.test(name))
  .sort();

async function withFreshPool<T>(work: (pool: mysql.Pool, url: string) => Promise<T>, connectionLimit = 4): Promise<T> {
  const database = await createTestDatabase('cc_migrate');
  const pool = createMysqlPool(database.url, { connectionLimit });
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

/** A folder of migration files, removed after `work`. */
async function withMigrationsDir<T>(files: Record<string, string>, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cc-migrations-'));
  try {
    for (const [name, statement] of Object.entries(files)) await writeFile(path.join(dir, name), statement);
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true });
  }
}

/** Writes the lease row as another runner would hold it, for `ms` more milliseconds (negative: expired). */
async function holdLease(pool: mysql.Pool, owner: string, ms: number): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS schema_migration_lock (
      name VARCHAR(64) NOT NULL, owner VARCHAR(255) NULL, expires_at DATETIME(3) NULL, PRIMARY KEY (name)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
  );
  await pool.query(
    `REPLACE INTO schema_migration_lock (name, owner, expires_at)
     VALUES ('claimcheck_migrations', ?, UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND)`,
    [owner, ms * 1000],
  );
}

async function leaseOwner(pool: mysql.Pool): Promise<string | null> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT owner FROM schema_migration_lock');
  expect(rows).toHaveLength(1);
  return rows[0]!.owner as string | null;
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
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining([
        'code_events',
        'codes',
        'rate_limit_buckets',
        'schema_migration_lock',
        'schema_migrations',
      ]),
    );
    for (const table of tables) expect(table).toEqual({ name: table.name, collation: 'utf8mb4_bin' });
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
  await withMigrationsDir(
    { '001_one.sql': 'CREATE TABLE one (id INT PRIMARY KEY);\n', 'notes.txt': 'not a migration' },
    async (dir) => {
      await withFreshPool(async (pool) => {
        expect(await applyMigrations(pool, dir)).toEqual(['001_one.sql']);
        await writeFile(path.join(dir, '002_two.sql'), 'CREATE TABLE two (id INT PRIMARY KEY)');
        expect(await applyMigrations(pool, dir)).toEqual(['002_two.sql']);
      });
    },
  );
});

it('reports a failing migration as a StoreError without recording it, and releases the lease', async () => {
  await withMigrationsDir({ '001_bad.sql': 'CREATE TABLE broken (' }, async (dir) => {
    await withFreshPool(async (pool) => {
      await expect(applyMigrations(pool, dir)).rejects.toBeInstanceOf(StoreError);
      expect(await recordedVersions(pool)).toEqual([]);
      expect(await leaseOwner(pool)).toBeNull();
    });
  });
});

describe('the migration lease', () => {
  it('is given back when the migrations are done', async () => {
    await withFreshPool(async (pool) => {
      await applyMigrations(pool);
      expect(await leaseOwner(pool)).toBeNull();
    });
  });

  it('makes a runner wait while another holds it, then fail with a message naming the holder', async () => {
    await withFreshPool(async (pool) => {
      await holdLease(pool, 'host-b:4242:other-runner', 60_000);
      const started = Date.now();
      const failure = applyMigrations(pool, undefined, { waitTimeoutMs: 500 });
      await expect(failure).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(failure).rejects.toThrow(/host-b:4242:other-runner.*migration lease/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(await recordedVersions(pool)).toEqual([]);
      expect(await leaseOwner(pool)).toBe('host-b:4242:other-runner');
    });
  });

  it('is taken over once the lease of a runner that crashed holding it has run out', async () => {
    await withFreshPool(async (pool) => {
      await holdLease(pool, 'crashed-runner', 1000);
      const started = Date.now();
      expect(await applyMigrations(pool, undefined, { waitTimeoutMs: 10_000 })).toEqual(ALL);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(await recordedVersions(pool)).toEqual(ALL);
      expect(await leaseOwner(pool)).toBeNull();
    });
  });

  it("is taken at once when the crashed runner's lease has already run out", async () => {
    await withFreshPool(async (pool) => {
      await holdLease(pool, 'crashed-runner', -1000);
      const started = Date.now();
      expect(await applyMigrations(pool, undefined, { waitTimeoutMs: 0 })).toEqual(ALL);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  it('is renewed while a migration outlasts it, so no other runner starts the same file', async () => {
    // 002 takes 2 s under a 600 ms lease: without renewal the second runner
    // would take over mid-file and insert a second row.
    await withMigrationsDir(
      {
        '001_runs.sql': 'CREATE TABLE runs (id INT AUTO_INCREMENT PRIMARY KEY, slept INT NOT NULL)',
        '002_slow.sql': 'INSERT INTO runs (slept) SELECT SLEEP(2)',
      },
      async (dir) => {
        await withFreshPool(async (pool, url) => {
          const other = createMysqlPool(url, { connectionLimit: 2 });
          try {
            const options = { leaseMs: 600, waitTimeoutMs: 10_000 };
            const first = applyMigrations(pool, dir, options);
            await new Promise((resolve) => setTimeout(resolve, 300));
            const second = applyMigrations(other, dir, options);
            const results = await Promise.all([first, second]);
            expect(results).toEqual([['001_runs.sql', '002_slow.sql'], []]);
            const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS runs FROM runs');
            expect(Number(rows[0]!.runs)).toBe(1);
          } finally {
            await other.end();
          }
        });
      },
    );
  });
});

describe('ALTER-style migrations', () => {
  const FILES = {
    '001_items.sql': 'CREATE TABLE items (id INT PRIMARY KEY, legacy INT NULL)',
    '002_add_column.sql': '-- a column for the new state\nALTER TABLE items ADD COLUMN state INT NULL;\n',
    '003_add_index.sql': 'ALTER TABLE items ADD INDEX ix_items_state (state)',
    '004_drop_column.sql': '/* gone */ ALTER TABLE items DROP COLUMN legacy',
    '005_create_index.sql': 'CREATE INDEX ix_items_state_id ON items (state, id)',
  };

  it('are taken as applied when re-run after a crash between the change and its record', async () => {
    await withMigrationsDir(FILES, async (dir) => {
      await withFreshPool(async (pool) => {
        expect(await applyMigrations(pool, dir)).toEqual(Object.keys(FILES));
        // DDL commits implicitly: a crash before each record leaves the change made but not recorded.
        await pool.query("DELETE FROM schema_migrations WHERE version <> '001_items.sql'");
        expect(await applyMigrations(pool, dir)).toEqual(Object.keys(FILES).slice(1));
        expect(await recordedVersions(pool)).toEqual(Object.keys(FILES));
        const [columns] = await pool.query<RowDataPacket[]>(
          "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'items' ORDER BY ordinal_position",
        );
        expect(columns.map((column) => column.name)).toEqual(['id', 'state']);
      });
    });
  });

  it('still fail on any other error, and a CREATE TABLE with a duplicate column still fails', async () => {
    const cases = {
      '001_duplicate_column.sql': 'CREATE TABLE twice (id INT PRIMARY KEY, id INT)',
      '001_missing_table.sql': 'ALTER TABLE missing ADD COLUMN state INT NULL',
    };
    for (const [name, statement] of Object.entries(cases)) {
      await withMigrationsDir({ [name]: statement }, async (dir) => {
        await withFreshPool(async (pool) => {
          await expect(applyMigrations(pool, dir)).rejects.toBeInstanceOf(StoreError);
          expect(await recordedVersions(pool)).toEqual([]);
        });
      });
    }
  });
});

it('reads with causal reads where the server has them, and gives the connection back as it found it', async () => {
  await withFreshPool(async (pool) => {
    expect(await applyMigrations(pool)).toEqual(ALL);
    const [variables] = await pool.query<RowDataPacket[]>("SHOW VARIABLES LIKE 'wsrep_sync_wait'");
    if (variables.length === 0) return; // MySQL: no such variable, and applyMigrations took that as "not needed".
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT @@SESSION.wsrep_sync_wait AS session, @@GLOBAL.wsrep_sync_wait AS global',
    );
    expect(rows[0]!.session).toBe(rows[0]!.global);
  }, 1);
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
