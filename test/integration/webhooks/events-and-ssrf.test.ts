/**
 * What each change sends (every event type, with what its body names and
 * never a code, grant or holdId), and where webhooks may not go: with private
 * addresses refused, creation refuses non-public hosts, and a delivery whose
 * name resolves to a non-public address by then (DNS rebinding) is refused
 * before connecting. Name resolution is the test's own (no query leaves the
 * machine), and the only address any delivery may reach is the receiver on
 * 127.0.0.1.
 */
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { errorCodes, graphql, startTestServer, type TestServer } from '../../support/server';
import { WebhookReceiver } from '../../support/webhook-receiver';

const SETTINGS = { retryMinSeconds: 0.2, timeoutMs: 2000, pollIntervalMs: 200, maxAttempts: 3 };
/** A public unicast address: the test's resolver names it only while an endpoint is being created, and nothing connects to it. */
const PUBLIC_ADDRESS = '93.184.215.14';

const CREATE = `mutation Create($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url } }
}`;

async function until(ms: number, what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('every event type', () => {
  let server: TestServer;
  const target = new WebhookReceiver();

  beforeAll(async () => {
    await target.start();
    server = await startTestServer({ serviceOptions: { webhookSettings: SETTINGS } });
  }, 60_000);

  afterAll(async () => {
    await target.stop();
    await server?.close();
  });

  const call = <T>(query: string, variables: Record<string, unknown> = {}, key: string | undefined = server.adminKey) =>
    graphql<T>(server.graphqlUrl, { query, variables, key });

  it('issuance, redemption, reversal, revocation and holds each reach the receiver, signed, naming no secret', async () => {
    const created = await call<{ createWebhookEndpoint: { secret: string } }>(CREATE, {
      input: {
        url: target.url,
        events: [
          'CODE_REDEEMED',
          'REDEMPTION_REVERSED',
          'CODE_REVOKED',
          'CODES_ISSUED',
          'HOLD_CREATED',
          'HOLD_RELEASED',
        ],
      },
    });
    target.useSecret(created.body.data!.createWebhookEndpoint.secret);
    const issued = await call<{ issueCodes: { code: string; record: { id: string } }[] }>(
      'mutation { issueCodes(input: { count: 4, purpose: "promo", scope: "shop", grant: "GRANT-SECRET-9" }) { code record { id } } }',
    );
    const [direct, held, released, revoked] = issued.body.data!.issueCodes;
    const redeemed = await call<{ redeemCode: { id: string } }>(
      'mutation R($code: String!) { redeemCode(input: { code: $code, purpose: "promo", subject: "alice" }) { ... on Redemption { id } } }',
      { code: direct!.code },
      undefined,
    );
    const redemptionId = redeemed.body.data!.redeemCode.id;
    await call('mutation Rev($id: ID!) { reverseRedemption(id: $id, reason: "cancelled") { reversed } }', {
      id: redemptionId,
    });
    await call('mutation V($id: ID!) { revokeCode(id: $id) { revoked } }', { id: revoked!.record.id });
    const hold = (code: string) =>
      call<{ holdCode: { holdId: string } }>(
        'mutation H($code: String!) { holdCode(input: { code: $code, purpose: "promo", subject: "bob" }) { ... on Hold { holdId } } }',
        { code },
        undefined,
      );
    const confirmedHoldId = (await hold(held!.code)).body.data!.holdCode.holdId;
    const releasedHoldId = (await hold(released!.code)).body.data!.holdCode.holdId;
    await call('mutation C($id: ID!) { confirmHold(holdId: $id) { __typename } }', { id: confirmedHoldId }, undefined);
    await call('mutation L($id: ID!) { releaseHold(holdId: $id) { released } }', { id: releasedHoldId }, undefined);

    const expected = [
      'codes.issued',
      'code.redeemed',
      'redemption.reversed',
      'code.revoked',
      'hold.created',
      'hold.created',
      'code.redeemed',
      'hold.released',
    ];
    await until(10_000, 'every event delivered', () => target.deliveredIds().size === expected.length);
    expect(target.received.every((entry) => entry.verified)).toBe(true);
    const events = [...target.received]
      .map((entry) => entry.event!)
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
    expect(events.map((event) => event.type).sort()).toEqual([...expected].sort());
    const byType = (type: string) => events.filter((event) => event.type === type).map((event) => event.data);
    expect(byType('codes.issued')).toEqual([
      expect.objectContaining({
        firstCodeId: direct!.record.id,
        lastCodeId: revoked!.record.id,
        count: 4,
        purpose: 'promo',
        scope: 'shop',
      }),
    ]);
    expect(byType('redemption.reversed')).toEqual([
      expect.objectContaining({ redemptionId, codeId: direct!.record.id, subject: 'alice', scope: 'shop' }),
    ]);
    expect(byType('code.revoked')).toEqual([expect.objectContaining({ codeId: revoked!.record.id, purpose: 'promo' })]);
    const redemptions = byType('code.redeemed');
    expect(redemptions.map((data) => data.codeId).sort()).toEqual([direct!.record.id, held!.record.id].sort());
    expect(redemptions.find((data) => data.codeId === held!.record.id)!.holdRef).toEqual(expect.any(String));
    expect(byType('hold.created').every((data) => typeof data.expiresAt === 'string')).toBe(true);
    expect(byType('hold.released')).toEqual([
      expect.objectContaining({ codeId: released!.record.id, reason: 'released', subject: 'bob' }),
    ]);
    // A hold that expires unconfirmed: the sweep records it, and its event says so.
    const expiring = await call<{ issueCodes: { code: string; record: { id: string } }[] }>(
      'mutation { issueCodes(input: { count: 1, purpose: "promo", scope: "shop" }) { code record { id } } }',
    );
    const [lapsed] = expiring.body.data!.issueCodes;
    await call(
      'mutation H($code: String!) { holdCode(input: { code: $code, purpose: "promo", ttlSeconds: 1 }) { __typename } }',
      { code: lapsed!.code },
      undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await server.server.services.codes.holds.sweepExpired()).toBe(1);
    await until(10_000, 'the expiry delivered', () =>
      target.received.some((entry) => entry.event?.type === 'hold.released' && entry.event.data.reason === 'expired'),
    );
    expect(target.received.find((entry) => entry.event?.data.reason === 'expired')!.event!.data.codeId).toBe(
      lapsed!.record.id,
    );

    const bodies = target.received.map((entry) => entry.body).join('\n');
    for (const secret of [
      'GRANT-SECRET-9',
      confirmedHoldId,
      releasedHoldId,
      ...issued.body.data!.issueCodes.flatMap(({ code }) => [code, code.replace('-', '')]),
    ]) {
      expect(bodies).not.toContain(secret);
    }
  }, 60_000);
});

describe('addresses that are not public', () => {
  let server: TestServer;
  const target = new WebhookReceiver();
  /** What the test's resolver answers for rebind.example: a public address only while an endpoint is being created. */
  let rebindAnswer = PUBLIC_ADDRESS;
  const resolved: string[] = [];

  beforeAll(async () => {
    await target.start();
    server = await startTestServer({
      env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'false' },
      serviceOptions: {
        webhookSettings: SETTINGS,
        resolveAll: async (host) => {
          resolved.push(host);
          if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
          if (host === 'rebind.example') return [{ address: rebindAnswer, family: 4 }];
          if (host === 'mixed.example')
            return [
              { address: PUBLIC_ADDRESS, family: 4 },
              { address: '10.1.2.3', family: 4 },
            ];
          throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await target.stop();
    await server?.close();
  });

  const create = (url: string) =>
    graphql<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(server.graphqlUrl, {
      query: CREATE,
      variables: { input: { url, events: ['CODE_REDEEMED'] } },
      key: server.adminKey,
    });

  it.each([
    ['loopback', 'http://127.0.0.1:8080/hook'],
    ['loopback by name', 'http://localhost/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['private', 'http://10.0.0.7/hook'],
    ['private 192.168', 'https://192.168.1.1/hook'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['multicast', 'http://224.0.0.1/hook'],
    ['unspecified', 'http://0.0.0.0/hook'],
    ['unique local IPv6', 'http://[fd00::1]/hook'],
    ['a name with one private address among public ones', 'http://mixed.example/hook'],
    ['a name that does not resolve', 'http://nowhere.example/hook'],
  ])('creation refuses %s', async (_label, url) => {
    const response = await create(url);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.field).toBe('url');
  });

  it('a name that resolved to a public address at creation and to loopback at delivery is refused before connecting', async () => {
    rebindAnswer = PUBLIC_ADDRESS;
    const created = await create(`http://rebind.example:${new URL(target.url).port}/hooks`);
    const endpointId = created.body.data!.createWebhookEndpoint.endpoint.id;
    // From now on the name points at the receiver: a delivery that trusted the creation-time answer would reach it.
    rebindAnswer = '127.0.0.1';
    const [issued] = (
      await graphql<{ issueCodes: { code: string }[] }>(server.graphqlUrl, {
        query: 'mutation { issueCodes(input: { count: 1 }) { code } }',
        key: server.adminKey,
      })
    ).body.data!.issueCodes;
    await graphql(server.graphqlUrl, {
      query: 'mutation R($code: String!) { redeemCode(input: { code: $code }) { __typename } }',
      variables: { code: issued!.code },
    });
    await until(10_000, 'every attempt made and given up', async () => {
      const page = await graphql<{
        webhookDeliveries: { edges: { node: { attempts: number; nextAttemptAt: string | null } }[] };
      }>(server.graphqlUrl, {
        query:
          'query D($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { attempts lastStatus nextAttemptAt } } } }',
        variables: { id: endpointId },
        key: server.adminKey,
      });
      const node = page.body.data!.webhookDeliveries.edges[0]?.node;
      return node?.attempts === SETTINGS.maxAttempts && node.nextAttemptAt === null;
    });
    expect(target.received).toEqual([]);
    const connection = await mysql.createConnection({ uri: server.database.url });
    try {
      const [attempts] = await connection.query<RowDataPacket[]>('SELECT status, error_class FROM webhook_attempts');
      expect(attempts.map((row) => [row.status, row.error_class])).toEqual(
        Array.from({ length: SETTINGS.maxAttempts }, () => [null, 'address_refused']),
      );
    } finally {
      await connection.end();
    }
    expect(resolved.filter((host) => host === 'rebind.example').length).toBeGreaterThanOrEqual(
      1 + SETTINGS.maxAttempts,
    );
  }, 30_000);
});
