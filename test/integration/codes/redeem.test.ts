import { KeyRing } from '../../../src/codes/keyring';
import type { CodeServices } from '../../../src/codes/services';
import type { IssueOptions, RedeemRequest, RedeemResult } from '../../../src/codes/types';
import { issueOptions, openTestService, refusalReasons, TEST_KEYS, type TestService } from '../../support/service';

let env: TestService;
let codes: CodeServices;
let service: CodeServices['redeemer'];

beforeAll(async () => {
  env = await openTestService();
  codes = env.services();
  service = codes.redeemer;
});
afterAll(() => env.close());

let clientCounter = 0;
/** A fresh client per test, so rate limits of one test do not bleed into another. */
function request(code: string, overrides: Partial<RedeemRequest> = {}): RedeemRequest {
  return {
    code,
    subject: 'user-1',
    purpose: null,
    scope: null,
    idempotencyKey: null,
    client: { clientKey: `client-${++clientCounter}` },
    ...overrides,
  };
}

const issue = (options: Partial<IssueOptions> = {}) =>
  codes.admin.issue(issueOptions({ grant: 'gift-100', ...options }));

async function lastFailureReason(): Promise<string> {
  return (await refusalReasons(env.pool)).at(-1)!;
}

const INVALID: RedeemResult = { kind: 'failure', reason: 'INVALID_OR_EXPIRED' };

describe('redeem', () => {
  test('a fresh code is redeemed once with its grant; the second attempt fails as USED', async () => {
    const { code, record } = await issue({ purpose: 'promo', scope: 'shop-1' });
    const first = await service.redeem(request(code.toLowerCase(), { purpose: 'promo' }));
    expect(first).toEqual({
      kind: 'redeemed',
      redemption: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        codeId: record.id,
        purpose: 'promo',
        scope: 'shop-1',
        grant: 'gift-100',
        subject: 'user-1',
        redeemedAt: env.clock.now(),
      },
    });
    expect(await service.redeem(request(code, { purpose: 'promo' }))).toEqual(INVALID);
    expect(await lastFailureReason()).toBe('redeem:USED');
    expect(await codes.admin.get(record.id, null)).toMatchObject({
      state: 'USED',
      redemptionCount: 1,
      usedBy: 'user-1',
    });
  });

  test('forgives case, spaces and hyphens as people type them', async () => {
    const { code } = await issue();
    const typed = ` ${code.toLowerCase().replace('-', ' - ')} `;
    expect((await service.redeem(request(typed))).kind).toBe('redeemed');
  });

  test.each([
    ['malformed', async () => 'NOT-A-CODE!', 'MALFORMED'],
    ['unknown', async () => 'ABCD-EFGH', 'UNKNOWN'],
  ])('%s codes fail the same way', async (_name, makeCode, reason) => {
    expect(await service.redeem(request(await makeCode()))).toEqual(INVALID);
    expect(await lastFailureReason()).toBe(`redeem:${reason}`);
  });

  test('every not-redeemable state answers INVALID_OR_EXPIRED and records its own reason', async () => {
    const expired = await issue({ ttlSeconds: 1 });
    const revoked = await issue();
    await codes.admin.revoke(revoked.record.id, null);
    const promo = await issue({ purpose: 'promo', scope: 'tenant-a' });
    env.clock.advanceSeconds(2);
    const cases: [RedeemRequest, string][] = [
      [request(expired.code), 'EXPIRED'],
      [request(revoked.code), 'REVOKED'],
      [request(promo.code, { purpose: 'invite' }), 'PURPOSE_MISMATCH'],
      [request(promo.code), 'PURPOSE_MISMATCH'],
      [request(promo.code, { purpose: 'promo', scope: 'tenant-b' }), 'SCOPE_MISMATCH'],
    ];
    for (const [attempt, reason] of cases) {
      expect(await service.redeem(attempt)).toEqual(INVALID);
      expect(await lastFailureReason()).toBe(`redeem:${reason}`);
    }
    expect((await service.redeem(request(promo.code, { purpose: 'promo', scope: 'tenant-a' }))).kind).toBe('redeemed');
  });

  test('of 30 concurrent redeemers exactly one wins, and one redemption is recorded', async () => {
    const { code, record } = await issue();
    const results = await Promise.all(Array.from({ length: 30 }, () => service.redeem(request(code))));
    const winners = results.filter((result) => result.kind === 'redeemed');
    expect(winners).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'failure')).toHaveLength(29);
    const history = await codes.admin.redemptions(record.id, { first: 10, after: null });
    expect(history.items.map((item) => item.id)).toEqual([winners[0]!.redemption.id]);
  });
});

describe('idempotent retries', () => {
  const key = 'retry-key-0123456789';

  test('the same key replays the original redemption; other keys and no key fail', async () => {
    const { code } = await issue();
    const won = await service.redeem(request(code, { idempotencyKey: key, subject: 'alice' }));
    expect(won.kind).toBe('redeemed');
    env.clock.advanceSeconds(5);
    const replay = await service.redeem(request(code, { idempotencyKey: key, subject: 'someone-else' }));
    expect(replay).toEqual(won);
    expect(env.outcomes.at(-1)).toEqual({ operation: 'redeem', outcome: 'replayed' });
    expect(await service.redeem(request(code, { idempotencyKey: 'another-key-0123456789' }))).toEqual(INVALID);
    expect(await service.redeem(request(code))).toEqual(INVALID);
  });

  test('a replay must name the same purpose and scope', async () => {
    const { code } = await issue({ purpose: 'invite', scope: 'club' });
    await service.redeem(request(code, { idempotencyKey: key, purpose: 'invite' }));
    expect(await service.redeem(request(code, { idempotencyKey: key }))).toEqual(INVALID);
    expect(await service.redeem(request(code, { idempotencyKey: key, purpose: 'invite', scope: 'other' }))).toEqual(
      INVALID,
    );
    expect((await service.redeem(request(code, { idempotencyKey: key, purpose: 'invite', scope: 'club' }))).kind).toBe(
      'redeemed',
    );
  });

  test('racers with other keys lose while the winner retrying with its key gets its redemption', async () => {
    const { code } = await issue();
    const attempts = Array.from({ length: 20 }, (_, index) => `racer-key-${String(index).padStart(8, '0')}`);
    const results = await Promise.all(
      attempts.map((idempotencyKey) => service.redeem(request(code, { idempotencyKey }))),
    );
    const winnerIndex = results.findIndex((result) => result.kind === 'redeemed');
    expect(results.filter((result) => result.kind === 'redeemed')).toHaveLength(1);
    const retries = await Promise.all(
      attempts.map((idempotencyKey) => service.redeem(request(code, { idempotencyKey }))),
    );
    retries.forEach((retry, index) => expect(retry).toEqual(index === winnerIndex ? results[winnerIndex] : INVALID));
    const [rows] = await env.pool.query<import('mysql2').RowDataPacket[]>('SELECT COUNT(*) AS wins FROM redemptions');
    const recorded = Number(rows[0]!.wins);
    expect(env.outcomes.filter(({ outcome }) => outcome === 'redeemed').length).toBe(recorded);
  });

  test('an idempotency key outside 16..200 characters is bad input', async () => {
    await expect(service.redeem(request('ABCD-EFGH', { idempotencyKey: 'short' }))).rejects.toMatchObject({
      name: 'InvalidInput',
      field: 'idempotencyKey',
    });
  });
});

describe('key rotation', () => {
  test('a code of a verify-only key still redeems; a retired key no longer does; new codes use the active key', async () => {
    const old = await issue();
    const other = await issue();
    expect(old.record.keyVersion).toBe('v1');
    const rotated = env.services({ keyRing: KeyRing.of([TEST_KEYS.v2, TEST_KEYS.v1]) });
    const retired = env.services({ keyRing: KeyRing.of([TEST_KEYS.v2]) });
    expect(await retired.redeemer.redeem(request(old.code))).toEqual(INVALID);
    expect((await rotated.redeemer.redeem(request(old.code))).kind).toBe('redeemed');
    const fresh = await rotated.admin.issue(issueOptions());
    expect(fresh.record.keyVersion).toBe('v2');
    expect((await retired.redeemer.redeem(request(fresh.code))).kind).toBe('redeemed');
    expect((await rotated.redeemer.redeem(request(other.code))).kind).toBe('redeemed');
  });
});

describe('check', () => {
  test('a redeemable code is described without being consumed; failures look like redeem failures', async () => {
    const { code, record } = await issue({ purpose: 'promo' });
    const checked = await service.check({ code, purpose: 'promo', scope: null, client: { clientKey: 'checker' } });
    expect(checked).toEqual({
      kind: 'redeemable',
      code: { codeId: record.id, purpose: 'promo', scope: null, grant: 'gift-100', expiresAt: record.expiresAt },
    });
    expect(await service.check({ code, purpose: null, scope: null, client: { clientKey: 'checker' } })).toEqual(
      INVALID,
    );
    expect(await lastFailureReason()).toBe('check:PURPOSE_MISMATCH');
    expect((await service.redeem(request(code, { purpose: 'promo' }))).kind).toBe('redeemed');
  });
});
