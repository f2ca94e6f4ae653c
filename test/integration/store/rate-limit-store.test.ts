import { randomBytes } from 'node:crypto';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { MysqlRateLimitStore } from '../../../src/store/mysql/rate-limit-store';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const WINDOW_END = new Date(NOW.getTime() + 300_000);
const LATER = new Date(WINDOW_END.getTime() + 1);
const NEXT_WINDOW_END = new Date(LATER.getTime() + 300_000);

let fixture: MysqlFixture;
let store: MysqlRateLimitStore;
let codes: MysqlCodeStore;

/** Buckets are read on the redemption's own path: the attempt read, without candidates. */
async function liveBuckets(keys: readonly Buffer[], now: Date) {
  return (await codes.readAttempt(keys, [], now, { scope: null, purpose: null })).buckets;
}

beforeAll(async () => {
  fixture = await createMysqlFixture({ connectionLimit: 10 });
  store = new MysqlRateLimitStore(fixture.db);
  codes = new MysqlCodeStore(fixture.db);
});

beforeEach(async () => {
  await fixture.truncate();
});

afterAll(async () => {
  await fixture.close();
});

it('counts every one of 40 concurrent failures', async () => {
  const client = randomBytes(32);
  const scope = randomBytes(32);
  await Promise.all(Array.from({ length: 40 }, () => store.recordFailure([client, scope], NOW, WINDOW_END, 1)));
  const buckets = await liveBuckets([client, scope], NOW);
  expect(buckets.map((bucket) => bucket.failures)).toEqual([40, 40]);
});

it('returns the buckets after the change, each key counted once per call', async () => {
  const key = randomBytes(32);
  expect(await store.recordFailure([key, key], NOW, WINDOW_END, 1)).toEqual([
    { key, failures: 1, windowEndsAt: WINDOW_END },
  ]);
  expect(await store.recordFailure([key], NOW, new Date(WINDOW_END.getTime() + 5000), 1)).toEqual([
    { key, failures: 2, windowEndsAt: WINDOW_END },
  ]);
  expect(await store.recordFailure([], NOW, WINDOW_END, 1)).toEqual([]);
});

it('restarts an ended window at one', async () => {
  const key = randomBytes(32);
  await store.recordFailure([key], NOW, WINDOW_END, 1);
  await store.recordFailure([key], NOW, WINDOW_END, 1);
  expect(await store.recordFailure([key], LATER, NEXT_WINDOW_END, 1)).toEqual([
    { key, failures: 1, windowEndsAt: NEXT_WINDOW_END },
  ]);
});

it('reads only live buckets, and clears one', async () => {
  const live = randomBytes(32);
  const other = randomBytes(32);
  await store.recordFailure([live, other], NOW, WINDOW_END, 1);
  expect(await liveBuckets([live, randomBytes(32)], NOW)).toEqual([
    { key: live, failures: 1, windowEndsAt: WINDOW_END },
  ]);
  expect(await liveBuckets([live], WINDOW_END)).toEqual([]);
  expect(await liveBuckets([], NOW)).toEqual([]);
  await store.clear(live);
  expect(await liveBuckets([live, other], NOW)).toEqual([{ key: other, failures: 1, windowEndsAt: WINDOW_END }]);
});

it('purges ended windows, at most the given number at a time', async () => {
  const ended = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const live = randomBytes(32);
  await store.recordFailure(ended, NOW, WINDOW_END, 1);
  await store.recordFailure([live], NOW, NEXT_WINDOW_END, 1);
  expect(await store.purgeExpired(LATER, 2)).toBe(2);
  expect(await store.purgeExpired(LATER, 2)).toBe(1);
  expect(await store.purgeExpired(LATER, 2)).toBe(0);
  expect(await liveBuckets([live], LATER)).toHaveLength(1);
});

it('counts several failures at once, and each concurrent caller sees the count its own change made', async () => {
  const client = randomBytes(32);
  const scope = randomBytes(32);
  const seen = await Promise.all(
    Array.from({ length: 20 }, () => store.recordFailure([client, scope], NOW, WINDOW_END, 3)),
  );
  const clientCounts = seen.map((buckets) => buckets.find((bucket) => bucket.key.equals(client))!.failures);
  expect(clientCounts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => 3 * (index + 1)));
  await expect(store.recordFailure([client], NOW, WINDOW_END, 0)).rejects.toThrow(RangeError);
});
