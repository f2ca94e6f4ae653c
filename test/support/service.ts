/** The domain's use cases on the real database: a fresh database per call, dropped on close. */
import { randomBytes } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { KeyRing, hmacKey } from '../../src/codes/keyring';
import { codePolicy } from '../../src/codes/policy';
import { type CodeServices, type CodeServicesDeps, createCodeServices } from '../../src/codes/services';
import type {
  AttemptOperation,
  AttemptOutcome,
  IssueOptions,
  RandomBytes,
  RateLimitSettings,
} from '../../src/codes/types';
import { MysqlCodeStore } from '../../src/store/mysql/code-store';
import { MysqlHoldStore } from '../../src/store/mysql/hold-store';
import { MysqlAuditLog } from '../../src/store/mysql/journal';
import { applyMigrations } from '../../src/store/mysql/migrate';
import { createMysqlPool, type MysqlDatabase, openMysqlDatabase } from '../../src/store/mysql/pool';
import { MysqlRateLimitStore } from '../../src/store/mysql/rate-limit-store';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/ops/logger';
import { openServices, type Services } from '../../src/server/services';
import { ManualClock } from './clock';
import { createTestDatabase, type TestDatabase } from './database';

export const TEST_KEYS = {
  v1: hmacKey('v1', Buffer.alloc(32, 1)),
  v2: hmacKey('v2', Buffer.alloc(32, 2)),
};

export const TEST_RATE_LIMIT: RateLimitSettings = {
  maxFailures: 10,
  windowSeconds: 300,
  scopeMaxFailures: 1000,
  failOpen: false,
};

export interface ServiceOptions {
  readonly keyRing?: KeyRing;
  readonly codeLength?: number;
  readonly rateLimit?: Partial<RateLimitSettings>;
  readonly random?: RandomBytes;
}

export interface TestService {
  readonly database: TestDatabase;
  readonly db: MysqlDatabase;
  /** A plain pool onto the database, for the tests' own reads. */
  readonly pool: Pool;
  readonly clock: ManualClock;
  readonly outcomes: { operation: AttemptOperation; outcome: AttemptOutcome }[];
  readonly deps: CodeServicesDeps;
  /** The same database and clock under other options (e.g. a rotated key ring). */
  services(options?: ServiceOptions): CodeServices;
  close(): Promise<void>;
}

/** Issue options with everything absent but what is given. */
export function issueOptions(options: Partial<IssueOptions> = {}): IssueOptions {
  return {
    purpose: null,
    scope: null,
    grant: null,
    ttlSeconds: null,
    expiresAt: null,
    startsAt: null,
    maxRedemptions: null,
    maxRedemptionsPerSubject: null,
    ...options,
  };
}

export async function openTestService(): Promise<TestService> {
  const database = await createTestDatabase('cc_service');
  const pool = createMysqlPool(database.url, { connectionLimit: 8 });
  await applyMigrations(pool);
  const db = openMysqlDatabase(database.url, { connectionLimit: 60 });
  const clock = new ManualClock();
  const outcomes: TestService['outcomes'] = [];
  const build = (options: ServiceOptions = {}): CodeServicesDeps => ({
    store: new MysqlCodeStore(db),
    holds: new MysqlHoldStore(db),
    rateLimits: new MysqlRateLimitStore(db),
    audit: new MysqlAuditLog(db),
    keyRing: options.keyRing ?? KeyRing.of([TEST_KEYS.v1]),
    policy: codePolicy(options.codeLength ?? 8, 3600),
    clock,
    random: options.random ?? randomBytes,
    rateLimit: { ...TEST_RATE_LIMIT, ...options.rateLimit },
    maxBatch: 10000,
    observer: { attempt: (operation, outcome) => void outcomes.push({ operation, outcome }) },
  });
  return {
    database,
    db,
    pool,
    clock,
    outcomes,
    deps: build(),
    services: (options) => createCodeServices(build(options)),
    close: async () => {
      await db.end();
      await pool.end();
      await database.drop();
    },
  };
}

/** The internal reasons of the refused attempts, oldest first (the journal's redeem_failed entries). */
export async function refusalReasons(pool: Pool): Promise<string[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT reason FROM code_events WHERE event_type = 'redeem_failed' ORDER BY id",
  );
  return rows.map((row) => String(row.reason));
}

/**
 * The use cases as the server and the CLI wire them from an operator's
 * environment (DATABASE_URL, CODE_HMAC_KEYS, ...), without background work:
 * for the public operations (redeem, hold) beside what a CLI test runs.
 */
export function servicesFromEnv(env: NodeJS.ProcessEnv): Promise<Services> {
  return openServices(loadConfig(env), createLogger('warn', process.stderr), { background: false });
}
