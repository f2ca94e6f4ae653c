/**
 * The state rule lives in src/codes/state.ts; the store states it again in
 * SQL for filters and counts (src/store/mysql/code-sql.ts). Both are
 * evaluated here on the same rows, every combination of the facts the rule
 * reads, and must agree row by row.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { codeState } from '../../../src/codes/state';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import type { CodeId, CodeState } from '../../../src/store/port';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const earlier = new Date(NOW.getTime() - 1000);
const later = new Date(NOW.getTime() + 1000);
const STATES: readonly CodeState[] = ['REDEEMABLE', 'USED', 'REVOKED', 'EXPIRED', 'SCHEDULED'];

let fixture: MysqlFixture;

beforeAll(async () => {
  fixture = await createMysqlFixture();
});

afterAll(async () => {
  await fixture.close();
});

interface Facts {
  readonly revokedAt: Date | null;
  readonly uses: readonly [redeemed: number, max: number];
  /** Holds on the code: live ones count, expired ones (still active, not yet swept) do not. */
  readonly holds: { readonly live: number; readonly expired: number };
  readonly expiresAt: Date;
  readonly startsAt: Date | null;
}

function combinations(): Facts[] {
  const all: Facts[] = [];
  for (const revokedAt of [null, earlier])
    for (const uses of [
      [0, 1],
      [1, 1],
      [1, 3],
      [3, 3],
      [0, 2],
    ] as const)
      for (const holds of [
        { live: 0, expired: 0 },
        { live: 1, expired: 0 },
        { live: 0, expired: 1 },
        { live: 1, expired: 1 },
      ])
        for (const expiresAt of [later, NOW, earlier])
          for (const startsAt of [null, earlier, NOW, later]) all.push({ revokedAt, uses, holds, expiresAt, startsAt });
  return all;
}

async function store(facts: Facts): Promise<CodeId> {
  const id = uuidv7() as CodeId;
  const bin = Buffer.from(id.replaceAll('-', ''), 'hex');
  const holdCount = facts.holds.live + facts.holds.expired;
  await fixture.pool.query(
    'INSERT INTO codes (id, lookup_key, key_version, created_at, expires_at, starts_at, max_redemptions, redemption_count, hold_count, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      bin,
      randomBytes(32),
      'v1',
      earlier,
      facts.expiresAt,
      facts.startsAt,
      facts.uses[1],
      facts.uses[0],
      holdCount,
      facts.revokedAt,
    ],
  );
  const holds = [...Array(facts.holds.live).fill(later), ...Array(facts.holds.expired).fill(earlier)] as Date[];
  for (const expiresAt of holds) {
    await fixture.pool.query(
      "INSERT INTO holds (id, hold_key, key_version, code_id, created_at, expires_at, status, claim_token_hash) VALUES (?, ?, 'v1', ?, ?, ?, 'active', ?)",
      [Buffer.from(uuidv7().replaceAll('-', ''), 'hex'), randomBytes(32), bin, earlier, expiresAt, randomBytes(32)],
    );
  }
  return id;
}

it('gives every combination of facts the same state in SQL and in the domain', async () => {
  const codes = new MysqlCodeStore(fixture.db);
  const stored = new Map<CodeId, Facts>();
  for (const facts of combinations()) stored.set(await store(facts), facts);

  const domain = new Map<CodeId, CodeState>();
  for (const id of stored.keys()) {
    const metadata = (await codes.getCode(id, null, NOW))!;
    domain.set(id, codeState(metadata, NOW));
  }
  const sql = new Map<CodeId, CodeState>();
  for (const state of STATES) {
    for (const item of (await codes.listCodes({ state }, NOW, 500, null)).items) {
      expect(sql.has(item.id)).toBe(false);
      sql.set(item.id, state);
    }
  }
  const disagreements = [...stored]
    .filter(([id]) => domain.get(id) !== sql.get(id))
    .map(([id, facts]) => ({ facts, domain: domain.get(id), sql: sql.get(id) }));
  expect(disagreements).toEqual([]);
  expect(sql.size).toBe(stored.size);

  const tally = (state: CodeState) => [...domain.values()].filter((value) => value === state).length;
  const counts = await codes.countByState({}, NOW);
  expect(counts).toMatchObject({
    redeemable: tally('REDEEMABLE'),
    used: tally('USED'),
    revoked: tally('REVOKED'),
    expired: tally('EXPIRED'),
    scheduled: tally('SCHEDULED'),
  });
  // Every state occurs, so the check above compared something for each.
  for (const state of STATES) expect(tally(state)).toBeGreaterThan(0);
  process.stdout.write(
    `state agreement: ${stored.size} combinations, ${STATES.map((state) => `${state} ${tally(state)}`).join(', ')}\n`,
  );
});

it('finds for redemption exactly the codes the domain calls REDEEMABLE', async () => {
  const codes = new MysqlCodeStore(fixture.db);
  await fixture.truncate();
  for (const facts of combinations()) {
    const id = await store(facts);
    const [row] = (
      await fixture.pool.query('SELECT lookup_key FROM codes WHERE id = ?', [
        Buffer.from(id.replaceAll('-', ''), 'hex'),
      ])
    )[0] as { lookup_key: Buffer }[];
    const found = await codes.findRedeemable(
      [{ lookupKey: row!.lookup_key as never, keyVersion: 'v1' as never }],
      NOW,
      { scope: null, purpose: null },
    );
    const state = codeState((await codes.getCode(id, null, NOW))!, NOW);
    expect([facts, found !== null]).toEqual([facts, state === 'REDEEMABLE']);
  }
}, 60_000);
