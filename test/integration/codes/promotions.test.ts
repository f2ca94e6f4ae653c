/**
 * Promotion codes through the domain on the real database: multi-use codes,
 * per-subject limits, start and end times, history and reversal.
 */
import type { CodeServices } from '../../../src/codes/services';
import type { IssueOptions, RedeemRequest, RedeemResult } from '../../../src/codes/types';
import { issueOptions, openTestService, refusalReasons, type TestService } from '../../support/service';

let env: TestService;
let codes: CodeServices;

beforeAll(async () => {
  env = await openTestService();
  codes = env.services();
});
afterAll(() => env.close());

let clients = 0;
function request(code: string, overrides: Partial<RedeemRequest> = {}): RedeemRequest {
  return {
    code,
    subject: 'customer-1',
    purpose: 'promo',
    scope: null,
    idempotencyKey: null,
    client: { clientKey: `promo-client-${++clients}` },
    ...overrides,
  };
}

const issue = (options: Partial<IssueOptions> = {}) =>
  codes.admin.issue(issueOptions({ purpose: 'promo', grant: '25% off', ...options }));

const redeem = (code: string, overrides: Partial<RedeemRequest> = {}) =>
  codes.redeemer.redeem(request(code, overrides));

const won = (results: readonly RedeemResult[]) => results.filter((result) => result.kind === 'redeemed');

describe('multi-use codes', () => {
  test('N uses and M ≫ N concurrent redeemers on separate connections give exactly N redemptions, every time', async () => {
    for (const [uses, racers] of [
      [5, 40],
      [17, 50],
    ] as const) {
      const { code, record } = await issue({ maxRedemptions: uses });
      const results = await Promise.all(
        Array.from({ length: racers }, (_, index) => redeem(code, { subject: `racer-${index}` })),
      );
      expect(won(results)).toHaveLength(uses);
      const after = await codes.admin.get(record.id, null);
      expect(after).toMatchObject({ state: 'USED', redemptionCount: uses, maxRedemptions: uses });
      const history = await codes.admin.redemptions(record.id, { first: 500, after: null });
      expect(new Set(history.items.map((item) => item.id))).toEqual(
        new Set(won(results).map((result) => (result.kind === 'redeemed' ? result.redemption.id : ''))),
      );
    }
  }, 60_000);

  test('each use is its own redemption; usedAt and usedBy show the latest active one', async () => {
    const { code, record } = await issue({ maxRedemptions: 3 });
    const first = await redeem(code, { subject: 'ann' });
    env.clock.advanceSeconds(1);
    const second = await redeem(code, { subject: 'bob' });
    expect(first.kind === 'redeemed' && second.kind === 'redeemed').toBe(true);
    if (first.kind !== 'redeemed' || second.kind !== 'redeemed') return;
    expect(first.redemption.id).not.toBe(second.redemption.id);
    expect(await codes.admin.get(record.id, null)).toMatchObject({
      state: 'REDEEMABLE',
      redemptionCount: 2,
      usedBy: 'bob',
      usedAt: second.redemption.redeemedAt,
    });
    const reversed = await codes.admin.reverse(second.redemption.id, 'order cancelled', null);
    expect(reversed).toMatchObject({
      reversed: true,
      redemption: { id: second.redemption.id, reversalReason: 'order cancelled' },
    });
    expect(reversed.code).toMatchObject({ redemptionCount: 1, usedBy: 'ann', usedAt: first.redemption.redeemedAt });
  });

  test('a code issued without the new inputs is single-use, as before', async () => {
    const { code, record } = await issue();
    expect(record).toMatchObject({ maxRedemptions: 1, maxRedemptionsPerSubject: null, startsAt: null });
    expect((await redeem(code)).kind).toBe('redeemed');
    expect(await redeem(code, { subject: 'someone-else' })).toEqual({ kind: 'failure', reason: 'INVALID_OR_EXPIRED' });
    expect((await refusalReasons(env.pool)).at(-1)).toBe('redeem:USED');
  });
});

describe('per-subject limits', () => {
  test('50 concurrent redeems by one subject with k = 1 give exactly one redemption', async () => {
    const { code } = await issue({ maxRedemptions: 100, maxRedemptionsPerSubject: 1 });
    const results = await Promise.all(Array.from({ length: 50 }, () => redeem(code, { subject: 'greedy' })));
    expect(won(results)).toHaveLength(1);
    expect(
      (await refusalReasons(env.pool))
        .slice(-49)
        .every((reason) => reason === 'redeem:SUBJECT_LIMIT' || reason === 'redeem:LOST_RACE'),
    ).toBe(true);
    expect((await redeem(code, { subject: 'another' })).kind).toBe('redeemed');
  }, 30_000);

  test('k = 2 lets each subject redeem twice; a reversal gives the subject its slot back', async () => {
    const { code } = await issue({ maxRedemptions: 10, maxRedemptionsPerSubject: 2 });
    const first = await redeem(code, { subject: 'ann' });
    expect((await redeem(code, { subject: 'ann' })).kind).toBe('redeemed');
    expect((await redeem(code, { subject: 'ann' })).kind).toBe('failure');
    expect((await refusalReasons(env.pool)).at(-1)).toBe('redeem:SUBJECT_LIMIT');
    if (first.kind !== 'redeemed') throw new Error('the first redemption should have won');
    expect((await codes.admin.reverse(first.redemption.id, null, null)).reversed).toBe(true);
    expect((await redeem(code, { subject: 'ann' })).kind).toBe('redeemed');
  });

  test('a code with a per-subject limit does not redeem without a subject', async () => {
    const { code } = await issue({ maxRedemptions: 10, maxRedemptionsPerSubject: 1 });
    expect(await redeem(code, { subject: null })).toEqual({ kind: 'failure', reason: 'INVALID_OR_EXPIRED' });
    expect((await refusalReasons(env.pool)).at(-1)).toBe('redeem:SUBJECT_REQUIRED');
  });

  test('subjects compare exactly as given: case, trailing spaces and unicode forms are other subjects', async () => {
    const { code } = await issue({ maxRedemptions: 10, maxRedemptionsPerSubject: 1 });
    for (const subject of ['Ann', 'ann', 'ann ', 'ANN', 'A\u0301nn', '\u00c1nn']) {
      expect((await redeem(code, { subject })).kind).toBe('redeemed');
    }
    expect((await redeem(code, { subject: 'ann ' })).kind).toBe('failure');
  });
});

describe('start and end', () => {
  test('before its start a code answers exactly like an unknown one, and is SCHEDULED', async () => {
    const startsAt = new Date(env.clock.now().getTime() + 60_000);
    const { code, record } = await issue({ startsAt });
    expect(record.state).toBe('SCHEDULED');
    const early = await redeem(code);
    const unknown = await redeem('ZZZZ-ZZZZ');
    expect(early).toEqual(unknown);
    expect((await refusalReasons(env.pool)).slice(-2)).toEqual(['redeem:NOT_STARTED', 'redeem:UNKNOWN']);
    expect(await codes.redeemer.check({ code, purpose: 'promo', scope: null, client: { clientKey: 'early' } })).toEqual(
      unknown,
    );
    env.clock.advanceSeconds(60);
    expect((await codes.admin.get(record.id, null))?.state).toBe('REDEEMABLE');
    expect((await redeem(code)).kind).toBe('redeemed');
  });

  test('an absolute expiresAt ends the code; giving both ttlSeconds and expiresAt is bad input', async () => {
    const expiresAt = new Date(env.clock.now().getTime() + 5_000);
    const { code, record } = await issue({ expiresAt });
    expect(record.expiresAt).toEqual(expiresAt);
    env.clock.advanceSeconds(5);
    expect((await redeem(code)).kind).toBe('failure');
    expect((await refusalReasons(env.pool)).at(-1)).toBe('redeem:EXPIRED');
    await expect(issue({ expiresAt, ttlSeconds: 60 })).rejects.toMatchObject({
      name: 'InvalidInput',
      field: 'expiresAt',
    });
  });

  test.each([
    ['maxRedemptions', { maxRedemptions: 0 }],
    ['maxRedemptions', { maxRedemptions: 1_000_000_001 }],
    ['maxRedemptions', { maxRedemptions: 1.5 }],
    ['maxRedemptionsPerSubject', { maxRedemptions: 5, maxRedemptionsPerSubject: 6 }],
    ['maxRedemptionsPerSubject', { maxRedemptionsPerSubject: 0 }],
    ['startsAt', { startsAt: new Date('2099-01-01T00:00:00Z'), ttlSeconds: 60 }],
    ['expiresAt', { expiresAt: new Date('2000-01-01T00:00:00Z') }],
  ] as const)('%s out of range is bad input naming the field, and creates nothing (%j)', async (field, options) => {
    const before = await codes.admin.stats({ scope: null, purpose: null });
    await expect(issue(options)).rejects.toMatchObject({ name: 'InvalidInput', field });
    await expect(codes.admin.issueMany(3, issueOptions(options))).rejects.toMatchObject({ field });
    expect(await codes.admin.stats({ scope: null, purpose: null })).toEqual(before);
  });
});

describe('history and reversal', () => {
  test('reversal gives the use back once; the second call answers reversed false', async () => {
    const { code, record } = await issue();
    const result = await redeem(code);
    if (result.kind !== 'redeemed') throw new Error('expected a redemption');
    expect((await codes.admin.get(record.id, null))?.state).toBe('USED');
    const first = await codes.admin.reverse(result.redemption.id, 'refund', null);
    expect(first.reversed).toBe(true);
    expect(first.code).toMatchObject({ state: 'REDEEMABLE', redemptionCount: 0, usedAt: null, usedBy: null });
    const again = await codes.admin.reverse(result.redemption.id, 'refund', null);
    expect(again).toMatchObject({ reversed: false, redemption: { reversalReason: 'refund' } });
    expect((await redeem(code, { subject: 'next' })).kind).toBe('redeemed');
  });

  test('concurrent reversals of one redemption: exactly one reverses it', async () => {
    const { code, record } = await issue({ maxRedemptions: 2 });
    const result = await redeem(code);
    if (result.kind !== 'redeemed') throw new Error('expected a redemption');
    const reversals = await Promise.all(
      Array.from({ length: 20 }, () => codes.admin.reverse(result.redemption.id, null, null)),
    );
    expect(reversals.filter((reversal) => reversal.reversed)).toHaveLength(1);
    expect((await codes.admin.get(record.id, null))?.redemptionCount).toBe(0);
  });

  test('a reversed redemption is never replayed as active', async () => {
    const { code } = await issue({ maxRedemptions: 5 });
    const idempotencyKey = 'promo-retry-key-000001';
    const result = await redeem(code, { idempotencyKey });
    if (result.kind !== 'redeemed') throw new Error('expected a redemption');
    expect(await redeem(code, { idempotencyKey })).toEqual(result);
    await codes.admin.reverse(result.redemption.id, null, null);
    expect(await redeem(code, { idempotencyKey })).toEqual({ kind: 'failure', reason: 'INVALID_OR_EXPIRED' });
    expect((await refusalReasons(env.pool)).at(-1)).toBe('redeem:REVERSED');
  });

  test('a retry with the same key on a multi-use code takes no second use', async () => {
    const { code, record } = await issue({ maxRedemptions: 5 });
    const idempotencyKey = 'promo-retry-key-000002';
    const results = await Promise.all(Array.from({ length: 10 }, () => redeem(code, { idempotencyKey })));
    expect(results.every((result) => result.kind === 'redeemed')).toBe(true);
    expect(new Set(results.map((result) => (result.kind === 'redeemed' ? result.redemption.id : '')))).toHaveProperty(
      'size',
      1,
    );
    expect((await codes.admin.get(record.id, null))?.redemptionCount).toBe(1);
  });

  test('the history pages newest first, reversed ones included', async () => {
    const { code, record } = await issue({ maxRedemptions: 7 });
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      env.clock.advanceSeconds(1);
      const result = await redeem(code, { subject: `s-${index}` });
      if (result.kind === 'redeemed') ids.push(result.redemption.id);
    }
    await codes.admin.reverse(ids[3]!, 'returned', null);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = await codes.admin.redemptions(record.id, { first: 3, after });
      seen.push(...page.items.map((item) => item.id));
      after = page.hasNextPage ? page.endCursor : null;
    } while (after !== null);
    expect(seen).toEqual([...ids].reverse());
    expect(await codes.admin.redemption(ids[3]!, null)).toMatchObject({ reversalReason: 'returned', subject: 's-3' });
  });

  test('a scoped admin reverses and reads only within its scope', async () => {
    const { code } = await issue({ scope: 'shop-a' });
    const result = await redeem(code, { scope: 'shop-a' });
    if (result.kind !== 'redeemed') throw new Error('expected a redemption');
    expect(await codes.admin.redemption(result.redemption.id, 'shop-b')).toBeNull();
    expect(await codes.admin.reverse(result.redemption.id, null, 'shop-b')).toEqual({
      reversed: false,
      redemption: null,
      code: null,
    });
    expect((await codes.admin.reverse(result.redemption.id, null, 'shop-a')).reversed).toBe(true);
  });

  test('stats count scheduled codes and active redemptions', async () => {
    const scope = 'stats-scope';
    const multi = await issue({ scope, maxRedemptions: 3 });
    await issue({ scope, startsAt: new Date(env.clock.now().getTime() + 1_800_000) });
    await redeem(multi.code, { scope, subject: 'a' });
    await redeem(multi.code, { scope, subject: 'b' });
    expect(await codes.admin.stats({ scope, purpose: null })).toEqual({
      redeemable: 1,
      used: 0,
      revoked: 0,
      expired: 0,
      scheduled: 1,
      redemptions: 2,
    });
  });
});
