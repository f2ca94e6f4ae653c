/** Abuse limits over HTTP, and the one-winner guarantee under concurrent HTTP redemptions. */
import { errorCodes, graphql, startTestServer, type TestServer } from '../../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

function checks(count: number): string {
  return Array.from({ length: count }, (_, index) => `c${index}: redeemable(code: "ABCD-EFGH") { __typename }`).join(
    '\n',
  );
}

describe('redeemCode and redeemable per operation', () => {
  it('allows up to MAX_REDEEM_FIELDS (3)', async () => {
    const response = await graphql(server.graphqlUrl, { query: `{ ${checks(3)} }` });
    expect(response.body.errors).toBeUndefined();
    expect(Object.keys(response.body.data!)).toHaveLength(3);
  });

  it('rejects more, counted through aliases', async () => {
    const response = await graphql(server.graphqlUrl, { query: `{ ${checks(4)} }` });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0].message).toMatch(
      /At most 3 redeemCode, redeemable, holdCode, confirmHold or releaseHold fields/,
    );
  });

  it('counts through fragments and inline fragments, and mutations alike', async () => {
    const viaFragments = `
      query { ...Two ... on Query { c: redeemable(code: "X") { __typename } } d: redeemable(code: "Y") { __typename } }
      fragment Two on Query { a: redeemable(code: "A") { __typename } b: redeemable(code: "B") { __typename } }`;
    expect(errorCodes(await graphql(server.graphqlUrl, { query: viaFragments }))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
    const redeems = Array.from(
      { length: 4 },
      (_, index) => `r${index}: redeemCode(input: { code: "ABCD-EFGH" }) { __typename }`,
    ).join('\n');
    expect(errorCodes(await graphql(server.graphqlUrl, { query: `mutation { ${redeems} }` }))).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
  });

  it('counts the hold fields with them: each is a guess at a code or a holdId', async () => {
    const mixed = `mutation {
      a: holdCode(input: { code: "ABCD-EFGH" }) { __typename }
      b: confirmHold(holdId: "hold_x") { __typename }
      c: releaseHold(holdId: "hold_y") { released }
      d: redeemCode(input: { code: "ABCD-EFGH" }) { __typename }
    }`;
    expect(errorCodes(await graphql(server.graphqlUrl, { query: mixed }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it("does not count CodeStats' own redeemable field", async () => {
    const query =
      '{ a: codeStats { redeemable } b: codeStats { redeemable } c: codeStats { redeemable } d: codeStats { redeemable } }';
    const response = await graphql(server.graphqlUrl, { query, key: server.adminKey });
    expect(response.body.errors).toBeUndefined();
  });
});

describe('operation shape', () => {
  it('refuses HTTP batching', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching/i);
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: 16 }, (_, index) => `s${index}: codeStats { used }`).join(' ');
    const response = await graphql(server.graphqlUrl, { query: `{ ${aliases} }`, key: server.adminKey });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0].message).toMatch(/Aliases limit of 15 exceeded/);
  });

  it('refuses a deep query', async () => {
    // Our own types nest four levels at most; the limit (8) guards what a future schema might allow.
    const deep = `{ ${'a { '.repeat(9)}b${' }'.repeat(9)} }`;
    const response = await graphql(server.graphqlUrl, { query: deep });
    expect(response.status).toBe(400);
    expect(response.body.errors!.map((error) => error.message)).toContainEqual(
      expect.stringMatching(/Query depth limit of 8 exceeded/),
    );
  });

  it('refuses too many tokens at parse time', async () => {
    const fields = Array.from({ length: 600 }, () => '__typename').join(' ');
    const response = await graphql(server.graphqlUrl, { query: `{ ${fields} ${fields} }` });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('answers 413 in JSON past the body limit, without echoing the body', async () => {
    const secret = 'SECRET-'.repeat(20_000);
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { secret } }),
    });
    expect(response.status).toBe(413);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({
      errors: [{ message: 'The request body is larger than 65536 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('answers 400 in JSON to a body that is not JSON', async () => {
    const response = await fetch(server.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ __typename }", "code": "K7QM-2XHP"',
    });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).not.toContain('K7QM');
    expect(JSON.parse(body).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('keeps CSRF prevention on: a simple GET without a preflight header is refused', async () => {
    const response = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });
});

describe('concurrent redemption over HTTP', () => {
  it('lets exactly one of 100 simultaneous requests win', async () => {
    const issued = await graphql<{ issueCode: { code: string } }>(server.graphqlUrl, {
      query: 'mutation { issueCode(input: { grant: "prize" }) { code } }',
      key: server.adminKey,
    });
    const code = issued.body.data!.issueCode.code;
    const query = `mutation($input: RedeemCodeInput!) {
      redeemCode(input: $input) { __typename ... on Redemption { grant subject } ... on RedeemFailure { reason } }
    }`;
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        graphql<{ redeemCode: { __typename: string; grant?: string; subject?: string; reason?: string } }>(
          server.graphqlUrl,
          { query, variables: { input: { code, subject: `racer-${index}` } } },
        ),
      ),
    );
    expect(responses.every((response) => response.status === 200 && !response.body.errors)).toBe(true);
    const results = responses.map((response) => response.body.data!.redeemCode);
    const winners = results.filter((result) => result.__typename === 'Redemption');
    expect(winners).toHaveLength(1);
    expect(winners[0].grant).toBe('prize');
    expect(results.filter((result) => result.reason === 'INVALID_OR_EXPIRED')).toHaveLength(99);
  }, 60_000);
});
