/**
 * Rotating WEBHOOK_SECRET_KEYS: with the new key first and the old one kept,
 * the dispatcher re-seals every endpoint's secret under the new key (once,
 * however many instances do it), after which the old key can go.
 */
import { randomBytes } from 'node:crypto';
import { AddressPolicy } from '../../../src/codes/webhooks/address-policy';
import { WebhookDispatcher } from '../../../src/webhooks/dispatcher';
import { WebhookAdmin } from '../../../src/codes/webhooks/endpoints';
import { SecretBox } from '../../../src/codes/webhooks/secret-box';
import type { WebhookSender } from '../../../src/webhooks/sender';
import { applyMigrations } from '../../../src/store/mysql/migrate';
import { createMysqlPool, openMysqlDatabase, type MysqlDatabase } from '../../../src/store/mysql/pool';
import { MysqlWebhookStore } from '../../../src/store/mysql/webhook-store';
import { createTestDatabase, type TestDatabase } from '../../support/database';

let database: TestDatabase;
let db: MysqlDatabase;
const OLD = { version: 'old', key: randomBytes(32) };
const NEW = { version: 'new', key: randomBytes(32) };
const clock = { now: () => new Date() };
/** Rotation sends nothing. */
const noSender: WebhookSender = {
  send: () => Promise.reject(new Error('nothing is sent in this test')),
  close: async () => {},
};

beforeAll(async () => {
  database = await createTestDatabase('cc_webhook_rotation');
  const pool = createMysqlPool(database.url, { connectionLimit: 2 });
  await applyMigrations(pool);
  await pool.end();
  db = openMysqlDatabase(database.url, { connectionLimit: 4 });
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

function dispatcher(secrets: SecretBox): WebhookDispatcher {
  return new WebhookDispatcher({
    store: new MysqlWebhookStore(db),
    sender: noSender,
    secrets,
    clock,
    random: randomBytes,
    settings: { retryMinSeconds: 1, maxAttempts: 3, timeoutMs: 1000, pollIntervalMs: 1000 },
    instance: 'rotation-test',
    onError: () => {},
  });
}

it('re-seals every secret under the new key, once, so that the old key can be removed', async () => {
  const store = new MysqlWebhookStore(db);
  const admin = new WebhookAdmin({
    store,
    policy: new AddressPolicy(true, async () => []),
    secrets: new SecretBox([OLD]),
    clock,
    random: randomBytes,
  });
  const created = await Promise.all(
    [1, 2, 3].map((n) =>
      admin.create({ url: `https://hooks.example/${n}`, events: ['code.redeemed'], scope: null, description: null }),
    ),
  );
  const rotated = new SecretBox([NEW, OLD]);
  const moved = await Promise.all([dispatcher(rotated).rewrapSecrets(), dispatcher(rotated).rewrapSecrets()]);
  expect(moved[0]! + moved[1]!).toBe(3);
  expect(await dispatcher(rotated).rewrapSecrets()).toBe(0);

  const onlyNew = new SecretBox([NEW]);
  for (const endpoint of await store.listEndpoints(null)) {
    expect(endpoint.secretKeyVersion).toBe('new');
    const secret = onlyNew.open(
      { ciphertext: endpoint.secretCiphertext, keyVersion: endpoint.secretKeyVersion },
      endpoint.id,
    );
    expect(secret).toBe(created.find((entry) => entry.endpoint.id === endpoint.id)!.secret);
  }
});
