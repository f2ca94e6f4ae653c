import { RateLimiterUnavailable } from '../../../src/codes/errors';
import { type CodeServices, createCodeServices } from '../../../src/codes/services';
import type { RedeemRequest, RedeemResult } from '../../../src/codes/types';
import { openMysqlDatabase } from '../../../src/store/mysql/pool';
import { MysqlRateLimitStore } from '../../../src/store/mysql/rate-limit-store';
import { issueOptions, openTestService, TEST_RATE_LIMIT, type TestService } from '../../support/service';

let env: TestService;
let codes: CodeServices;
let service: CodeServices['redeemer'];

beforeAll(async () => {
  env = await openTestService();
  codes = env.services({ rateLimit: { maxFailures: 10, windowSeconds: 300, scopeMaxFailures: 40 } });
  service = codes.redeemer;
});
afterAll(() => env.close());

const guess = (clientKey: string, overrides: Partial<RedeemRequest> = {}): RedeemRequest => ({
  code: 'ZZZZ-ZZZZ',
  subject: null,
  purpose: null,
  scope: null,
  idempotencyKey: null,
  client: { clientKey },
  ...overrides,
});

const issue = (scope: string | null = null) => codes.admin.issue(issueOptions({ scope, ttlSeconds: 24 * 3600 }));

const reasons = (results: RedeemResult[]) =>
  results.map((result) => (result.kind === 'failure' ? result.reason : 'REDEEMED'));

const count = (values: string[], value: string) => values.filter((entry) => entry === value).length;

test('25 concurrent failures of one client: exactly 10 answered, the rest withheld as RATE_LIMITED', async () => {
  const results = await Promise.all(Array.from({ length: 25 }, () => service.redeem(guess('burst', { scope: 's1' }))));
  const answered = reasons(results);
  expect(count(answered, 'INVALID_OR_EXPIRED')).toBe(10);
  expect(count(answered, 'RATE_LIMITED')).toBe(15);
  const [rows] = await env.pool.query<import('mysql2').RowDataPacket[]>(
    'SELECT failures FROM rate_limit_buckets ORDER BY failures DESC',
  );
  expect(rows.map((row) => Number(row.failures))).toEqual([25, 25]);
});

test('a blocked client is refused even with a valid code, with retryAfterSeconds until the window ends', async () => {
  const { code } = await issue('s2');
  for (let attempt = 0; attempt < 10; attempt++) await service.redeem(guess('blocked', { scope: 's2' }));
  env.clock.advanceSeconds(100);
  const refused = await service.redeem(guess('blocked', { code, scope: 's2' }));
  expect(refused).toEqual({ kind: 'failure', reason: 'RATE_LIMITED', retryAfterSeconds: 200 });
  expect(await service.redeem(guess('someone-else', { code, scope: 's2' }))).toMatchObject({ kind: 'redeemed' });
});

test("after the window a rate-limited user's valid code is still redeemable", async () => {
  const { code } = await issue('s3');
  for (let attempt = 0; attempt < 11; attempt++) await service.redeem(guess('patient', { scope: 's3' }));
  expect(await service.redeem(guess('patient', { code, scope: 's3' }))).toMatchObject({ reason: 'RATE_LIMITED' });
  env.clock.advanceSeconds(301);
  expect(await service.redeem(guess('patient', { code, scope: 's3' }))).toMatchObject({ kind: 'redeemed' });
});

test("a success clears the client's failures; a successful check does not", async () => {
  const first = await issue('s4');
  const second = await issue('s4');
  for (let attempt = 0; attempt < 9; attempt++) await service.redeem(guess('forgetful', { scope: 's4' }));
  expect(
    await service.check({ code: first.code, purpose: null, scope: 's4', client: { clientKey: 'forgetful' } }),
  ).toMatchObject({ kind: 'redeemable' });
  await service.redeem(guess('forgetful', { scope: 's4' }));
  expect(await service.redeem(guess('forgetful', { code: first.code, scope: 's4' }))).toMatchObject({
    reason: 'RATE_LIMITED',
  });
  const other = await issue('s4b');
  for (let attempt = 0; attempt < 9; attempt++) await service.redeem(guess('lucky', { scope: 's4b' }));
  expect(await service.redeem(guess('lucky', { code: other.code, scope: 's4b' }))).toMatchObject({ kind: 'redeemed' });
  const afterSuccess = await Promise.all(
    Array.from({ length: 10 }, () => service.redeem(guess('lucky', { scope: 's4b' }))),
  );
  expect(count(reasons(afterSuccess), 'INVALID_OR_EXPIRED')).toBe(10);
  expect(second.code).not.toBe(first.code);
});

test('the per-scope limit stops guesses spread over many clients without blocking other scopes', async () => {
  const { code } = await issue('tenant');
  const { code: otherCode } = await issue('other-tenant');
  const spread = await Promise.all(
    Array.from({ length: 45 }, (_, index) => service.redeem(guess(`addr-${index}`, { scope: 'tenant' }))),
  );
  expect(count(reasons(spread), 'INVALID_OR_EXPIRED')).toBe(40);
  expect(await service.redeem(guess('fresh-addr', { code, scope: 'tenant' }))).toMatchObject({
    reason: 'RATE_LIMITED',
  });
  expect(await service.redeem(guess('fresh-addr', { code: otherCode, scope: 'other-tenant' }))).toMatchObject({
    kind: 'redeemed',
  });
});

test('malformed attempts and failed checks count too', async () => {
  for (let attempt = 0; attempt < 5; attempt++) await service.redeem(guess('sloppy', { code: '!!', scope: 's5' }));
  for (let attempt = 0; attempt < 5; attempt++) {
    await service.check({ code: 'ZZZZ-ZZZZ', purpose: null, scope: 's5', client: { clientKey: 'sloppy' } });
  }
  expect(await service.redeem(guess('sloppy', { scope: 's5' }))).toMatchObject({ reason: 'RATE_LIMITED' });
});

describe('when the limiter cannot count a failure', () => {
  // A real adapter on a server that refuses connections: the failure is the database's, not a mock's.
  const unreachable = openMysqlDatabase('mysql://root@127.0.0.1:1/claimcheck', {
    connectionLimit: 1,
    connectTimeoutMs: 500,
  });
  afterAll(() => unreachable.end());

  const withLimiter = (failOpen: boolean) =>
    createCodeServices({
      ...env.deps,
      rateLimits: new MysqlRateLimitStore(unreachable),
      rateLimit: { ...TEST_RATE_LIMIT, failOpen },
    }).redeemer;

  test('fails closed by default: the attempt is refused, not answered', async () => {
    await expect(withLimiter(false).redeem(guess('closed'))).rejects.toBeInstanceOf(RateLimiterUnavailable);
  });

  test('fails open when configured so: the attempt is answered', async () => {
    expect(await withLimiter(true).redeem(guess('open'))).toEqual({ kind: 'failure', reason: 'INVALID_OR_EXPIRED' });
  });
});
