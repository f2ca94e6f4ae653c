/**
 * Version 2 of the contract over real HTTP: promotion codes (uses, per-subject
 * limits, start and end, history, reversal) and holds, field by field, with an
 * unscoped admin key, a scoped one, and none.
 */
import { errorCodes, graphql, startTestServer, TEST_SCOPE, type TestServer } from '../../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

const CODE_FIELDS = `id state purpose scope startsAt expiresAt maxRedemptions maxRedemptionsPerSubject
  redemptionCount heldCount usedAt usedBy`;
const RECORD_FIELDS = 'id codeId subject redeemedAt reversedAt reversalReason';
const ISSUE = `mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code record { ${CODE_FIELDS} } } }`;
const ISSUE_MANY = `mutation IssueMany($input: IssueCodesInput!) { issueCodes(input: $input) { code record { ${CODE_FIELDS} } } }`;
const REDEEM = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) {
    __typename
    ... on Redemption { id codeId purpose scope grant subject redeemedAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;
const CHECK = `query Check($code: String!, $purpose: String, $scope: String) {
  redeemable(code: $code, purpose: $purpose, scope: $scope) { __typename ... on RedeemFailure { reason } }
}`;
const GET = `query Get($id: ID!, $first: Int, $after: String) {
  code(id: $id) {
    ${CODE_FIELDS}
    redemptions(first: $first, after: $after) { edges { cursor node { ${RECORD_FIELDS} } } pageInfo { hasNextPage endCursor } }
  }
}`;
const REDEMPTION = `query Redemption($id: ID!) { redemption(id: $id) { ${RECORD_FIELDS} } }`;
const REVERSE = `mutation Reverse($id: ID!, $reason: String) {
  reverseRedemption(id: $id, reason: $reason) { reversed redemption { ${RECORD_FIELDS} } code { id redemptionCount } }
}`;
const STATS = `query Stats($scope: String) { codeStats(scope: $scope) { redeemable used revoked expired scheduled redemptions } }`;
const LIST = `query List($filter: CodeFilter) { codes(filter: $filter, first: 50) { edges { node { id state } } } }`;
const HOLD = `mutation Hold($input: HoldCodeInput!) {
  holdCode(input: $input) {
    __typename
    ... on Hold { holdId codeId purpose scope grant subject expiresAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;
const CONFIRM = `mutation Confirm($holdId: ID!) {
  confirmHold(holdId: $holdId) {
    __typename
    ... on Redemption { id codeId purpose scope grant subject redeemedAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;
const RELEASE = `mutation Release($holdId: ID!) { releaseHold(holdId: $holdId) { released } }`;

async function call(query: string, variables: Record<string, unknown>, key?: string) {
  return graphql<Record<string, any>>(server.graphqlUrl, { query, variables, key }); // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function data(query: string, variables: Record<string, unknown>, key?: string) {
  const response = await call(query, variables, key);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!;
}

async function issue(input: Record<string, unknown>, key = server.adminKey) {
  const result = await data(ISSUE, { input: { purpose: 'promo', grant: '25% off', ...input } }, key);
  return result.issueCode as { code: string; record: Record<string, any> & { id: string } }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const redeem = (code: string, input: Record<string, unknown> = {}) =>
  data(REDEEM, { input: { code, purpose: 'promo', ...input } }).then((result) => result.redeemCode);

/** The nodes of a connection, in order. */
const nodes = (connection: { edges: { node: Record<string, unknown> }[] }) => connection.edges.map((edge) => edge.node);

const INVALID = { __typename: 'RedeemFailure', reason: 'INVALID_OR_EXPIRED', retryAfterSeconds: null };
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('promotion codes over HTTP', () => {
  test('a code of 3 uses, once per customer, from issue to reversal: every new field', async () => {
    const expiresAt = inSeconds(3600);
    const { code, record } = await issue({ maxRedemptions: 3, maxRedemptionsPerSubject: 1, expiresAt });
    expect(record).toMatchObject({
      state: 'REDEEMABLE',
      startsAt: null,
      expiresAt,
      maxRedemptions: 3,
      maxRedemptionsPerSubject: 1,
      redemptionCount: 0,
      heldCount: 0,
      usedAt: null,
      usedBy: null,
    });

    const ann = await redeem(code, { subject: 'ann' });
    expect(ann).toMatchObject({ __typename: 'Redemption', codeId: record.id, subject: 'ann', grant: '25% off' });
    expect(await redeem(code, { subject: 'ann' })).toEqual(INVALID);
    expect(await redeem(code)).toEqual(INVALID);
    const bob = await redeem(code, { subject: 'bob' });
    expect(bob.id).not.toBe(ann.id);

    const read = (await data(GET, { id: record.id, first: 1 }, server.adminKey)).code;
    expect(read).toMatchObject({ state: 'REDEEMABLE', redemptionCount: 2, usedBy: 'bob', usedAt: bob.redeemedAt });
    expect(nodes(read.redemptions).map((node) => node.id)).toEqual([bob.id]);
    expect(read.redemptions.pageInfo.hasNextPage).toBe(true);
    const next = (
      await data(GET, { id: record.id, first: 5, after: read.redemptions.pageInfo.endCursor }, server.adminKey)
    ).code;
    expect(nodes(next.redemptions)).toEqual([
      {
        id: ann.id,
        codeId: record.id,
        subject: 'ann',
        redeemedAt: ann.redeemedAt,
        reversedAt: null,
        reversalReason: null,
      },
    ]);
    expect(next.redemptions.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });

    const reversed = (await data(REVERSE, { id: bob.id, reason: 'order cancelled' }, server.adminKey))
      .reverseRedemption;
    expect(reversed).toMatchObject({
      reversed: true,
      redemption: { id: bob.id, reversalReason: 'order cancelled', reversedAt: expect.any(String) },
      code: { id: record.id, redemptionCount: 1 },
    });
    expect((await data(REVERSE, { id: bob.id }, server.adminKey)).reverseRedemption.reversed).toBe(false);
    expect((await data(REDEMPTION, { id: bob.id }, server.adminKey)).redemption.reversalReason).toBe('order cancelled');
    expect(await data(GET, { id: record.id }, server.adminKey)).toMatchObject({ code: { usedBy: 'ann' } });
    // The reversal gave bob's slot back.
    expect((await redeem(code, { subject: 'bob' })).__typename).toBe('Redemption');
    expect((await redeem(code, { subject: 'cy' })).__typename).toBe('Redemption');
    expect((await data(GET, { id: record.id }, server.adminKey)).code).toMatchObject({
      state: 'USED',
      redemptionCount: 3,
    });
  });

  test('an idempotent retry replays the same Redemption id; after a reversal it is not replayed', async () => {
    const { code } = await issue({ maxRedemptions: 5 });
    const input = { subject: 'retrying', idempotencyKey: 'promo-retry-0123456789' };
    const first = await redeem(code, input);
    expect(await redeem(code, input)).toEqual(first);
    await data(REVERSE, { id: first.id }, server.adminKey);
    expect(await redeem(code, input)).toEqual(INVALID);
  });

  test('before its start a code is SCHEDULED and answers exactly like an unknown code, byte for byte', async () => {
    const { code, record } = await issue({ startsAt: inSeconds(600), expiresAt: inSeconds(3600), scope: 'sched' });
    expect(record.state).toBe('SCHEDULED');
    const unknown = 'ZZZZ-ZZZZ';
    const scheduledAnswer = await call(REDEEM, { input: { code, purpose: 'promo' } });
    const unknownAnswer = await call(REDEEM, { input: { code: unknown, purpose: 'promo' } });
    expect(JSON.stringify(scheduledAnswer.body)).toBe(JSON.stringify(unknownAnswer.body));
    const scheduledCheck = await call(CHECK, { code, purpose: 'promo' });
    expect(JSON.stringify(scheduledCheck.body)).toBe(JSON.stringify((await call(CHECK, { code: unknown })).body));
    expect((await data(STATS, { scope: 'sched' }, server.adminKey)).codeStats).toEqual({
      redeemable: 0,
      used: 0,
      revoked: 0,
      expired: 0,
      scheduled: 1,
      redemptions: 0,
    });
    const listed = await data(LIST, { filter: { scope: 'sched', state: 'SCHEDULED' } }, server.adminKey);
    expect(listed.codes.edges).toEqual([{ node: { id: record.id, state: 'SCHEDULED' } }]);
  });

  test('codeStats counts redemptions of multi-use codes', async () => {
    const { code } = await issue({ maxRedemptions: 4, scope: 'stats-v2' });
    await redeem(code, { scope: 'stats-v2', subject: 'a' });
    await redeem(code, { scope: 'stats-v2', subject: 'b' });
    expect((await data(STATS, { scope: 'stats-v2' }, server.adminKey)).codeStats).toMatchObject({
      redeemable: 1,
      redemptions: 2,
    });
  });

  test('issueCodes takes the same limits', async () => {
    const result = await data(
      ISSUE_MANY,
      {
        input: { count: 3, purpose: 'promo', maxRedemptions: 10, maxRedemptionsPerSubject: 2, startsAt: inSeconds(60) },
      },
      server.adminKey,
    );
    expect(result.issueCodes).toHaveLength(3);
    for (const { record } of result.issueCodes) {
      expect(record).toMatchObject({ state: 'SCHEDULED', maxRedemptions: 10, maxRedemptionsPerSubject: 2 });
    }
  });

  test.each([
    [{ maxRedemptions: 0 }, 'maxRedemptions'],
    [{ maxRedemptions: 1_000_000_001 }, 'maxRedemptions'],
    [{ maxRedemptions: 3, maxRedemptionsPerSubject: 4 }, 'maxRedemptionsPerSubject'],
    [{ maxRedemptionsPerSubject: 0 }, 'maxRedemptionsPerSubject'],
    [{ ttlSeconds: 60, expiresAt: inSeconds(60) }, 'expiresAt'],
    [{ startsAt: inSeconds(120), expiresAt: inSeconds(60) }, 'startsAt'],
  ])('refuses %j with BAD_USER_INPUT naming %s, and creates nothing', async (input, field) => {
    const before = (await data(STATS, {}, server.adminKey)).codeStats;
    const response = await call(ISSUE, { input: { purpose: 'promo', scope: 'refused', ...input } }, server.adminKey);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.field).toBe(field);
    expect((await data(STATS, {}, server.adminKey)).codeStats).toEqual(before);
  });

  test('a scoped key reverses and reads redemptions of its scope only: null and false outside it', async () => {
    const own = await issue({ maxRedemptions: 2, scope: TEST_SCOPE }, server.scopedKey);
    const foreign = await issue({ maxRedemptions: 2, scope: 'tenant-b' });
    const ownWin = await redeem(own.code, { scope: TEST_SCOPE });
    const foreignWin = await redeem(foreign.code, { scope: 'tenant-b' });

    expect((await data(REDEMPTION, { id: foreignWin.id }, server.scopedKey)).redemption).toBeNull();
    expect((await data(REVERSE, { id: foreignWin.id }, server.scopedKey)).reverseRedemption).toEqual({
      reversed: false,
      redemption: null,
      code: null,
    });
    expect((await data(REDEMPTION, { id: foreignWin.id }, server.adminKey)).redemption.reversedAt).toBeNull();
    expect((await data(REVERSE, { id: ownWin.id }, server.scopedKey)).reverseRedemption.reversed).toBe(true);
  });

  test('admin fields need a key; public fields do not', async () => {
    const { code, record } = await issue({ maxRedemptions: 2 });
    const win = await redeem(code);
    for (const [query, variables] of [
      [REDEMPTION, { id: win.id }],
      [REVERSE, { id: win.id }],
      [GET, { id: record.id }],
    ] as const) {
      expect(errorCodes(await call(query, variables))).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('holds over HTTP', () => {
  const hold = (code: string, input: Record<string, unknown> = {}) =>
    data(HOLD, { input: { code, purpose: 'promo', ...input } }).then((result) => result.holdCode);

  test('hold, confirm, confirm again: the same Redemption; the code counts the hold, then the redemption', async () => {
    const { code, record } = await issue({ maxRedemptions: 2 });
    const held = await hold(code, { subject: 'cart-1', ttlSeconds: 600 });
    expect(held).toMatchObject({
      __typename: 'Hold',
      codeId: record.id,
      purpose: 'promo',
      scope: null,
      grant: '25% off',
      subject: 'cart-1',
    });
    expect(held.holdId.length).toBeGreaterThanOrEqual(22);
    expect(Date.parse(held.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    expect((await data(GET, { id: record.id }, server.adminKey)).code).toMatchObject({
      heldCount: 1,
      redemptionCount: 0,
    });

    const confirmed = (await data(CONFIRM, { holdId: held.holdId })).confirmHold;
    expect(confirmed).toMatchObject({
      __typename: 'Redemption',
      codeId: record.id,
      subject: 'cart-1',
      grant: '25% off',
    });
    expect((await data(CONFIRM, { holdId: held.holdId })).confirmHold).toEqual(confirmed);
    expect((await data(RELEASE, { holdId: held.holdId })).releaseHold).toEqual({ released: false });
    expect((await data(GET, { id: record.id }, server.adminKey)).code).toMatchObject({
      heldCount: 0,
      redemptionCount: 1,
    });
    expect((await data(REDEMPTION, { id: confirmed.id }, server.adminKey)).redemption.subject).toBe('cart-1');
  });

  test('a second cart is refused while the last use is held, and holds it once the first releases', async () => {
    const { code } = await issue({});
    const first = await hold(code, { subject: 'cart-a' });
    expect(first.__typename).toBe('Hold');
    expect(await hold(code, { subject: 'cart-b' })).toEqual(INVALID);
    expect(await redeem(code)).toEqual(INVALID);
    expect((await data(RELEASE, { holdId: first.holdId })).releaseHold).toEqual({ released: true });
    expect((await data(RELEASE, { holdId: first.holdId })).releaseHold).toEqual({ released: false });
    expect((await hold(code, { subject: 'cart-b' })).__typename).toBe('Hold');
  });

  test('unknown, malformed and released holds answer byte for byte alike', async () => {
    const { code } = await issue({ maxRedemptions: 3 });
    const released = await hold(code);
    await data(RELEASE, { holdId: released.holdId });
    const bodies = await Promise.all(
      [released.holdId, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'not a hold'].map(async (holdId) =>
        JSON.stringify((await call(CONFIRM, { holdId })).body),
      ),
    );
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!)).toEqual({ data: { confirmHold: INVALID } });
  });

  test.each([0, 86_401])('ttlSeconds %d is BAD_USER_INPUT naming ttlSeconds', async (ttlSeconds) => {
    const { code } = await issue({});
    const response = await call(HOLD, { input: { code, purpose: 'promo', ttlSeconds } });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.field).toBe('ttlSeconds');
  });

  test('a retry with the same idempotency key returns the same hold', async () => {
    const { code } = await issue({ maxRedemptions: 3 });
    const input = { subject: 'cart-r', idempotencyKey: 'hold-retry-0123456789' };
    const first = await hold(code, input);
    expect(await hold(code, input)).toEqual(first);
    expect((await data(GET, { id: first.codeId }, server.adminKey)).code.heldCount).toBe(1);
  });
});
