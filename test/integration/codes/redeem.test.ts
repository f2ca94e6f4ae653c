import { KeyRing } from '../../../src/codes/keyring';
import type { CodeService } from '../../../src/codes/service';
import type { RedeemRequest, RedeemResult } from '../../../src/codes/types';
import { openTestService, TEST_KEYS, type TestService } from '../../support/service';

let env: TestService;
let service: CodeService;

beforeAll(async () => {
  env = await openTestService();
  service = env.service();
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

const issue = (options: Partial<Parameters<CodeService['issue']>[0]> = {}) =>
  service.issue({ purpose: null, scope: null, grant: 'gift-100', ttlSeconds: null, ...options });

async function lastFailureReason(): Promise<string> {
  const [rows] = await env.pool.query<import('mysql2').RowDataPacket[]>(
    "SELECT reason FROM code_events WHERE event_type = 'redeem_failed' ORDER BY id DESC LIMIT 1",
  );
  return rows[0]!.reason as string;
}

const INVALID: RedeemResult = { kind: 'failure', reason: 'INVALID_OR_EXPIRED' };

describe('redeem', () => {
  test('a fresh code is redeemed once with its grant; the second attempt fails as USED', async () => {
    const { code, record } = await issue({ purpose: 'promo', scope: 'shop-1' });
    const first = await service.redeem(request(code.toLowerCase(), { purpose: 'promo' }));
    expect(first).toEqual({
      kind: 'redeemed',
      redemption: {
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
    expect((await service.get(record.id, null))?.state).toBe('USED');
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
    await service.revoke(revoked.record.id, null);
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

  test('of 30 concurrent redeemers exactly one wins, and one redeemed event is recorded', async () => {
    const { code, record } = await issue();
    const results = await Promise.all(Array.from({ length: 30 }, () => service.redeem(request(code))));
    expect(results.filter((result) => result.kind === 'redeemed')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'failure')).toHaveLength(29);
    const [rows] = await env.pool.query<import('mysql2').RowDataPacket[]>(
      "SELECT COUNT(*) AS wins FROM code_events WHERE event_type = 'redeemed' AND code_id = UNHEX(REPLACE(?, '-', ''))",
      [record.id],
    );
    expect(Number(rows[0]!.wins)).toBe(1);
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
    expect(env.outcomes.at(-1)).toBe('replayed');
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
    const [rows] = await env.pool.query<import('mysql2').RowDataPacket[]>(
      "SELECT COUNT(*) AS wins FROM code_events WHERE event_type = 'redeemed'",
    );
    const redeemedEvents = Number(rows[0]!.wins);
    expect(env.outcomes.filter((outcome) => outcome === 'redeemed').length).toBe(redeemedEvents);
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
    const rotated = env.service({ keyRing: KeyRing.of([TEST_KEYS.v2, TEST_KEYS.v1]) });
    const retired = env.service({ keyRing: KeyRing.of([TEST_KEYS.v2]) });
    expect(await retired.redeem(request(old.code))).toEqual(INVALID);
    expect((await rotated.redeem(request(old.code))).kind).toBe('redeemed');
    const fresh = await rotated.issue({ purpose: null, scope: null, grant: null, ttlSeconds: null });
    expect(fresh.record.keyVersion).toBe('v2');
    expect((await retired.redeem(request(fresh.code))).kind).toBe('redeemed');
    expect((await rotated.redeem(request(other.code))).kind).toBe('redeemed');
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
