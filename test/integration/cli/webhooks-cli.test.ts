/**
 * `claimcheck webhooks add|list|rm|deliveries` as operators run them: the
 * built CLI in a child process on a fresh database. The CLI runs no
 * dispatcher, so the test runs one over the same database (with the same
 * WEBHOOK_SECRET_KEYS) to deliver to a real receiver on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hmacKey, KeyRing } from '../../../src/codes/keyring';
import { codePolicy } from '../../../src/codes/policy';
import { createCodeServices } from '../../../src/codes/services';
import { AddressPolicy } from '../../../src/codes/webhooks/address-policy';
import { WebhookDispatcher } from '../../../src/webhooks/dispatcher';
import { UndiciWebhookSender } from '../../../src/webhooks/sender';
import { parseWebhookSecretKeys } from '../../../src/config/webhook-keys';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { MysqlHoldStore } from '../../../src/store/mysql/hold-store';
import { MysqlAuditLog } from '../../../src/store/mysql/journal';
import { openMysqlDatabase } from '../../../src/store/mysql/pool';
import { MysqlRateLimitStore } from '../../../src/store/mysql/rate-limit-store';
import { MysqlWebhookStore } from '../../../src/store/mysql/webhook-store';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { issueOptions } from '../../support/service';
import { WebhookReceiver } from '../../support/webhook-receiver';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'claimcheck.js');
const HMAC = Buffer.alloc(32, 9);
const WEBHOOK_KEYS = `w1:${randomBytes(32).toString('base64')}`;

let database: TestDatabase;
const receiver = new WebhookReceiver();

jest.setTimeout(30_000);

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function claimcheck(args: readonly string[]): Promise<Run> {
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: database.url,
    CODE_HMAC_KEYS: `v1:${HMAC.toString('base64')}`,
    WEBHOOK_SECRET_KEYS: WEBHOOK_KEYS,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A redemption and one dispatcher pass (or a few) over the CLI's database: what a server instance would do. */
async function redeemAndDispatch(): Promise<void> {
  const db = openMysqlDatabase(database.url, { connectionLimit: 4 });
  const policy = new AddressPolicy(true, (host) => lookup(host, { all: true }));
  const sender = new UndiciWebhookSender({ policy, timeoutMs: 2000, connectionsPerOrigin: 2 });
  try {
    const clock = { now: () => new Date() };
    const services = createCodeServices({
      store: new MysqlCodeStore(db),
      holds: new MysqlHoldStore(db),
      rateLimits: new MysqlRateLimitStore(db),
      audit: new MysqlAuditLog(db),
      keyRing: KeyRing.of([hmacKey('v1', HMAC)]),
      policy: codePolicy(8, 86_400),
      clock,
      random: randomBytes,
      rateLimit: { maxFailures: 10, windowSeconds: 300, scopeMaxFailures: 1000, failOpen: false },
      maxBatch: 10_000,
    });
    const [issued] = await services.admin.issueMany(1, issueOptions());
    const redeemed = await services.redeemer.redeem({
      code: issued!.code,
      subject: 'cli-user',
      purpose: null,
      scope: null,
      idempotencyKey: null,
      client: { clientKey: 'cli-test' },
    });
    expect(redeemed.kind).toBe('redeemed');
    const dispatcher = new WebhookDispatcher({
      store: new MysqlWebhookStore(db),
      sender,
      secrets: parseWebhookSecretKeys(WEBHOOK_KEYS),
      clock,
      random: randomBytes,
      settings: { retryMinSeconds: 0.1, maxAttempts: 3, timeoutMs: 2000, pollIntervalMs: 100 },
      instance: 'cli-test',
      onError: (error) => {
        throw error;
      },
    });
    dispatcher.start();
    const deadline = Date.now() + 10_000;
    while (receiver.deliveredIds().size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await dispatcher.stop();
  } finally {
    await sender.close();
    await db.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase('cc_cli_webhooks');
  await receiver.start();
}, 60_000);

afterAll(async () => {
  await receiver.stop();
  await database?.drop();
});

describe('claimcheck webhooks', () => {
  let endpointId: string;

  it('add prints the endpoint and its secret once; list never shows the secret', async () => {
    const added = await claimcheck([
      'webhooks',
      'add',
      receiver.url,
      '--events',
      'code.redeemed,HOLD_CREATED',
      '--description',
      'shop backend',
    ]);
    expect(added.exitCode).toBe(0);
    const created = JSON.parse(added.stdout) as Record<string, string>;
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({
      url: receiver.url,
      events: 'code.redeemed hold.created',
      description: 'shop backend',
    });
    expect(added.stderr).toContain('shown only once');
    endpointId = created.id!;
    receiver.useSecret(created.secret!);

    const listed = await claimcheck(['webhooks', 'list', '--format', 'jsonl']);
    expect(listed.exitCode).toBe(0);
    expect(jsonLines(listed.stdout)).toEqual([expect.objectContaining({ id: endpointId, scope: null })]);
    expect(listed.stdout).not.toContain(created.secret!.slice('whsec_'.length));
  });

  it('deliveries lists what was sent, and --event every attempt at it', async () => {
    await redeemAndDispatch();
    expect(receiver.received.every((entry) => entry.verified)).toBe(true);
    const run = await claimcheck(['webhooks', 'deliveries', endpointId, '--format', 'jsonl']);
    expect(run.exitCode).toBe(0);
    const [delivery] = jsonLines(run.stdout);
    expect(delivery).toMatchObject({
      event_type: 'code.redeemed',
      state: 'delivered',
      attempts: 1,
      last_status: 200,
      next_attempt_at: null,
    });
    expect(delivery!.event_id).toBe(receiver.received[0]!.id);
    const attempts = await claimcheck([
      'webhooks',
      'deliveries',
      endpointId,
      '--event',
      String(delivery!.event_id),
      '--format',
      'jsonl',
    ]);
    expect(jsonLines(attempts.stdout)).toEqual([
      expect.objectContaining({ attempt: 1, status: 200, error_class: null, excerpt: 'ok' }),
    ]);
  });

  it('rm deletes once; an unknown endpoint or event type is a one-line failure', async () => {
    expect((await claimcheck(['webhooks', 'rm', endpointId])).exitCode).toBe(0);
    const again = await claimcheck(['webhooks', 'rm', endpointId]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(`claimcheck: no webhook endpoint with id ${endpointId}\n`);
    expect((await claimcheck(['webhooks', 'list', '--format', 'jsonl'])).stdout).toBe('');
    const badEvents = await claimcheck(['webhooks', 'add', receiver.url, '--events', 'code.eaten']);
    expect(badEvents.exitCode).toBe(2);
    const badUrl = await claimcheck(['webhooks', 'add', 'ftp://example.test/', '--events', 'all']);
    expect(badUrl.exitCode).toBe(2);
    expect(badUrl.stderr).toContain('url must be an http or https URL');
  });
});
