/**
 * The store's sharing of webhook work, under real concurrency on the real
 * database: a fan-out repeated at the same time makes each delivery once, and
 * clears the outbox; concurrent leases split the due deliveries with none
 * taken twice; an expired lease is taken over, and its old holder then changes
 * nothing; a released lease is free at once.
 */
import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { WebhookDispatcher, endpointsFor } from '../../../src/webhooks/dispatcher';
import { eventBody, eventIdOf, eventTypeOf } from '../../../src/codes/webhooks/events';
import { SecretBox } from '../../../src/codes/webhooks/secret-box';
import type {
  AttemptResult,
  LeasedDelivery,
  NewWebhookDelivery,
  WebhookEndpointId,
  WebhookEventId,
} from '../../../src/store/port';
import { MysqlWebhookStore } from '../../../src/store/mysql/webhook-store';
import { issueOptions, openTestService, type TestService } from '../../support/service';

let service: TestService;
let store: MysqlWebhookStore;
const ENDPOINT = '0198a0a0-0000-7000-8000-0000000000e1' as WebhookEndpointId;

beforeAll(async () => {
  service = await openTestService();
  store = new MysqlWebhookStore(service.db);
  await store.insertEndpoint({
    id: ENDPOINT,
    scope: null,
    url: 'https://hooks.example/lease',
    events: ['code.redeemed', 'codes.issued'],
    description: null,
    secretCiphertext: Buffer.alloc(40),
    secretKeyVersion: 'k',
    createdAt: new Date(0),
  });
}, 60_000);

afterAll(async () => {
  await service?.close();
});

async function count(sql: string): Promise<number> {
  const [rows] = await service.pool.query<RowDataPacket[]>(sql);
  return Number(rows[0]!.n);
}

it('a fan-out run twice at once makes each delivery once and clears the outbox', async () => {
  const services = service.services();
  const codes = await services.admin.issueMany(40, issueOptions());
  await Promise.all(
    codes.map(({ code }) =>
      services.redeemer.redeem({
        code,
        subject: null,
        purpose: null,
        scope: null,
        idempotencyKey: null,
        client: { clientKey: randomBytes(4).toString('hex') },
      }),
    ),
  );
  const endpoints = await store.listEndpoints(null);
  const fanOut = async (): Promise<void> => {
    const entries = await store.pendingOutbox(500);
    const deliveries: NewWebhookDelivery[] = entries.flatMap((entry) =>
      endpointsFor(entry, endpoints).map((endpoint) => ({
        endpointId: endpoint.id,
        eventId: eventIdOf(entry),
        eventType: eventTypeOf(entry),
        body: eventBody(entry),
        occurredAt: entry.at,
        dueAt: new Date(0),
      })),
    );
    await store.fanOut(entries, deliveries);
  };
  await Promise.all([fanOut(), fanOut(), fanOut()]);
  // 40 redemptions and one issuance.
  expect(await count('SELECT COUNT(*) AS n FROM webhook_deliveries')).toBe(41);
  expect(await count('SELECT COUNT(*) AS n FROM code_events WHERE dispatch_pending IS NOT NULL')).toBe(0);
  expect(await count('SELECT COUNT(*) AS n FROM redemptions WHERE dispatch_pending IS NOT NULL')).toBe(0);
  expect(await store.pendingOutbox(500)).toEqual([]);
});

it('concurrent leases split the due deliveries: every one taken, none twice', async () => {
  const now = new Date();
  const until = new Date(now.getTime() + 60_000);
  const claims = await Promise.all(
    Array.from({ length: 6 }, (_, index) =>
      store.lease({ owner: `instance-${index}#1`, now, until, limit: 10, excludeEndpoints: [] }),
    ),
  );
  const taken = claims.flat().map((delivery) => delivery.eventId);
  expect(taken).toHaveLength(41);
  expect(new Set(taken).size).toBe(41);
  for (const [index, claim] of claims.entries()) {
    expect(claim.every((delivery) => delivery.leaseOwner === `instance-${index}#1`)).toBe(true);
  }
  expect(await store.lease({ owner: 'late#1', now, until, limit: 100, excludeEndpoints: [] })).toEqual([]);
});

function result(delivery: LeasedDelivery, state: AttemptResult['state'], status: number): AttemptResult {
  return {
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    leaseOwner: delivery.leaseOwner,
    instance: delivery.leaseOwner,
    attempt: delivery.attempts + 1,
    startedAt: new Date(),
    durationMs: 5,
    status,
    errorClass: state === 'delivered' ? null : 'http_status',
    excerpt: null,
    state,
    nextAttemptAt: state === 'pending' ? new Date(0) : null,
    deliveredAt: state === 'delivered' ? new Date() : null,
  };
}

it('an expired lease is taken over, and its old holder then moves nothing; a released lease is free at once', async () => {
  const later = new Date(Date.now() + 120_000);
  const taken = await store.lease({
    owner: 'survivor#1',
    now: later,
    until: new Date(later.getTime() + 60_000),
    limit: 100,
    excludeEndpoints: [],
  });
  expect(taken).toHaveLength(41);
  const [first, second] = taken;
  // The crashed holder of `first` (instance-…) comes back and reports a failure: nothing moves.
  await store.recordAttempts([result({ ...first!, leaseOwner: 'instance-0#1' }, 'pending', 500)]);
  await store.recordAttempts([result(first!, 'delivered', 200)]);
  const page = await store.listDeliveries(ENDPOINT, 100, null);
  const record = page.items.find((item) => item.eventId === first!.eventId)!;
  expect(record).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200 });
  expect(await store.listAttempts(ENDPOINT, first!.eventId as WebhookEventId)).toHaveLength(2);

  await store.releaseLeases([second!]);
  const [again] = await store.lease({
    owner: 'other#1',
    now: later,
    until: new Date(later.getTime() + 60_000),
    limit: 1,
    excludeEndpoints: [],
  });
  expect(again?.eventId).toBe(second!.eventId);
  // An excluded endpoint (full in this instance) is left for others.
  await store.releaseLeases([again!]);
  expect(
    await store.lease({ owner: 'full#1', now: later, until: later, limit: 1, excludeEndpoints: [ENDPOINT] }),
  ).toEqual([]);
});

it('a stopping dispatcher gives back what it leased but did not start', async () => {
  const secrets = new SecretBox([{ version: 'k2', key: randomBytes(32) }]);
  const sealed = secrets.seal('whsec_AAAA', ENDPOINT, randomBytes);
  expect(await store.rewrapSecret(ENDPOINT, 'k', sealed.ciphertext, sealed.keyVersion)).toBe(true);
  const started: string[] = [];
  const dispatcher = new WebhookDispatcher({
    store,
    // An endpoint that never answers: the first attempts hang, the rest wait behind the per-endpoint cap.
    sender: {
      send: (request) => {
        started.push(request.headers['webhook-id']!);
        return new Promise((resolve) =>
          setTimeout(() => resolve({ status: null, errorClass: 'timeout', excerpt: null }), 300),
        );
      },
      close: async () => {},
    },
    secrets,
    clock: { now: () => new Date(Date.now() + 300_000) },
    random: randomBytes,
    settings: { retryMinSeconds: 600, maxAttempts: 5, timeoutMs: 1000, pollIntervalMs: 10_000 },
    instance: 'stopping',
    perEndpoint: 2,
    concurrency: 10,
    onError: (error) => {
      throw error;
    },
  });
  dispatcher.start();
  const deadline = Date.now() + 5_000;
  while (started.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await dispatcher.stop();
  expect(started).toHaveLength(2);
  // The 2 attempted wait for their retry; the 8 leased behind them, never sent, are free again.
  expect(await count("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE lease_owner LIKE 'stopping#%'")).toBe(0);
  expect(await count("SELECT COUNT(*) AS n FROM webhook_attempts WHERE instance = 'stopping'")).toBe(2);
  expect(await count("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE state = 'pending' AND attempts = 1")).toBe(2);
});
