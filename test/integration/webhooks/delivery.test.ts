/**
 * Webhooks end to end: the real server in-process, a real receiver on
 * 127.0.0.1 that verifies every request with the standardwebhooks package,
 * and short retry settings so that retries happen in seconds.
 */
import type { RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { errorCodes, graphql, startTestServer, TEST_SCOPE, type TestServer } from '../../support/server';
import { percentile, WebhookReceiver } from '../../support/webhook-receiver';

const SHORT_RETRIES = { retryMinSeconds: 0.2, timeoutMs: 2000, pollIntervalMs: 250, maxAttempts: 12 };
const REDEMPTIONS = 1000;
const PARALLEL = 16;

let server: TestServer;
const receivers: WebhookReceiver[] = [];

const CREATE = `mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url events scope description createdAt } }
}`;
const DELIVERIES = `query Deliveries($endpointId: ID!, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, first: $first, after: $after) {
    edges { cursor node { id eventId eventType attempts lastStatus deliveredAt nextAttemptAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ISSUE = `mutation Issue($input: IssueCodesInput!) { issueCodes(input: $input) { code record { id } } }`;
const REDEEM = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) { __typename ... on Redemption { id codeId redeemedAt } }
}`;

async function receiver(responder?: ConstructorParameters<typeof WebhookReceiver>[0]): Promise<WebhookReceiver> {
  const started = new WebhookReceiver(responder);
  await started.start();
  receivers.push(started);
  return started;
}

async function admin<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  key = server.adminKey,
) {
  return graphql<T>(server.graphqlUrl, { query, variables, key });
}

async function subscribe(
  target: WebhookReceiver,
  events: string[],
  options: { scope?: string; key?: string } = {},
): Promise<string> {
  const response = await admin<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(
    CREATE,
    { input: { url: target.url, events, scope: options.scope } },
    options.key,
  );
  const created = response.body.data?.createWebhookEndpoint;
  if (!created) throw new Error(`createWebhookEndpoint failed: ${JSON.stringify(response.body.errors)}`);
  target.useSecret(created.secret);
  return created.endpoint.id;
}

async function deliveriesPage(endpointId: string, after: string | null) {
  const response = await admin<{
    webhookDeliveries: {
      edges: { node: { eventId: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(DELIVERIES, { endpointId, first: 500, after });
  return response.body.data!.webhookDeliveries;
}

async function issue(count: number, scope?: string): Promise<{ code: string; id: string }[]> {
  const response = await admin<{ issueCodes: { code: string; record: { id: string } }[] }>(ISSUE, {
    input: { count, scope, grant: 'secret-grant-value' },
  });
  return response.body.data!.issueCodes.map(({ code, record }) => ({ code, id: record.id }));
}

async function redeem(code: string): Promise<{ id: string; redeemedAt: string }> {
  const response = await graphql<{ redeemCode: { __typename: string; id: string; redeemedAt: string } }>(
    server.graphqlUrl,
    { query: REDEEM, variables: { input: { code, subject: 'someone' } } },
  );
  const result = response.body.data?.redeemCode;
  if (result?.__typename !== 'Redemption') throw new Error(`redeem failed: ${JSON.stringify(response.body)}`);
  return result;
}

async function inParallel<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

async function until(ms: number, what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rows(sql: string, values: unknown[] = []): Promise<RowDataPacket[]> {
  const connection = await mysql.createConnection({ uri: server.database.url, timezone: 'Z' });
  try {
    const [result] = await connection.query<RowDataPacket[]>(sql, values);
    return result;
  } finally {
    await connection.end();
  }
}

function report(name: string, figures: Record<string, number | string>): void {
  const lines = Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`);
  console.log([`==== webhook figures: ${name} ====`, ...lines, '===='].join('\n'));
}

beforeAll(async () => {
  server = await startTestServer({ serviceOptions: { webhookSettings: SHORT_RETRIES } });
}, 60_000);

afterAll(async () => {
  await Promise.all(receivers.map((entry) => entry.stop()));
  await server?.close();
});

describe('webhook deliveries', () => {
  it(`${REDEMPTIONS} redemptions: ${REDEMPTIONS} verified code.redeemed deliveries, none missing`, async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['CODE_REDEEMED']);
    const codes = await issue(REDEMPTIONS);
    const started = Date.now();
    const redemptions = await inParallel(codes, PARALLEL, async ({ code }) => ({
      ...(await redeem(code)),
      committedAt: Date.now(),
    }));
    const redeemSeconds = (Date.now() - started) / 1000;
    await until(60_000, 'every redemption delivered', () => target.deliveredIds().size >= REDEMPTIONS);
    const allSeconds = (Date.now() - started) / 1000;

    const events = target.received.filter((entry) => entry.verified).map((entry) => entry.event!);
    const delivered = new Set(events.map((event) => String(event.data.redemptionId)));
    const missing = redemptions.filter((redemption) => !delivered.has(redemption.id));
    const received = new Map(target.received.map((entry) => [JSON.parse(entry.body).data.redemptionId, entry]));
    const lags = redemptions.map((redemption) => received.get(redemption.id)!.receivedAt - redemption.committedAt);
    report('1000 redemptions', {
      redemptions: REDEMPTIONS,
      deliveries: target.received.length,
      verified: events.length,
      missing: missing.length,
      duplicates: target.duplicates(),
      'redeem seconds': redeemSeconds.toFixed(2),
      'all delivered after seconds': allSeconds.toFixed(2),
      'lag p50 ms': percentile(lags, 50),
      'lag p99 ms': percentile(lags, 99),
    });
    expect(target.received.every((entry) => entry.verified)).toBe(true);
    expect(missing).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const deliveredMetric = /^claimcheck_webhook_attempts_total\{outcome="delivered",error_class="none"\} (\d+)$/m.exec(
      metrics,
    );
    expect(Number(deliveredMetric?.[1])).toBeGreaterThanOrEqual(REDEMPTIONS);
    expect(metrics).toMatch(/^claimcheck_webhook_oldest_undelivered_seconds \d/m);
    expect(metrics).not.toContain(target.url);

    // webhookDeliveries pages through all of them, newest event first.
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof deliveriesPage>> = await deliveriesPage(endpointId, after);
      seen.push(...page.edges.map((edge) => edge.node.eventId));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    expect(seen).toHaveLength(REDEMPTIONS);
    expect([...seen].sort().reverse()).toEqual(seen);
    const badCursor = await admin(DELIVERIES, { endpointId, after: 'not-a-cursor' });
    expect(errorCodes(badCursor)).toEqual(['BAD_USER_INPUT']);
    expect(events.every((event) => event.type === 'code.redeemed')).toBe(true);
    // Nothing the caller must keep secret travels in a body: no code, no grant.
    const bodies = target.received.map((entry) => entry.body).join('\n');
    expect(bodies).not.toContain('secret-grant-value');
    expect(codes.filter(({ code }) => bodies.includes(code) || bodies.includes(code.replace('-', '')))).toEqual([]);
  }, 120_000);

  it('at a steady pace, the first attempt comes within about a second of the commit', async () => {
    const target = await receiver();
    await subscribe(target, ['CODE_REDEEMED']);
    const codes = await issue(30);
    const lags: number[] = [];
    for (const { code } of codes) {
      const redemption = await redeem(code);
      const committedAt = Date.now();
      await until(5_000, 'delivered', () =>
        target.received.some((entry) => entry.event?.data.redemptionId === redemption.id),
      );
      lags.push(target.received.at(-1)!.receivedAt - committedAt);
    }
    report('paced redemptions', {
      redemptions: codes.length,
      'lag p50 ms': percentile(lags, 50),
      'lag max ms': Math.max(...lags),
    });
    expect(percentile(lags, 50)).toBeLessThan(1000);
  }, 60_000);

  it('a slow endpoint delays neither the other endpoints nor the redemptions', async () => {
    const slow = await receiver(() => 0);
    const fast = await receiver();
    await subscribe(slow, ['CODE_REDEEMED']);
    await subscribe(fast, ['CODE_REDEEMED']);
    const codes = await issue(40);
    const redemptions: { id: string; committedAt: number; ms: number }[] = [];
    for (const { code } of codes) {
      const started = Date.now();
      const redemption = await redeem(code);
      redemptions.push({ id: redemption.id, committedAt: Date.now(), ms: Date.now() - started });
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await until(10_000, 'the fast endpoint heard every redemption', () => fast.deliveredIds().size === codes.length);
    const heardAt = new Map(fast.received.map((entry) => [entry.event!.data.redemptionId, entry.receivedAt]));
    const lags = redemptions.map((redemption) => heardAt.get(redemption.id)! - redemption.committedAt);
    report('slow endpoint beside a fast one', {
      redemptions: codes.length,
      'requests hanging at the slow endpoint': slow.received.length,
      'fast endpoint lag p50 ms': percentile(lags, 50),
      'fast endpoint lag max ms': Math.max(...lags),
      'redeem p50 ms': percentile(
        redemptions.map((redemption) => redemption.ms),
        50,
      ),
    });
    expect(slow.received.length).toBeGreaterThan(0);
    expect(percentile(lags, 50)).toBeLessThan(1000);
    await slow.stop();
  }, 60_000);

  it('a receiver that fails twice, then accepts: the same webhook-id three times, one delivered record', async () => {
    const target = await receiver(({ attemptForId }) => (attemptForId <= 2 ? 503 : 204));
    const endpointId = await subscribe(target, ['CODE_REDEEMED']);
    const [code] = await issue(1);
    await redeem(code!.code);
    await until(20_000, 'delivered on the third attempt', () => target.deliveredIds().size === 1);

    const ids = target.received.map((entry) => entry.id);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(target.received.map((entry) => entry.status)).toEqual([503, 503, 204]);
    expect(target.received.every((entry) => entry.verified)).toBe(true);
    await until(5_000, 'the delivery recorded', async () => {
      const page = await admin<{ webhookDeliveries: { edges: { node: { deliveredAt: string | null } }[] } }>(
        DELIVERIES,
        { endpointId },
      );
      return page.body.data!.webhookDeliveries.edges[0]?.node.deliveredAt != null;
    });
    const page = await admin<{
      webhookDeliveries: { edges: { node: Record<string, unknown> }[] };
    }>(DELIVERIES, { endpointId });
    const deliveries = page.body.data!.webhookDeliveries.edges.map((edge) => edge.node);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      eventId: ids[0],
      eventType: 'CODE_REDEEMED',
      attempts: 3,
      lastStatus: 204,
      nextAttemptAt: null,
    });
    const attempts = await rows(
      'SELECT status, error_class, duration_ms FROM webhook_attempts WHERE endpoint_id = UNHEX(REPLACE(?, "-", "")) ORDER BY id',
      [endpointId],
    );
    expect(attempts.map((row) => [row.status, row.error_class])).toEqual([
      [503, 'http_status'],
      [503, 'http_status'],
      [204, null],
    ]);
  }, 60_000);

  it('a receiver down for a while: everything arrives once it is back', async () => {
    const target = await receiver();
    await subscribe(target, ['CODE_REDEEMED']);
    await target.stop();
    const codes = await issue(50);
    const redemptions = await inParallel(codes, 8, ({ code }) => redeem(code));
    // Down long enough for several failed attempts at every delivery.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const failed = await rows("SELECT COUNT(*) AS n FROM webhook_attempts WHERE error_class = 'connection_refused'");
    await target.restart();
    const backAt = Date.now();
    await until(30_000, 'every redemption delivered after the receiver returned', () =>
      redemptions.every((redemption) =>
        target.received.some((entry) => entry.event?.data.redemptionId === redemption.id),
      ),
    );
    report('receiver down', {
      redemptions: redemptions.length,
      'attempts refused while down': Number(failed[0]!.n),
      'seconds to deliver all after it returned': ((Date.now() - backAt) / 1000).toFixed(2),
      duplicates: target.duplicates(),
    });
    expect(Number(failed[0]!.n)).toBeGreaterThanOrEqual(redemptions.length);
    expect(target.received.every((entry) => entry.verified)).toBe(true);
  }, 60_000);

  it('a scoped endpoint hears only its scope; scoped keys see and delete only their own endpoints', async () => {
    const scoped = await receiver();
    const everything = await receiver();
    // A scoped key's endpoint is in its scope, named or not.
    const scopedId = await subscribe(scoped, ['CODE_REDEEMED', 'CODES_ISSUED'], { key: server.scopedKey });
    const allId = await subscribe(everything, ['CODE_REDEEMED']);
    const [mine] = await issue(1, TEST_SCOPE);
    const [theirs] = await issue(1, 'tenant-b');
    const [unscoped] = await issue(1);
    const own = await redeem(mine!.code);
    await redeem(theirs!.code);
    await redeem(unscoped!.code);
    await until(10_000, 'the unscoped endpoint heard all three', () => everything.deliveredIds().size === 3);
    await until(10_000, 'the scoped endpoint heard its two', () => scoped.deliveredIds().size === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const heard = scoped.received.map((entry) => [entry.event!.type, entry.event!.data.scope]);
    expect(heard.sort()).toEqual([
      ['code.redeemed', TEST_SCOPE],
      ['codes.issued', TEST_SCOPE],
    ]);
    expect(scoped.received.find((entry) => entry.event!.type === 'code.redeemed')!.event!.data.redemptionId).toBe(
      own.id,
    );

    const listed = await admin<{ webhookEndpoints: { id: string; scope: string | null }[] }>(
      'query { webhookEndpoints { id scope } }',
      {},
      server.scopedKey,
    );
    expect(listed.body.data!.webhookEndpoints).toEqual([{ id: scopedId, scope: TEST_SCOPE }]);
    const foreign = await admin(
      CREATE,
      { input: { url: scoped.url, events: ['CODE_REVOKED'], scope: 'tenant-b' } },
      server.scopedKey,
    );
    expect(errorCodes(foreign)).toEqual(['FORBIDDEN']);
    const deleteOther = await admin<{ deleteWebhookEndpoint: boolean }>(
      'mutation Delete($id: ID!) { deleteWebhookEndpoint(id: $id) }',
      { id: allId },
      server.scopedKey,
    );
    expect(deleteOther.body.data!.deleteWebhookEndpoint).toBe(false);
    const othersDeliveries = await admin<{ webhookDeliveries: { edges: unknown[] } }>(
      DELIVERIES,
      { endpointId: allId },
      server.scopedKey,
    );
    expect(othersDeliveries.body.data!.webhookDeliveries.edges).toEqual([]);
    const deleteOwn = await admin<{ deleteWebhookEndpoint: boolean }>(
      'mutation Delete($id: ID!) { deleteWebhookEndpoint(id: $id) }',
      { id: scopedId },
      server.scopedKey,
    );
    expect(deleteOwn.body.data!.deleteWebhookEndpoint).toBe(true);
  }, 60_000);

  it('creation refuses what is not an http(s) URL and names the field', async () => {
    const refused = await Promise.all(
      ['ftp://example.test/hook', 'not a url', 'http://user:pass@example.test/'].map((url) =>
        admin(CREATE, { input: { url, events: ['CODE_REDEEMED'] } }),
      ),
    );
    for (const response of refused) {
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0]!.extensions!.field).toBe('url');
    }
    const noEvents = await admin(CREATE, { input: { url: 'http://127.0.0.1:1/x', events: [] } });
    expect(errorCodes(noEvents)).toEqual(['BAD_USER_INPUT']);
  });

  it('the secret is shown once and stored only sealed', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['CODE_REVOKED']);
    const listed = await admin<{ webhookEndpoints: Record<string, unknown>[] }>(
      'query { webhookEndpoints { id url events scope description createdAt } }',
      {},
    );
    expect(listed.body.data!.webhookEndpoints.find((endpoint) => endpoint.id === endpointId)).toMatchObject({
      url: target.url,
      events: ['CODE_REVOKED'],
    });
    const stored = await rows('SELECT secret_ciphertext FROM webhook_endpoints');
    const secret = target.signingSecret!;
    const keyBytes = Buffer.from(secret.slice('whsec_'.length), 'base64');
    for (const row of stored) {
      const sealed = row.secret_ciphertext as Buffer;
      expect(sealed.includes(keyBytes)).toBe(false);
      expect(sealed.toString('latin1')).not.toContain(secret);
    }
  });
});
