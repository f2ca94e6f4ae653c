/** Holds through the domain on the real database: the invariant under races, expiry with an injected clock, capabilities. */
import type { RowDataPacket } from 'mysql2/promise';
import type { CodeServices } from '../../../src/codes/services';
import type { HoldRequest, HoldResult, IssueOptions, RedeemRequest } from '../../../src/codes/types';
import { issueOptions, openTestService, refusalReasons, type TestService } from '../../support/service';

let env: TestService;
let codes: CodeServices;

beforeAll(async () => {
  env = await openTestService();
  codes = env.services();
});
afterAll(() => env.close());

let clients = 0;
const client = () => ({ clientKey: `hold-client-${++clients}` });

function holdRequest(code: string, overrides: Partial<HoldRequest> = {}): HoldRequest {
  return {
    code,
    subject: 'cart-1',
    purpose: null,
    scope: null,
    idempotencyKey: null,
    ttlSeconds: null,
    client: client(),
    ...overrides,
  };
}

function redeemRequest(code: string, overrides: Partial<RedeemRequest> = {}): RedeemRequest {
  return { code, subject: 'buyer', purpose: null, scope: null, idempotencyKey: null, client: client(), ...overrides };
}

const issue = (options: Partial<IssueOptions> = {}) =>
  codes.admin.issue(issueOptions({ grant: 'free shipping', ...options }));
const hold = (code: string, overrides: Partial<HoldRequest> = {}) => codes.holds.hold(holdRequest(code, overrides));
const confirm = (holdId: string) => codes.holds.confirm({ holdId, client: client() });
const release = (holdId: string) => codes.holds.release({ holdId, client: client() });

function holdIdOf(result: HoldResult): string {
  if (result.kind !== 'held') throw new Error(`expected a hold, got ${JSON.stringify(result)}`);
  return result.hold.holdId;
}

const INVALID = { kind: 'failure', reason: 'INVALID_OR_EXPIRED' };

describe('the invariant', () => {
  test('100 concurrent holdCode calls on a 5-use code give exactly 5 holds', async () => {
    const { code, record } = await issue({ maxRedemptions: 5 });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) => hold(code, { subject: `cart-${index}` })),
    );
    expect(results.filter((result) => result.kind === 'held')).toHaveLength(5);
    expect(await codes.admin.get(record.id, null)).toMatchObject({ state: 'USED', heldCount: 5, redemptionCount: 0 });
    expect((await codes.redeemer.redeem(redeemRequest(code))).kind).toBe('failure');
  }, 30_000);

  test('holds and redemptions racing for the last uses never exceed maxRedemptions', async () => {
    const { code, record } = await issue({ maxRedemptions: 6 });
    const racers = Array.from({ length: 60 }, (_, index) =>
      index % 2 === 0
        ? hold(code, { subject: `h-${index}` }).then((result) => result.kind === 'held')
        : codes.redeemer
            .redeem(redeemRequest(code, { subject: `r-${index}` }))
            .then((result) => result.kind === 'redeemed'),
    );
    expect((await Promise.all(racers)).filter(Boolean)).toHaveLength(6);
    const after = await codes.admin.get(record.id, null);
    expect(after!.heldCount + after!.redemptionCount).toBe(6);
  }, 30_000);

  test('a subject’s holds count toward its per-subject limit', async () => {
    const { code } = await issue({ maxRedemptions: 10, maxRedemptionsPerSubject: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => hold(code, { subject: 'same-cart' })));
    expect(results.filter((result) => result.kind === 'held')).toHaveLength(1);
    expect((await codes.redeemer.redeem(redeemRequest(code, { subject: 'same-cart' }))).kind).toBe('failure');
    expect((await refusalReasons(env.pool)).at(-1)).toBe('redeem:SUBJECT_LIMIT');
    expect(await hold(code, { subject: null })).toEqual(INVALID);
  });

  test('a concurrent confirm and release of one hold have exactly one winner', async () => {
    for (let round = 0; round < 10; round++) {
      const { code, record } = await issue();
      const holdId = holdIdOf(await hold(code));
      const [confirmed, released] = await Promise.all([confirm(holdId), release(holdId)]);
      expect([confirmed.kind === 'redeemed', released.released].filter(Boolean)).toHaveLength(1);
      const after = await codes.admin.get(record.id, null);
      expect(after).toMatchObject(
        confirmed.kind === 'redeemed' ? { redemptionCount: 1, heldCount: 0 } : { redemptionCount: 0, heldCount: 0 },
      );
    }
  }, 30_000);

  test('many concurrent confirms of one hold make one redemption, and every one of them gets it', async () => {
    const { code, record } = await issue();
    const holdId = holdIdOf(await hold(code));
    const results = await Promise.all(Array.from({ length: 15 }, () => confirm(holdId)));
    const ids = new Set(results.map((result) => (result.kind === 'redeemed' ? result.redemption.id : 'failed')));
    expect([...ids]).toHaveLength(1);
    expect(ids.has('failed')).toBe(false);
    expect((await codes.admin.get(record.id, null))?.redemptionCount).toBe(1);
  });
});

describe('confirm and release', () => {
  test('confirm turns the hold into a redemption with the grant; confirming again returns the same redemption', async () => {
    const { code, record } = await issue({ purpose: 'checkout', maxRedemptions: 2 });
    const held = await hold(code, { purpose: 'checkout', subject: 'order-7' });
    expect(held).toMatchObject({
      kind: 'held',
      hold: { codeId: record.id, grant: 'free shipping', subject: 'order-7' },
    });
    const holdId = holdIdOf(held);
    expect(holdId).toMatch(/^hold_[A-Za-z0-9_-]{32}$/);
    const first = await confirm(holdId);
    expect(first).toMatchObject({
      kind: 'redeemed',
      redemption: { codeId: record.id, subject: 'order-7', grant: 'free shipping' },
    });
    expect(await confirm(holdId)).toEqual(first);
    expect(await release(holdId)).toEqual({ released: false });
    expect((await refusalReasons(env.pool)).at(-1)).toBe('release:CONFIRMED');
    const history = await codes.admin.redemptions(record.id, { first: 10, after: null });
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ holdRef: expect.any(String) });
  });

  test('a confirmed hold is a redemption like any other: reversible, and then not replayed', async () => {
    const { code, record } = await issue();
    const holdId = holdIdOf(await hold(code));
    const confirmed = await confirm(holdId);
    if (confirmed.kind !== 'redeemed') throw new Error('expected a redemption');
    expect((await codes.admin.reverse(confirmed.redemption.id, 'payment refunded', null)).reversed).toBe(true);
    expect(await confirm(holdId)).toEqual(INVALID);
    expect((await refusalReasons(env.pool)).at(-1)).toBe('confirm:REVERSED');
    expect((await codes.admin.get(record.id, null))?.state).toBe('REDEEMABLE');
  });

  test('release gives the use back at once; a released hold cannot be confirmed', async () => {
    const { code, record } = await issue();
    const holdId = holdIdOf(await hold(code));
    expect((await codes.admin.get(record.id, null))?.state).toBe('USED');
    expect(await release(holdId)).toEqual({ released: true });
    expect(await codes.admin.get(record.id, null)).toMatchObject({ state: 'REDEEMABLE', heldCount: 0 });
    expect(await release(holdId)).toEqual({ released: false });
    expect(await confirm(holdId)).toEqual(INVALID);
    expect((await refusalReasons(env.pool)).at(-1)).toBe('confirm:RELEASED');
    expect((await codes.redeemer.redeem(redeemRequest(code))).kind).toBe('redeemed');
  });

  test('unknown, malformed, expired and released holds answer byte for byte alike', async () => {
    const { code } = await issue({ maxRedemptions: 3 });
    const released = holdIdOf(await hold(code, { subject: 'a' }));
    await release(released);
    const expiring = holdIdOf(await hold(code, { subject: 'b', ttlSeconds: 1 }));
    env.clock.advanceSeconds(2);
    const answers = [
      await confirm('hold_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      await confirm('not a hold id'),
      await confirm(expiring),
      await confirm(released),
    ];
    for (const answer of answers) expect(JSON.stringify(answer)).toBe(JSON.stringify(INVALID));
    expect((await refusalReasons(env.pool)).slice(-4)).toEqual([
      'confirm:UNKNOWN',
      'confirm:MALFORMED',
      'confirm:EXPIRED',
      'confirm:RELEASED',
    ]);
  });

  test('failed confirms and releases count toward the client’s rate limit', async () => {
    const guesser = { clientKey: 'hold-guesser' };
    const answers = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      answers.push(await codes.holds.confirm({ holdId: `hold_${'B'.repeat(31)}${attempt % 10}`, client: guesser }));
    }
    expect(
      answers.slice(0, 10).every((answer) => answer.kind === 'failure' && answer.reason === 'INVALID_OR_EXPIRED'),
    ).toBe(true);
    expect(answers.slice(10)).toEqual([
      expect.objectContaining({ reason: 'RATE_LIMITED' }),
      expect.objectContaining({ reason: 'RATE_LIMITED' }),
    ]);
    expect(await codes.holds.release({ holdId: 'hold_whatever', client: guesser })).toEqual({ released: false });
  });

  test('holdCode is an attempt like redeemCode: normalization, purpose, scope and enumeration resistance', async () => {
    const { code } = await issue({ purpose: 'invite', scope: 'club' });
    const typed = ` ${code.toLowerCase().replace('-', ' ')} `;
    expect(await hold(typed, { purpose: 'other', scope: 'club' })).toEqual(INVALID);
    expect(await hold(typed, { purpose: 'invite', scope: 'other' })).toEqual(INVALID);
    expect(await hold('ZZZZ-ZZZZ', { purpose: 'invite' })).toEqual(INVALID);
    expect((await hold(typed, { purpose: 'invite', scope: 'club' })).kind).toBe('held');
  });

  test('a retry with the same idempotency key returns the same hold, holdId included', async () => {
    const { code, record } = await issue({ maxRedemptions: 4 });
    const idempotencyKey = 'checkout-retry-0000001';
    const first = await hold(code, { idempotencyKey });
    const retries = await Promise.all(Array.from({ length: 5 }, () => hold(code, { idempotencyKey })));
    for (const retry of retries) expect(retry).toEqual(first);
    expect((await codes.admin.get(record.id, null))?.heldCount).toBe(1);
    expect((await hold(code, { idempotencyKey: 'checkout-retry-0000002' })).kind).toBe('held');
  });

  test('ttlSeconds defaults to 900, must be 1 to 86400, and a hold never outlives its code', async () => {
    const { code } = await issue({ maxRedemptions: 5, ttlSeconds: 600 });
    const now = env.clock.now().getTime();
    const capped = await hold(code);
    expect(capped.kind === 'held' && capped.hold.expiresAt.getTime()).toBe(now + 600_000);
    const long = await issue({ maxRedemptions: 5 });
    const defaulted = await hold(long.code);
    expect(defaulted.kind === 'held' && defaulted.hold.expiresAt.getTime()).toBe(now + 900_000);
    for (const ttlSeconds of [0, 86_401, 1.5]) {
      await expect(hold(long.code, { ttlSeconds })).rejects.toMatchObject({
        name: 'InvalidInput',
        field: 'ttlSeconds',
      });
    }
  });
});

describe('expiry', () => {
  test('from expiresAt on, a hold’s use is free for redeem, check, hold and the counts, with no job run', async () => {
    const { code, record } = await issue();
    const holdId = holdIdOf(await hold(code, { ttlSeconds: 30 }));
    env.clock.advanceSeconds(29);
    expect((await codes.admin.get(record.id, null))?.state).toBe('USED');
    expect((await hold(code)).kind).toBe('failure');
    env.clock.advanceSeconds(1);
    expect(await codes.admin.get(record.id, null)).toMatchObject({ state: 'REDEEMABLE', heldCount: 0 });
    expect((await codes.redeemer.check({ code, purpose: null, scope: null, client: client() })).kind).toBe(
      'redeemable',
    );
    expect(await confirm(holdId)).toEqual(INVALID);
    expect((await hold(code)).kind).toBe('held');
  });

  test('confirm at the boundary: one millisecond before expiresAt wins, at expiresAt it is too late', async () => {
    const early = await issue();
    const late = await issue();
    const earlyHold = holdIdOf(await hold(early.code, { ttlSeconds: 10 }));
    const lateHold = holdIdOf(await hold(late.code, { ttlSeconds: 10 }));
    env.clock.advanceSeconds(9.999);
    expect((await confirm(earlyHold)).kind).toBe('redeemed');
    env.clock.advanceSeconds(0.001);
    expect(await confirm(lateHold)).toEqual(INVALID);
  });

  test('the sweep records each expiry once, however many sweepers race; the journal says released (expired)', async () => {
    const { code } = await issue({ maxRedemptions: 8 });
    const refs = [];
    for (let index = 0; index < 8; index++)
      refs.push(holdIdOf(await hold(code, { subject: `s${index}`, ttlSeconds: 5 })));
    env.clock.advanceSeconds(6);
    // Earlier tests of this file left expired holds too: every one of them is due.
    const [due] = await env.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS due FROM holds WHERE status = 'active' AND expires_at <= ?",
      [env.clock.now()],
    );
    expect(Number(due[0]!.due)).toBeGreaterThanOrEqual(8);
    const sweepers = Array.from({ length: 4 }, () => env.services());
    const recorded = await Promise.all(sweepers.map((sweeper) => sweeper.holds.sweepExpired()));
    expect(recorded.reduce((sum, count) => sum + count, 0)).toBe(Number(due[0]!.due));
    expect(await codes.holds.sweepExpired()).toBe(0);
    const [entries] = await env.pool.query<RowDataPacket[]>(
      "SELECT hold_ref, COUNT(*) AS entries FROM code_events WHERE event_type = 'hold_released' AND reason = 'expired' GROUP BY hold_ref",
    );
    expect(entries).toHaveLength(Number(due[0]!.due));
    expect(entries.every((row) => Number(row.entries) === 1)).toBe(true);
    const [overdue] = await env.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS overdue FROM holds WHERE status = 'active' AND expires_at <= ?",
      [env.clock.now()],
    );
    expect(Number(overdue[0]!.overdue)).toBe(0);
    // Each code's hold_count is exactly its holds still active.
    const [mismatched] = await env.pool.query<RowDataPacket[]>(
      "SELECT c.id FROM codes c WHERE c.hold_count <> (SELECT COUNT(*) FROM holds h WHERE h.code_id = c.id AND h.status = 'active')",
    );
    expect(mismatched).toEqual([]);
  });
});
