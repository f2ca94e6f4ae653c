import { createCipheriv } from 'node:crypto';
import type { RowDataPacket } from 'mysql2';
import { createCodeServices } from '../../../src/codes/services';
import { DuplicateLookupKey } from '../../../src/store/errors';
import type { CodeStore } from '../../../src/store/port';
import { issueOptions, openTestService, type TestService } from '../../support/service';

let env: TestService;

beforeAll(async () => {
  env = await openTestService();
});
afterAll(() => env.close());

const options = issueOptions({ purpose: 'invite', scope: 'bulk', grant: 'seat-7' });

/** A deterministic stream (AES-256-CTR over zeros), so the collision count below is the same on every run. */
function seededRandom(seed: number): (size: number) => Buffer {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16));
  return (size) => cipher.update(Buffer.alloc(size));
}

test('100000 six-symbol codes: collisions occur, are absorbed, and every code is distinct and redeemable', async () => {
  const collisions: number[] = [];
  const store = env.deps.store;
  const countCollisions: CodeStore['insertCodes'] = async (...args) => {
    try {
      return await store.insertCodes(...args);
    } catch (error) {
      if (error instanceof DuplicateLookupKey) collisions.push(error.codeIds.length);
      throw error;
    }
  };
  // The real store, observed: only insertCodes is wrapped, to count the collisions it reports.
  const counting = new Proxy(store, {
    get: (target, property) =>
      property === 'insertCodes' ? countCollisions : Reflect.get(target, property, target).bind(target),
  });
  const short = createCodeServices({
    ...env.deps,
    store: counting,
    random: seededRandom(7),
    policy: { length: 6, ttlSeconds: 3600 },
  });
  const all: string[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const issued = await short.admin.issueMany(10000, options);
    all.push(...issued.map((entry) => entry.code));
  }
  expect(new Set(all).size).toBe(100000);
  expect(collisions.length).toBeGreaterThan(0);
  const [rows] = await env.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM codes WHERE scope = 'bulk'");
  expect(Number(rows[0]!.n)).toBe(100000);
  const sample = [0, 12345, 55555, 99999].map((index) => all[index]!);
  for (const code of sample) {
    const result = await short.redeemer.redeem({
      code,
      subject: null,
      purpose: 'invite',
      scope: 'bulk',
      idempotencyKey: null,
      client: { clientKey: 'sampler' },
    });
    expect(result.kind).toBe('redeemed');
  }
}, 240_000);
