/** Every field of the contract over real HTTP, with an unscoped admin key, a scoped one, and none. */
import { errorCodes, graphql, startTestServer, TEST_SCOPE, type TestServer } from '../../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

const CODE_FIELDS = 'id state purpose scope grant keyVersion createdAt expiresAt usedAt usedBy revokedAt';

const ISSUE = `mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code record { ${CODE_FIELDS} } } }`;
const ISSUE_MANY = `mutation IssueMany($input: IssueCodesInput!) { issueCodes(input: $input) { code record { id scope } } }`;
const REDEEM = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) {
    __typename
    ... on Redemption { codeId purpose scope grant subject redeemedAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;
const CHECK = `query Check($code: String!, $purpose: String, $scope: String) {
  redeemable(code: $code, purpose: $purpose, scope: $scope) {
    __typename
    ... on RedeemableCode { codeId purpose scope grant expiresAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;
const GET = `query Get($id: ID!) { code(id: $id) { ${CODE_FIELDS} } }`;
const LIST = `query List($filter: CodeFilter, $first: Int, $after: String) {
  codes(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id state scope purpose } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const STATS = `query Stats($scope: String, $purpose: String) {
  codeStats(scope: $scope, purpose: $purpose) { redeemable used revoked expired }
}`;
const REVOKE = `mutation Revoke($id: ID!, $scope: String) { revokeCode(id: $id, scope: $scope) { revoked code { id state revokedAt } } }`;

interface IssuedCode {
  code: string;
  record: Record<string, unknown> & { id: string };
}

async function issue(input: Record<string, unknown>, key = server.adminKey): Promise<IssuedCode> {
  const response = await graphql<{ issueCode: IssuedCode }>(server.graphqlUrl, {
    query: ISSUE,
    variables: { input },
    key,
  });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.issueCode;
}

async function call(query: string, variables: Record<string, unknown>, key?: string) {
  return graphql<Record<string, any>>(server.graphqlUrl, { query, variables, key }); // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('issueCode', () => {
  it('issues a code in display form with its record', async () => {
    const issued = await issue({ purpose: 'invite', scope: 'community-1', grant: 'role:member', ttlSeconds: 3600 });
    expect(issued.code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(issued.record).toMatchObject({
      state: 'REDEEMABLE',
      purpose: 'invite',
      scope: 'community-1',
      grant: 'role:member',
      keyVersion: 't1',
      usedAt: null,
      usedBy: null,
      revokedAt: null,
    });
    const created = Date.parse(issued.record.createdAt as string);
    expect(Date.parse(issued.record.expiresAt as string) - created).toBe(3600 * 1000);
    expect(issued.record.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('uses the policy TTL when none is given', async () => {
    const issued = await issue({});
    const lifetime = Date.parse(issued.record.expiresAt as string) - Date.parse(issued.record.createdAt as string);
    expect(lifetime).toBe(server.config.policy.ttlSeconds * 1000);
  });

  it("puts a scoped key's codes in its scope, and refuses another scope", async () => {
    expect((await issue({}, server.scopedKey)).record.scope).toBe(TEST_SCOPE);
    expect((await issue({ scope: TEST_SCOPE }, server.scopedKey)).record.scope).toBe(TEST_SCOPE);
    const other = await call(ISSUE, { input: { scope: 'tenant-b' } }, server.scopedKey);
    expect(errorCodes(other)).toEqual(['FORBIDDEN']);
    expect(other.body.data).toBeNull();
  });
});

describe('issueCodes', () => {
  it('issues distinct codes in one call', async () => {
    const response = await call(ISSUE_MANY, { input: { count: 25, scope: 'batch' } }, server.adminKey);
    const issued = response.body.data!.issueCodes as IssuedCode[];
    expect(issued).toHaveLength(25);
    expect(new Set(issued.map((code) => code.code)).size).toBe(25);
    expect(issued.every((code) => code.record.scope === 'batch')).toBe(true);
  });

  it('keeps a scoped key in its scope', async () => {
    const response = await call(ISSUE_MANY, { input: { count: 2 } }, server.scopedKey);
    expect((response.body.data!.issueCodes as IssuedCode[]).map((code) => code.record.scope)).toEqual([
      TEST_SCOPE,
      TEST_SCOPE,
    ]);
    expect(errorCodes(await call(ISSUE_MANY, { input: { count: 2, scope: 'x' } }, server.scopedKey))).toEqual([
      'FORBIDDEN',
    ]);
  });
});

describe('redeemable and redeemCode', () => {
  it('checks without consuming, then redeems once; the second attempt fails generically', async () => {
    const issued = await issue({ purpose: 'promo', scope: 'shop', grant: 'discount:10' });
    const typed = issued.code.toLowerCase().replace('-', ' ');

    const check = await call(CHECK, { code: typed, purpose: 'promo' });
    expect(check.body.data!.redeemable).toEqual({
      __typename: 'RedeemableCode',
      codeId: issued.record.id,
      purpose: 'promo',
      scope: 'shop',
      grant: 'discount:10',
      expiresAt: issued.record.expiresAt,
    });

    const won = await call(REDEEM, { input: { code: typed, purpose: 'promo', scope: 'shop', subject: 'user-7' } });
    expect(won.body.data!.redeemCode).toMatchObject({
      __typename: 'Redemption',
      codeId: issued.record.id,
      purpose: 'promo',
      scope: 'shop',
      grant: 'discount:10',
      subject: 'user-7',
    });

    const again = await call(REDEEM, { input: { code: issued.code, purpose: 'promo' } });
    expect(again.body.data!.redeemCode).toEqual({
      __typename: 'RedeemFailure',
      reason: 'INVALID_OR_EXPIRED',
      retryAfterSeconds: null,
    });
    const used = await call(GET, { id: issued.record.id }, server.adminKey);
    expect(used.body.data!.code).toMatchObject({ state: 'USED', usedBy: 'user-7' });
  });

  it('answers INVALID_OR_EXPIRED alike for unknown, malformed, wrong purpose and over-long input', async () => {
    const issued = await issue({ purpose: 'invite' });
    const attempts = [
      { code: 'ZZZZ-ZZZZ', purpose: 'invite' },
      { code: '!!', purpose: 'invite' },
      { code: issued.code, purpose: 'promo' },
      { code: issued.code },
      { code: 'A'.repeat(200), purpose: 'invite' },
    ];
    for (const input of attempts) {
      const response = await call(REDEEM, { input });
      expect(response.body.data!.redeemCode).toEqual({
        __typename: 'RedeemFailure',
        reason: 'INVALID_OR_EXPIRED',
        retryAfterSeconds: null,
      });
      const check = await call(CHECK, input);
      expect(check.body.data!.redeemable.reason).toBe('INVALID_OR_EXPIRED');
    }
  });

  it('replays a redemption retried with the same idempotency key', async () => {
    const issued = await issue({});
    const input = { code: issued.code, idempotencyKey: 'retry-key-0123456789' };
    const first = await call(REDEEM, { input });
    const retry = await call(REDEEM, { input });
    expect(first.body.data!.redeemCode.__typename).toBe('Redemption');
    expect(retry.body.data!.redeemCode).toEqual(first.body.data!.redeemCode);
    const other = await call(REDEEM, { input: { ...input, idempotencyKey: 'another-key-0123456789' } });
    expect(other.body.data!.redeemCode.reason).toBe('INVALID_OR_EXPIRED');
  });

  it('needs no credential, and ignores a bad one', async () => {
    const issued = await issue({});
    const response = await call(CHECK, { code: issued.code }, 'not-a-key-at-all-not-a-key');
    expect(response.body.data!.redeemable.__typename).toBe('RedeemableCode');
  });
});

describe('code', () => {
  it('returns the metadata, never the plaintext', async () => {
    const issued = await issue({ scope: 'meta' });
    const response = await call(GET, { id: issued.record.id }, server.adminKey);
    expect(response.body.data!.code).toEqual(issued.record);
    expect(JSON.stringify(response.body)).not.toContain(issued.code);
  });

  it('is null for an unknown or malformed id', async () => {
    for (const id of ['01900000-0000-7000-8000-000000000000', 'nope']) {
      expect((await call(GET, { id }, server.adminKey)).body).toEqual({ data: { code: null } });
    }
  });

  it('is null for a scoped key outside its scope: existence does not leak', async () => {
    const outside = await issue({ scope: 'elsewhere' });
    const inside = await issue({}, server.scopedKey);
    expect((await call(GET, { id: outside.record.id }, server.scopedKey)).body).toEqual({ data: { code: null } });
    expect((await call(GET, { id: inside.record.id }, server.scopedKey)).body.data!.code.id).toBe(inside.record.id);
  });
});

describe('revokeCode', () => {
  it('revokes an unused code once', async () => {
    const issued = await issue({});
    const first = await call(REVOKE, { id: issued.record.id }, server.adminKey);
    expect(first.body.data!.revokeCode).toMatchObject({
      revoked: true,
      code: { id: issued.record.id, state: 'REVOKED' },
    });
    const second = await call(REVOKE, { id: issued.record.id }, server.adminKey);
    expect(second.body.data!.revokeCode).toMatchObject({ revoked: false, code: { state: 'REVOKED' } });
    expect((await call(REDEEM, { input: { code: issued.code } })).body.data!.redeemCode.reason).toBe(
      'INVALID_OR_EXPIRED',
    );
  });

  it('with scope, revokes only a code of that scope', async () => {
    const issued = await issue({ scope: 'north' });
    const wrong = await call(REVOKE, { id: issued.record.id, scope: 'south' }, server.adminKey);
    expect(wrong.body.data!.revokeCode).toEqual({ revoked: false, code: null });
    const right = await call(REVOKE, { id: issued.record.id, scope: 'north' }, server.adminKey);
    expect(right.body.data!.revokeCode.revoked).toBe(true);
  });

  it('shows a scoped key nothing outside its scope', async () => {
    const outside = await issue({ scope: 'elsewhere' });
    for (const scope of [null, 'elsewhere']) {
      const response = await call(REVOKE, { id: outside.record.id, scope }, server.scopedKey);
      expect(response.body).toEqual({ data: { revokeCode: { revoked: false, code: null } } });
    }
    const inside = await issue({}, server.scopedKey);
    const response = await call(REVOKE, { id: inside.record.id }, server.scopedKey);
    expect(response.body.data!.revokeCode.revoked).toBe(true);
    expect((await call(GET, { id: outside.record.id }, server.adminKey)).body.data!.code.state).toBe('REDEEMABLE');
  });
});

describe('codes', () => {
  it('pages newest first with cursors', async () => {
    const scope = 'paging';
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await issue({ scope })).record.id);
    const first = await call(LIST, { filter: { scope }, first: 2 }, server.adminKey);
    const page1 = first.body.data!.codes;
    expect(page1.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[4], ids[3]]);
    expect(page1.pageInfo).toEqual({ hasNextPage: true, endCursor: page1.edges[1].cursor });

    const rest = await call(LIST, { filter: { scope }, first: 10, after: page1.pageInfo.endCursor }, server.adminKey);
    const page2 = rest.body.data!.codes;
    expect(page2.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by state and purpose', async () => {
    const scope = 'filtering';
    const kept = await issue({ scope, purpose: 'p' });
    const revoked = await issue({ scope, purpose: 'p' });
    await issue({ scope, purpose: 'q' });
    await call(REVOKE, { id: revoked.record.id }, server.adminKey);
    const response = await call(LIST, { filter: { scope, purpose: 'p', state: 'REDEEMABLE' } }, server.adminKey);
    expect(response.body.data!.codes.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([
      kept.record.id,
    ]);
  });

  it("forces a scoped key's own scope, and refuses another", async () => {
    await issue({ scope: 'not-mine' });
    const own = await call(LIST, { first: 500 }, server.scopedKey);
    const scopes = new Set(own.body.data!.codes.edges.map((edge: { node: { scope: string } }) => edge.node.scope));
    expect([...scopes]).toEqual([TEST_SCOPE]);
    expect(errorCodes(await call(LIST, { filter: { scope: 'not-mine' } }, server.scopedKey))).toEqual(['FORBIDDEN']);
  });
});

describe('codeStats', () => {
  it('counts codes by state', async () => {
    const scope = 'stats';
    const [a, b] = [await issue({ scope }), await issue({ scope })];
    await issue({ scope });
    await call(REDEEM, { input: { code: a.code } });
    await call(REVOKE, { id: b.record.id }, server.adminKey);
    await issue({ scope, ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await call(STATS, { scope }, server.adminKey);
    expect(response.body.data!.codeStats).toEqual({ redeemable: 1, used: 1, revoked: 1, expired: 1 });
  });

  it("forces a scoped key's own scope, and refuses another", async () => {
    const response = await call(STATS, {}, server.scopedKey);
    const own = await call(STATS, { scope: TEST_SCOPE }, server.adminKey);
    expect(response.body.data!.codeStats).toEqual(own.body.data!.codeStats);
    expect(errorCodes(await call(STATS, { scope: 'stats' }, server.scopedKey))).toEqual(['FORBIDDEN']);
  });
});

describe('admin fields without a valid key', () => {
  const ADMIN_OPERATIONS: [string, string, Record<string, unknown>][] = [
    ['issueCode', ISSUE, { input: {} }],
    ['issueCodes', ISSUE_MANY, { input: { count: 1 } }],
    ['revokeCode', REVOKE, { id: '01900000-0000-7000-8000-000000000000' }],
    ['code', GET, { id: '01900000-0000-7000-8000-000000000000' }],
    ['codes', LIST, {}],
    ['codeStats', STATS, {}],
  ];

  it.each(ADMIN_OPERATIONS)(
    '%s is UNAUTHENTICATED without a key, with an unknown one, or a malformed header',
    async (field, query, variables) => {
      const unknownKey = 'x'.repeat(40);
      const headerSets: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${unknownKey}` },
        { authorization: server.adminKey },
      ];
      for (const headers of headerSets) {
        const response = await graphql(server.graphqlUrl, { query, variables, headers });
        expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
        expect(response.body.errors![0].path).toEqual([field]);
        expect(JSON.stringify(response.body)).not.toContain(unknownKey);
      }
    },
  );
});
