/**
 * Webhook delivery from real server processes (production mode, configured
 * only through the environment) to a real receiver on 127.0.0.1 that
 * verifies every request with the standardwebhooks package:
 * - kill -9 of the only instance while its events are undelivered (the
 *   receiver is down): a restarted instance delivers every one of them;
 * - two instances sharing the work: every event delivered, duplicates
 *   counted (none expected: a lease keeps an event with one instance);
 * - kill -9 of one of two instances while it sends: the other takes its
 *   leases over once they expire, and no event is sent twice at once.
 */
import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  Fleet,
  type IssuedCode,
  type ServerInstance,
  SecretIndex,
  issueCodes,
  redeem,
  secretsInLogs,
  testNoSecretLeaks,
  uniqueAddress,
  waitUntil,
  withConnection,
} from '../support/processes';
import { percentile, WebhookReceiver } from '../support/webhook-receiver';

const WEBHOOK_KEY = randomBytes(32);
const SERVER_ENV = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000',
  DB_POOL_SIZE: '8',
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_RETRY_MIN_SECONDS: '0.2',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_POLL_INTERVAL_MS: '250',
  WEBHOOK_SECRET_KEYS: `w1:${WEBHOOK_KEY.toString('base64')}`,
};
const CRASH_CODES = 200;
const SHARED_CODES = 600;
const TAKEOVER_CODES = 300;
const SLOW_ANSWER_MS = 200;
const PARALLEL = 12;

let database: TestDatabase;
let fleet: Fleet;
const receivers: WebhookReceiver[] = [];
const secrets: string[] = [];
const issued: IssuedCode[] = [];

const CREATE = `mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id } }
}`;

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_webhooks');
  fleet = new Fleet('webhooks', database);
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await database?.drop();
  fleet?.figures.report('webhooks');
});

async function subscribe(instance: ServerInstance, receiver: WebhookReceiver, scope: string): Promise<void> {
  const response = await instance.client.graphql(
    CREATE,
    { input: { url: receiver.url, events: ['CODE_REDEEMED'], scope } },
    fleet.adminHeaders,
  );
  const created = response.body.data?.createWebhookEndpoint as { secret: string } | undefined;
  if (!created) throw new Error(`createWebhookEndpoint failed: ${JSON.stringify(response.body.errors)}`);
  receiver.useSecret(created.secret);
  secrets.push(created.secret);
}

/** Redeems every code over the instances in turn; returns each redemption's id with when it was answered. */
async function redeemAll(
  instances: readonly ServerInstance[],
  codes: readonly IssuedCode[],
): Promise<{ id: string; answeredAt: number }[]> {
  const done: { id: string; answeredAt: number }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async (_, worker) => {
      while (next < codes.length) {
        const code = codes[next++]!;
        const instance = instances[(next + worker) % instances.length]!;
        const address = uniqueAddress();
        const answer = await redeem(instance.client, { code: code.code, subject: `s-${address}` }, address);
        if (answer.outcome.kind !== 'redeemed') throw new Error(`redeem failed: ${JSON.stringify(answer.outcome)}`);
        const answeredAt = Date.now();
        done.push({ id: await redemptionIdOf(code.id), answeredAt });
      }
    }),
  );
  return done;
}

/** The redemption a code got (the harness's redeem asks for codeId, not the redemption id). */
async function redemptionIdOf(codeId: string): Promise<string> {
  return withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT LOWER(HEX(id)) AS id FROM redemptions WHERE code_id = UNHEX(REPLACE(?, "-", ""))',
      [codeId],
    );
    const hex = String(rows[0]!.id);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  });
}

function deliveredRedemptions(receiver: WebhookReceiver): Set<string> {
  return new Set(
    receiver.received
      .filter((entry) => entry.verified && entry.status < 300)
      .map((entry) => String(entry.event!.data.redemptionId)),
  );
}

test(`kill -9 with ${CRASH_CODES} undelivered events: a restarted instance delivers them all`, async () => {
  const receiver = new WebhookReceiver();
  await receiver.start();
  receivers.push(receiver);
  let instance = await fleet.start('dispatcher', { env: SERVER_ENV });
  await subscribe(instance, receiver, 'crash');
  const codes = await issueCodes(fleet, instance.client, {
    count: CRASH_CODES,
    scope: 'crash',
    grantPrefix: 'wh-crash',
  });
  issued.push(...codes);
  // The receiver is down: every event stays undelivered, retried with backoff.
  await receiver.stop();
  const redemptions = await redeemAll([instance], codes);
  const failedBeforeKill = await countAttempts("error_class = 'connection_refused'");
  await instance.kill();
  fleet.figures.add('faultsInjected');

  await receiver.restart();
  const restartedAt = Date.now();
  instance = await fleet.start('dispatcher', { env: SERVER_ENV, port: instance.port });
  await waitUntil(60_000, 'every event delivered after the restart', async () =>
    redemptions.every((redemption) => deliveredRedemptions(receiver).has(redemption.id)),
  );
  const seconds = (Date.now() - restartedAt) / 1000;
  const missing = redemptions.filter((redemption) => !deliveredRedemptions(receiver).has(redemption.id));
  fleet.figures.note('crash: events', redemptions.length);
  fleet.figures.note('crash: attempts refused before kill -9', failedBeforeKill);
  fleet.figures.note('crash: delivered after restart', deliveredRedemptions(receiver).size);
  fleet.figures.note('crash: missing', missing.length);
  fleet.figures.note('crash: seconds to deliver all after restart', seconds.toFixed(2));
  fleet.figures.note('crash: duplicates', receiver.duplicates());
  expect(missing).toEqual([]);
  expect(receiver.received.every((entry) => entry.verified)).toBe(true);
  await instance.stop();
}, 120_000);

test(`two instances share ${SHARED_CODES} events: each delivered, none twice`, async () => {
  const receiver = new WebhookReceiver();
  await receiver.start();
  receivers.push(receiver);
  const instances = await Promise.all(['left', 'right'].map((name) => fleet.start(name, { env: SERVER_ENV })));
  await subscribe(instances[0]!, receiver, 'shared');
  const codes = await issueCodes(fleet, instances[1]!.client, {
    count: SHARED_CODES,
    scope: 'shared',
    grantPrefix: 'wh-shared',
  });
  issued.push(...codes);
  const started = Date.now();
  const redemptions = await redeemAll(instances, codes);
  await waitUntil(60_000, 'every event delivered', async () => deliveredRedemptions(receiver).size >= SHARED_CODES);
  const seconds = (Date.now() - started) / 1000;
  // Late duplicates, if any, would come within a lease: give them a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const received = new Map(
    receiver.received.map((entry) => [String(entry.event?.data.redemptionId), entry.receivedAt]),
  );
  const lags = redemptions.map((redemption) => received.get(redemption.id)! - redemption.answeredAt);
  const byInstance = await withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT instance, COUNT(*) AS n FROM webhook_attempts WHERE error_class IS NULL AND started_at >= ? GROUP BY instance',
      [new Date(started - 1000)],
    );
    return rows.map((row) => Number(row.n));
  });
  fleet.figures.note('two instances: events', redemptions.length);
  fleet.figures.note('two instances: delivered', deliveredRedemptions(receiver).size);
  fleet.figures.note('two instances: duplicates', receiver.duplicates());
  fleet.figures.note('two instances: deliveries per instance', JSON.stringify(byInstance));
  fleet.figures.note('two instances: seconds', seconds.toFixed(2));
  fleet.figures.note('two instances: lag p50 ms', percentile(lags, 50));
  fleet.figures.note('two instances: lag p99 ms', percentile(lags, 99));
  expect(deliveredRedemptions(receiver).size).toBe(SHARED_CODES);
  expect(receiver.duplicates()).toBe(0);
  expect(receiver.received.every((entry) => entry.verified)).toBe(true);
  await Promise.all(instances.map((instance) => instance.stop()));
}, 120_000);

test('kill -9 of one of two instances mid-delivery: the other takes its leases over once they expire', async () => {
  const receiver = new WebhookReceiver();
  await receiver.start();
  receiver.delayMs = SLOW_ANSWER_MS;
  receivers.push(receiver);
  const [victim, survivor] = await Promise.all(
    ['victim', 'survivor'].map((name) => fleet.start(name, { env: SERVER_ENV })),
  );
  await subscribe(survivor!, receiver, 'takeover');
  const codes = await issueCodes(fleet, survivor!.client, {
    count: TAKEOVER_CODES,
    scope: 'takeover',
    grantPrefix: 'wh-takeover',
  });
  issued.push(...codes);
  const redemptions = await redeemAll([victim!, survivor!], codes);
  // Each answer takes SLOW_ANSWER_MS: the victim dies holding leases on deliveries it is sending or about to.
  await victim!.kill();
  fleet.figures.add('faultsInjected');
  const killedAt = Date.now();
  const deliveredBeforeKill = deliveredRedemptions(receiver).size;
  await waitUntil(60_000, 'every event delivered by the survivor', async () =>
    redemptions.every((redemption) => deliveredRedemptions(receiver).has(redemption.id)),
  );
  const seconds = (Date.now() - killedAt) / 1000;
  const overlapping = overlappingDeliveries(receiver);
  fleet.figures.note('takeover: events', redemptions.length);
  fleet.figures.note('takeover: delivered before kill -9', deliveredBeforeKill);
  fleet.figures.note('takeover: delivered', deliveredRedemptions(receiver).size);
  fleet.figures.note('takeover: duplicates (sent again after the kill)', receiver.duplicates());
  fleet.figures.note('takeover: sent twice at the same time', overlapping);
  fleet.figures.note('takeover: seconds from kill -9 to all delivered', seconds.toFixed(2));
  expect(deliveredBeforeKill).toBeLessThan(TAKEOVER_CODES);
  expect(deliveredRedemptions(receiver).size).toBe(TAKEOVER_CODES);
  expect(overlapping).toBe(0);
  await survivor!.stop();
}, 120_000);

test('no webhook secret in any log', async () => {
  await fleet.stopAll();
  const extra = Object.fromEntries([
    ['webhook secret key', WEBHOOK_KEY.toString('base64')],
    ...secrets.flatMap((secret, index) => [
      [`signing secret #${index}`, secret],
      [`signing secret bytes #${index}`, secret.slice('whsec_'.length)],
    ]),
  ]);
  expect(secretsInLogs(fleet.logFiles(), SecretIndex.of(fleet, [], extra))).toEqual([]);
});

/** Webhook-ids that reached the receiver again while an earlier request with that id was still being answered. */
function overlappingDeliveries(receiver: WebhookReceiver): number {
  const byId = new Map<string, number[]>();
  for (const entry of receiver.received) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry.receivedAt]);
  let overlapping = 0;
  for (const times of byId.values()) {
    times.sort((a, b) => a - b);
    for (let index = 1; index < times.length; index++) {
      if (times[index]! - times[index - 1]! < SLOW_ANSWER_MS) overlapping += 1;
    }
  }
  return overlapping;
}

async function countAttempts(condition: string): Promise<number> {
  return withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM webhook_attempts WHERE ${condition}`,
    );
    return Number(rows[0]!.n);
  });
}

testNoSecretLeaks(
  () => fleet,
  () => issued,
);
