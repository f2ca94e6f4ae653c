/** A CodeService on the real database: a fresh one per call, dropped on close. */
import { randomBytes } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import { KeyRing, hmacKey } from '../../src/codes/keyring';
import { codePolicy } from '../../src/codes/policy';
import { CodeService, type CodeServiceDeps } from '../../src/codes/service';
import type { AttemptOutcome, RandomBytes, RateLimitSettings } from '../../src/codes/types';
import { MysqlAuditLog } from '../../src/store/mysql/audit-log';
import { MysqlCodeStore } from '../../src/store/mysql/code-store';
import { applyMigrations } from '../../src/store/mysql/migrate';
import { createMysqlPool } from '../../src/store/mysql/pool';
import { MysqlRateLimitStore } from '../../src/store/mysql/rate-limit-store';
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
  readonly connectionLimit?: number;
}

export interface TestService {
  readonly database: TestDatabase;
  readonly pool: Pool;
  readonly clock: ManualClock;
  readonly outcomes: AttemptOutcome[];
  readonly deps: CodeServiceDeps;
  /** The same database and clock under other options (e.g. a rotated key ring). */
  service(options?: ServiceOptions): CodeService;
  close(): Promise<void>;
}

export async function openTestService(): Promise<TestService> {
  const database = await createTestDatabase('cc_service');
  const pool = createMysqlPool(database.url, { connectionLimit: 60 });
  await applyMigrations(pool);
  const clock = new ManualClock();
  const outcomes: AttemptOutcome[] = [];
  const build = (options: ServiceOptions = {}): CodeServiceDeps => ({
    store: new MysqlCodeStore(pool),
    rateLimits: new MysqlRateLimitStore(pool),
    audit: new MysqlAuditLog(pool),
    keyRing: options.keyRing ?? KeyRing.of([TEST_KEYS.v1]),
    policy: codePolicy(options.codeLength ?? 8, 3600),
    clock,
    random: options.random ?? randomBytes,
    rateLimit: { ...TEST_RATE_LIMIT, ...options.rateLimit },
    maxBatch: 10000,
    observer: { attempt: (_operation, outcome) => void outcomes.push(outcome) },
  });
  return {
    database,
    pool,
    clock,
    outcomes,
    deps: build(),
    service: (options) => new CodeService(build(options)),
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}
