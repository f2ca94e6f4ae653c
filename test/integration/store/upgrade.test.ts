/**
 * Version 2's migrations, applied in place to a database that version 1 made
 * and used: every code keeps its state, each used code gets its redemption
 * record (history from day one), and an idempotent retry of a version 1
 * redemption still replays.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { applyMigrations, defaultMigrationsDir } from '../../../src/store/mysql/migrate';
import { createMysqlPool, openMysqlDatabase, type MysqlDatabase } from '../../../src/store/mysql/pool';
import type { ClaimToken, CodeId, LookupKey, RedemptionId } from '../../../src/store/port';
import { createTestDatabase, type TestDatabase } from '../../support/database';

const VERSION_1 = ['001_codes.sql', '002_code_events.sql', '003_rate_limit_buckets.sql'];
const NOW = new Date('2026-11-30T12:00:00.000Z');

let database: TestDatabase;
let pool: Pool;
let db: MysqlDatabase;
let folder: string;

interface V1Code {
  readonly id: CodeId;
  readonly lookupKey: LookupKey;
  readonly used?: { at: Date; by: string | null; token: Buffer };
  readonly revokedAt?: Date;
  readonly expiresAt: Date;
}

function uuid(n: number): CodeId {
  return `0192f000-0000-7000-8000-${String(n).padStart(12, '0')}` as CodeId;
}

function bytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function key(n: number): LookupKey {
  return createHash('sha256').update(`lookup-${n}`).digest() as LookupKey;
}

const TOKEN = createHash('sha256').update('a version 1 claim token').digest();
const CODES: Record<string, V1Code> = {
  used: {
    id: uuid(1),
    lookupKey: key(1),
    used: { at: new Date('2026-11-29T10:00:00.000Z'), by: 'alice', token: TOKEN },
    expiresAt: new Date('2026-12-30T00:00:00.000Z'),
  },
  usedThenExpired: {
    id: uuid(2),
    lookupKey: key(2),
    used: { at: new Date('2026-11-01T10:00:00.000Z'), by: null, token: createHash('sha256').update('t2').digest() },
    expiresAt: new Date('2026-11-02T00:00:00.000Z'),
  },
  revoked: {
    id: uuid(3),
    lookupKey: key(3),
    revokedAt: new Date('2026-11-29T11:00:00.000Z'),
    expiresAt: new Date('2026-12-30T00:00:00.000Z'),
  },
  expired: { id: uuid(4), lookupKey: key(4), expiresAt: new Date('2026-11-01T00:00:00.000Z') },
  fresh: { id: uuid(5), lookupKey: key(5), expiresAt: new Date('2026-12-30T00:00:00.000Z') },
};

beforeAll(async () => {
  database = await createTestDatabase('cc_upgrade');
  pool = createMysqlPool(database.url, { connectionLimit: 2 });
  folder = await mkdtemp(path.join(tmpdir(), 'cc-v1-'));
  for (const file of VERSION_1) await copyFile(path.join(defaultMigrationsDir(), file), path.join(folder, file));
  expect(await applyMigrations(pool, folder)).toEqual(VERSION_1);
  for (const code of Object.values(CODES)) {
    await pool.query(
      'INSERT INTO codes (id, lookup_key, key_version, purpose, scope, grant_payload, created_at, expires_at, used_at, used_by, claim_token_hash, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        bytes(code.id),
        code.lookupKey,
        'v1',
        'invite',
        'club',
        'seat',
        new Date('2026-10-01T00:00:00.000Z'),
        code.expiresAt,
        code.used?.at ?? null,
        code.used?.by ?? null,
        code.used?.token ?? null,
        code.revokedAt ?? null,
      ],
    );
  }
  await pool.query("INSERT INTO code_events (event_type, code_id, occurred_at) VALUES ('redeemed', ?, ?)", [
    bytes(CODES.used!.id),
    CODES.used!.used!.at,
  ]);
  const applied = await applyMigrations(pool);
  expect(applied).toEqual(
    (await readdir(defaultMigrationsDir()))
      .filter((file) => /^\d+_.*\.sql$/.test(file) && !VERSION_1.includes(file))
      .sort(),
  );
  db = openMysqlDatabase(database.url, { connectionLimit: 2 });
});

afterAll(async () => {
  await db?.end();
  await pool?.end();
  await database?.drop();
  await rm(folder, { recursive: true, force: true });
});

it('keeps every code with its state', async () => {
  const store = new MysqlCodeStore(db);
  const states = await Promise.all(
    Object.entries(CODES).map(async ([name, code]) => [name, await store.getCode(code.id, null, NOW)] as const),
  );
  expect(
    Object.fromEntries(
      states.map(([name, code]) => [
        name,
        code && {
          count: code.redemptionCount,
          max: code.maxRedemptions,
          usedBy: code.usedBy,
          revoked: code.revokedAt !== null,
        },
      ]),
    ),
  ).toEqual({
    used: { count: 1, max: 1, usedBy: 'alice', revoked: false },
    usedThenExpired: { count: 1, max: 1, usedBy: null, revoked: false },
    revoked: { count: 0, max: 1, usedBy: null, revoked: true },
    expired: { count: 0, max: 1, usedBy: null, revoked: false },
    fresh: { count: 0, max: 1, usedBy: null, revoked: false },
  });
  expect(await store.countByState({ scope: 'club' }, NOW)).toEqual({
    redeemable: 1,
    used: 2,
    revoked: 1,
    expired: 1,
    scheduled: 0,
    redemptions: 2,
  });
});

it('gives each used code its redemption record, and keeps its claim token for replays', async () => {
  const store = new MysqlCodeStore(db);
  const history = await store.listRedemptions(CODES.used!.id, 10, null);
  expect(history.items).toEqual([
    {
      id: CODES.used!.id,
      codeId: CODES.used!.id,
      subject: 'alice',
      redeemedAt: CODES.used!.used!.at,
      reversedAt: null,
      reversalReason: null,
      holdRef: null,
    },
  ]);
  expect((await store.findRedemptionByToken(CODES.used!.id, TOKEN as ClaimToken))?.id).toBe(CODES.used!.id);
  expect(await store.getRedemption(CODES.usedThenExpired!.id as unknown as RedemptionId, null)).toMatchObject({
    subject: null,
  });
  const [pending] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM redemptions WHERE dispatch_pending IS NOT NULL',
  );
  expect(Number(pending[0]!.n)).toBe(0);
});

it('leaves used codes used and fresh ones redeemable', async () => {
  const store = new MysqlCodeStore(db);
  const claim = (code: V1Code) =>
    store.claimCode({
      codeId: code.id,
      lookupKey: code.lookupKey,
      now: NOW,
      subject: 'bob',
      scope: 'club',
      purpose: 'invite',
      claimToken: createHash('sha256').update(`claim-${code.id}`).digest() as ClaimToken,
      redemptionId: `0192f000-0000-7000-9000-${code.id.slice(-12)}` as RedemptionId,
    });
  expect((await claim(CODES.used!)).kind).toBe('lost');
  expect((await claim(CODES.revoked!)).kind).toBe('lost');
  expect((await claim(CODES.fresh!)).kind).toBe('won');
});

it('drops the claim token from codes, so that a version 1 instance still running cannot claim behind the counter', async () => {
  const [columns] = await pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'codes' AND column_name = 'claim_token_hash'",
  );
  expect(Number(columns[0]!.n)).toBe(0);
});
