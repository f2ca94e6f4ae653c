/**
 * A fresh MySQL database with the schema applied, for the store's tests: one
 * per test file, emptied between cases (creating one per case is too slow),
 * with the powers over its data the conformance suite asks of a fixture.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { CodeStore, HoldStore } from '../../src/store/port';
import { MysqlCodeStore } from '../../src/store/mysql/code-store';
import { MysqlHoldStore } from '../../src/store/mysql/hold-store';
import { MysqlRateLimitStore } from '../../src/store/mysql/rate-limit-store';
import { applyMigrations } from '../../src/store/mysql/migrate';
import {
  createMysqlPool,
  type MysqlDatabase,
  type MysqlPoolOptions,
  openMysqlDatabase,
} from '../../src/store/mysql/pool';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TcpProxy } from '../support/tcp-proxy';
import type { ConformanceSubject, JournalRow, LostCommit } from './subject';

const TABLES = ['codes', 'code_events', 'rate_limit_buckets', 'redemptions', 'holds'] as const;
/** What the fixture reads back: every column that a statement could change, in a stable order. */
const ROW_QUERIES = [
  'SELECT HEX(id) AS id, HEX(lookup_key) AS lookup_key, key_version, purpose, scope, grant_payload, created_at, expires_at, starts_at, max_redemptions, max_per_subject, redemption_count, hold_count, used_at, used_by, revoked_at FROM codes ORDER BY id, lookup_key',
  'SELECT HEX(id) AS id, HEX(code_id) AS code_id, HEX(subject) AS subject, redeemed_at, reversed_at, reversal_reason FROM redemptions ORDER BY id',
  'SELECT HEX(id) AS id, HEX(code_id) AS code_id, HEX(subject) AS subject, status, expires_at, settled_at FROM holds ORDER BY id',
];

/** How a (deliberately broken) variant of the adapter is made: its connections, its code store, its hold store. */
export interface AdapterVariant {
  readonly database?: (db: MysqlDatabase) => MysqlDatabase;
  readonly codes?: (db: MysqlDatabase) => CodeStore;
  readonly holds?: (db: MysqlDatabase) => HoldStore;
}

/** Where the fixture's connections go; by default all of them to the test database's own server. */
export interface FixtureConnections {
  /** The stores' connections. */
  database(url: string, options: MysqlPoolOptions): MysqlDatabase;
  /** The fixture's own pool, for reading rows back and emptying tables. */
  pool(url: string, options: MysqlPoolOptions): Pool;
  /** The connections of a store whose next COMMIT is lost: `proxiedUrl` is the server through the losing proxy. */
  lossy(proxiedUrl: string, options: MysqlPoolOptions): MysqlDatabase;
}

const ONE_SERVER: FixtureConnections = {
  database: openMysqlDatabase,
  pool: createMysqlPool,
  lossy: openMysqlDatabase,
};

export interface MysqlFixture {
  readonly database: TestDatabase;
  /** The stores' connections. */
  readonly db: MysqlDatabase;
  /** A plain pool for the tests' own statements. */
  readonly pool: Pool;
  /** Empties every table, and gives back any key a case took away. */
  truncate(): Promise<void>;
  /** A subject for the conformance suite over this database, emptied first; `adapter` may change what it is made of. */
  subject(adapter?: AdapterVariant): Promise<ConformanceSubject>;
  close(): Promise<void>;
}

export async function createMysqlFixture(
  options: Partial<MysqlPoolOptions> & {
    readonly migrate?: boolean;
    /** The cluster suite spreads the connections over its nodes. */
    readonly connections?: FixtureConnections;
  } = {},
): Promise<MysqlFixture> {
  const { migrate = true, connections = ONE_SERVER, ...poolOptions } = options;
  const database = await createTestDatabase('cc_store');
  const pool = connections.pool(database.url, { connectionLimit: 5 });
  if (migrate) await applyMigrations(pool);
  const db = connections.database(database.url, { connectionLimit: 5, ...poolOptions });
  const direct = new URL(database.url);
  const proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 3306) });
  const proxied = new URL(direct);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const lossy: MysqlDatabase[] = [];
  let keysDropped = false;

  const truncate = async (): Promise<void> => {
    for (const table of TABLES) await pool.query(`TRUNCATE TABLE ${table}`);
    if (keysDropped) {
      await pool.query('ALTER TABLE codes ADD PRIMARY KEY (id), ADD UNIQUE KEY uq_codes_lookup_key (lookup_key)');
      keysDropped = false;
    }
    proxy.restore();
  };

  const subject = async (adapter: AdapterVariant = {}): Promise<ConformanceSubject> => {
    await truncate();
    const connect = adapter.database ?? ((on: MysqlDatabase) => on);
    const codes = adapter.codes ?? ((on: MysqlDatabase) => new MysqlCodeStore(on));
    const holds = adapter.holds ?? ((on: MysqlDatabase) => new MysqlHoldStore(on));
    return {
      codes: codes(connect(db)),
      holds: holds(connect(db)),
      rateLimits: new MysqlRateLimitStore(connect(db)),
      rows: async () => Promise.all(ROW_QUERIES.map(async (query) => (await pool.query<RowDataPacket[]>(query))[0])),
      journal: async () => {
        const [rows] = await pool.query<RowDataPacket[]>(
          'SELECT event_type, HEX(code_id) AS code_id, HEX(redemption_id) AS redemption_id, HEX(hold_ref) AS hold_ref, HEX(last_code_id) AS last_code_id, item_count, reason, dispatch_pending FROM code_events ORDER BY id',
        );
        return rows.map(toJournalRow);
      },
      duplicate: async (record) => {
        // Break the schema's guarantee on purpose: without its keys, one id and lookup key can be stored twice.
        if (!keysDropped) await pool.query('ALTER TABLE codes DROP PRIMARY KEY, DROP INDEX uq_codes_lookup_key');
        keysDropped = true;
        await pool.query('INSERT INTO codes SELECT * FROM codes WHERE id = ? LIMIT 1', [
          Buffer.from(record.id.replaceAll('-', ''), 'hex'),
        ]);
      },
      losingNextCommit: async (how: LostCommit) => {
        proxy.restore();
        void proxy.loseNextCommit(how);
        // A statement deadline short enough that the lost connection's wait ends quickly.
        const through = connections.lossy(proxied.toString(), { connectionLimit: 1, statementTimeoutMs: 2000 });
        lossy.push(through);
        return codes(connect(through));
      },
    };
  };

  return {
    database,
    db,
    pool,
    truncate,
    subject,
    close: async () => {
      await Promise.all(lossy.map((through) => through.end().catch(() => undefined)));
      await proxy.close();
      await db.end();
      await pool.end();
      await database.drop();
    },
  };
}

/** Hex ids back to the canonical UUID form the port uses. */
function uuidOrNull(hex: unknown): string | null {
  if (hex === null) return null;
  const text = String(hex).toLowerCase();
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

function toJournalRow(row: RowDataPacket): JournalRow {
  return {
    type: String(row.event_type),
    codeId: uuidOrNull(row.code_id),
    redemptionId: uuidOrNull(row.redemption_id),
    holdRef: uuidOrNull(row.hold_ref),
    lastCodeId: uuidOrNull(row.last_code_id),
    count: row.item_count === null ? null : Number(row.item_count),
    reason: row.reason === null ? null : String(row.reason),
    pending: row.dispatch_pending !== null,
  };
}
