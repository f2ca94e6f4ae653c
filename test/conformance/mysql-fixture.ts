/**
 * A fresh MySQL database with the schema applied, for the store's tests: one
 * per test file, emptied between cases (creating one per case is too slow).
 */
import type { Pool } from 'mysql2/promise';
import { applyMigrations } from '../../src/store/mysql/migrate';
import { createMysqlPool, type MysqlPoolOptions } from '../../src/store/mysql/pool';
import { createTestDatabase, type TestDatabase } from '../support/database';

const TABLES = ['codes', 'code_events', 'rate_limit_buckets'] as const;

export interface MysqlFixture {
  readonly database: TestDatabase;
  readonly pool: Pool;
  /** Empties every table of the schema. */
  truncate(): Promise<void>;
  close(): Promise<void>;
}

export async function createMysqlFixture(
  options: Partial<MysqlPoolOptions> & { readonly migrate?: boolean } = {},
): Promise<MysqlFixture> {
  const database = await createTestDatabase('cc_store');
  const pool = createMysqlPool(database.url, { connectionLimit: 5, ...options });
  if (options.migrate ?? true) await applyMigrations(pool);
  return {
    database,
    pool,
    truncate: async () => {
      for (const table of TABLES) await pool.query(`TRUNCATE TABLE ${table}`);
    },
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
