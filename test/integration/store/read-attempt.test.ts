/** The redemption's single read: rate-limit buckets and the redeemable record in one statement. */
import { randomBytes } from 'node:crypto';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { MysqlRateLimitStore } from '../../../src/store/mysql/rate-limit-store';
import { event, newRecord } from '../../conformance/code-store.conformance';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const WINDOW_END = new Date(NOW.getTime() + 300_000);
const ANY = { scope: null, purpose: null };

let fixture: MysqlFixture;
let codes: MysqlCodeStore;
let buckets: MysqlRateLimitStore;

beforeAll(async () => {
  fixture = await createMysqlFixture();
  codes = new MysqlCodeStore(fixture.pool);
  buckets = new MysqlRateLimitStore(fixture.pool);
});
afterAll(() => fixture.close());

it('returns the live buckets and the redeemable record together', async () => {
  const record = newRecord({ purpose: 'promo', scope: 'shop' });
  await codes.insertCode(record, event('issued', record.id));
  const client = randomBytes(32);
  const scope = randomBytes(32);
  await buckets.recordFailure([client, scope], NOW, WINDOW_END, 2);
  const candidates = [
    { lookupKey: randomBytes(32), keyVersion: 'v1' },
    { lookupKey: record.lookupKey, keyVersion: 'v1' },
  ];
  const snapshot = await codes.readAttempt([client, scope, randomBytes(32)], candidates, NOW, {
    scope: 'shop',
    purpose: 'promo',
  });
  expect(snapshot.code).toEqual(await codes.findRedeemable(candidates, NOW, { scope: 'shop', purpose: 'promo' }));
  expect(snapshot.code?.id).toBe(record.id);
  expect([...snapshot.buckets].sort((a, b) => Buffer.compare(a.key, b.key))).toEqual(
    [client, scope].sort(Buffer.compare).map((key) => ({ key, failures: 2, windowEndsAt: WINDOW_END })),
  );
});

it('applies the same matching as findRedeemable, and reads ended windows as absent', async () => {
  const record = newRecord({ purpose: 'promo' });
  await codes.insertCode(record, event('issued', record.id));
  const client = randomBytes(32);
  await buckets.recordFailure([client], NOW, NOW, 1);
  const candidate = { lookupKey: record.lookupKey, keyVersion: 'v1' };
  expect(await codes.readAttempt([client], [candidate], NOW, ANY)).toEqual({ buckets: [], code: null });
  expect(
    await codes.readAttempt([client], [{ ...candidate, keyVersion: 'v2' }], NOW, { ...ANY, purpose: 'promo' }),
  ).toEqual({ buckets: [], code: null });
});

it('reads only buckets without candidates (a malformed code) and nothing without either', async () => {
  const client = randomBytes(32);
  await buckets.recordFailure([client], NOW, WINDOW_END, 1);
  expect(await codes.readAttempt([client], [], NOW, ANY)).toEqual({
    buckets: [{ key: client, failures: 1, windowEndsAt: WINDOW_END }],
    code: null,
  });
  expect(await codes.readAttempt([], [], NOW, ANY)).toEqual({ buckets: [], code: null });
});
