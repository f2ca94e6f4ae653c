/** Each error code a client can see, and what it must never see. */
import mysql from 'mysql2/promise';
import { INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE } from '../../../src/graphql/errors';
import { assembleServices } from '../../../src/server/services';
import { openMysqlDatabase } from '../../../src/store/mysql/pool';
import { errorCodes, graphql, startTestServer, type TestServer } from '../../support/server';

const REDEEM = 'mutation($input: RedeemCodeInput!) { redeemCode(input: $input) { __typename } }';
const ISSUE = 'mutation($input: IssueCodeInput!) { issueCode(input: $input) { code } }';
const ISSUE_MANY = 'mutation($input: IssueCodesInput!) { issueCodes(input: $input) { code } }';
const LIST = 'query($first: Int, $after: String) { codes(first: $first, after: $after) { pageInfo { hasNextPage } } }';
const CHECK = 'query($code: String!, $purpose: String) { redeemable(code: $code, purpose: $purpose) { __typename } }';

describe('BAD_USER_INPUT names the field', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  const cases: [string, string, Record<string, unknown>, boolean][] = [
    ['idempotencyKey', REDEEM, { input: { code: 'ABCD-EFGH', idempotencyKey: 'too-short' } }, false],
    ['idempotencyKey', REDEEM, { input: { code: 'ABCD-EFGH', idempotencyKey: 'k'.repeat(201) } }, false],
    ['subject', REDEEM, { input: { code: 'ABCD-EFGH', subject: 's'.repeat(256) } }, false],
    ['scope', REDEEM, { input: { code: 'ABCD-EFGH', scope: 's'.repeat(65) } }, false],
    ['code', REDEEM, { input: { code: 'A'.repeat(257) } }, false],
    ['code', CHECK, { code: 'A'.repeat(257) }, false],
    ['purpose', CHECK, { code: 'ABCD-EFGH', purpose: 'p'.repeat(65) }, false],
    ['grant', ISSUE, { input: { grant: 'g'.repeat(4097) } }, true],
    ['ttlSeconds', ISSUE, { input: { ttlSeconds: 0 } }, true],
    ['count', ISSUE_MANY, { input: { count: 0 } }, true],
    ['count', ISSUE_MANY, { input: { count: 10_001 } }, true],
    ['first', LIST, { first: 501 }, true],
    ['first', LIST, { first: 0 }, true],
    ['after', LIST, { after: 'not-a-cursor' }, true],
  ];

  it.each(cases)('%s', async (field, query, variables, admin) => {
    const response = await graphql(server.graphqlUrl, { query, variables, key: admin ? server.adminKey : undefined });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    const [error] = response.body.errors!;
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(error.message).toContain(field);
  });

  it('never echoes a secret in a variable error', async () => {
    const secret = 'K7QM-2XHP-SECRET';
    const bad = [
      { input: { code: secret, bogus: true } },
      { input: { code: secret, idempotencyKey: { secret } } },
      { input: { code: secret, subject: 42 } },
    ];
    for (const variables of bad) {
      const response = await graphql(server.graphqlUrl, { query: REDEEM, variables });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(JSON.stringify(response.body)).not.toContain(secret);
      expect(JSON.stringify(response.body)).not.toContain('SECRET');
    }
    const unknownField = await graphql(server.graphqlUrl, { query: REDEEM, variables: bad[0] });
    expect(unknownField.body.errors![0].message).toBe(
      'Variable "$input" got an invalid value. Field "bogus" is not defined by type "RedeemCodeInput".',
    );
    const nested = await graphql(server.graphqlUrl, { query: REDEEM, variables: bad[2] });
    expect(nested.body.errors![0].message).toBe('Variable "$input" got an invalid value at "input.subject".');
  });

  it('keeps parse and validation codes, without stack traces', async () => {
    const parse = await graphql(server.graphqlUrl, { query: '{ redeemable(' });
    expect(errorCodes(parse)).toEqual(['GRAPHQL_PARSE_FAILED']);
    const validation = await graphql(server.graphqlUrl, { query: '{ nope }' });
    expect(errorCodes(validation)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const literal = await graphql(server.graphqlUrl, {
      query: 'mutation { issueCode(input: { ttlSeconds: "hunter2" }) { code } }',
      key: server.adminKey,
    });
    expect(errorCodes(literal)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(literal.body)).not.toContain('hunter2');
    for (const response of [parse, validation, literal]) {
      expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|at .*\.js/);
    }
  });
});

describe('TEMPORARILY_UNAVAILABLE when the database cannot be reached', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Nothing listens on port 1: every connection is refused.
    const deadDatabase = openMysqlDatabase('mysql://root:pool-password@127.0.0.1:1/gone', {
      connectionLimit: 2,
      connectTimeoutMs: 500,
    });
    server = await startTestServer({
      openServices: async (config, logger, options) => assembleServices(config, deadDatabase, logger, options),
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['a public redemption (the rate limiter fails closed)', REDEEM, { input: { code: 'ABCD-EFGH' } }, false],
    ['a public check', CHECK, { code: 'ABCD-EFGH' }, false],
    ['an admin issue', ISSUE, { input: {} }, true],
    ['an admin list', LIST, {}, true],
  ])('%s', async (_name, query, variables, admin) => {
    const response = await graphql(server.graphqlUrl, { query, variables, key: admin ? server.adminKey : undefined });
    expect(errorCodes(response)).toEqual(['TEMPORARILY_UNAVAILABLE']);
    expect(response.body.errors![0].message).toBe(UNAVAILABLE_MESSAGE);
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|pool-password|MySQL/);
  });

  it('reports not ready, while still alive', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('INTERNAL_SERVER_ERROR, masked, when something unexpected breaks', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('hides the detail from the client and logs it', async () => {
    const connection = await mysql.createConnection({ uri: server.database.url });
    await connection.query('DROP TABLE codes');
    await connection.end();
    const response = await graphql(server.graphqlUrl, { query: ISSUE, variables: { input: {} }, key: server.adminKey });
    expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(response.body.errors![0].message).toBe(INTERNAL_MESSAGE);
    expect(JSON.stringify(response.body)).not.toMatch(/codes|MySQL|exist|stack/i);
    expect(server.logs.some((line) => line.includes('unexpected error') && line.includes('StoreError'))).toBe(true);
  });
});
