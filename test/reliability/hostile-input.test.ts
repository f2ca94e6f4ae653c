/**
 * Property-based fuzzing over HTTP of everything a stranger can send: the
 * arguments of the public fields (as raw JSON variables, so wrong types get
 * through the client, and as literals in the document) and the shape of the
 * request itself (nesting, aliases, fragments, size, JSON, content types,
 * methods, batching). Whatever comes in, the answer is never a 5xx, never
 * INTERNAL_SERVER_ERROR, never holds a secret (the admin key, the HMAC key, a
 * code issued to someone else), and the server keeps serving.
 *
 * Each request comes from its own address (X-Forwarded-For), so that the
 * rate limit does not turn every later input into RATE_LIMITED (which is
 * still an acceptable answer).
 */
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  Fleet,
  type HttpRequest,
  type IssuedCode,
  REDEEM_MUTATION,
  SecretIndex,
  type ServerInstance,
  codeRows,
  fromAddress,
  issueCodes,
  testNoSecretLeaks,
  redeem,
  uniqueAddress,
} from '../support/processes';

let database: TestDatabase;
let fleet: Fleet;
let server: ServerInstance;
/** Issued but never sent: they must not come back in any answer. */
let hidden: IssuedCode[];
/** Sent only after the fuzzing, to show the server still serves. */
let probe: IssuedCode;
/** A real code of many uses, so that hostile criteria reach the claim itself, not just the lookup. */
let target: IssuedCode;
let secrets: SecretIndex;

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_hostile');
  fleet = new Fleet('hostile-input', database);
  server = await fleet.start('server', {
    env: { TRUST_PROXY: 'true', RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000' },
  });
  hidden = await issueCodes(fleet, server.client, { count: 20, grantPrefix: 'hostile-hidden' });
  [probe] = await issueCodes(fleet, server.client, { count: 1, grantPrefix: 'hostile-probe' });
  target = await issueMultiUse(TARGET_USES);
  secrets = SecretIndex.of(
    fleet,
    hidden.map((entry) => entry.code),
  );
}, 60_000);

const TARGET_USES = 100_000;
const ISSUE_MULTI_USE = `mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code record { id } } }`;

async function issueMultiUse(maxRedemptions: number): Promise<IssuedCode> {
  const grant = 'hostile-target-grant';
  const response = await server.client.graphql(
    ISSUE_MULTI_USE,
    { input: { grant, maxRedemptions } },
    fleet.adminHeaders,
  );
  const issued = response.body.data?.issueCode as { code: string; record: { id: string } };
  return { code: issued.code, id: issued.record.id, grant, scope: null };
}

afterAll(async () => {
  await fleet?.stopAll();
  await database?.drop();
  fleet?.figures.note('answers by HTTP status', JSON.stringify(statuses));
  fleet?.figures.report('hostile-input');
});

/** How many answers had each HTTP status, for the figures. */
const statuses: Record<number, number> = {};

/** Sends one hostile request and holds its answer to the rules of this file. */
async function expectHarmless(request: HttpRequest): Promise<void> {
  fleet.figures.add('inputsTried');
  const response = await server.client.request({
    ...request,
    headers: { ...fromAddress(uniqueAddress()), ...request.headers },
  });
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  expect(response.status).toBeLessThan(500);
  expect(response.text).not.toContain('INTERNAL_SERVER_ERROR');
  expect(secrets.find(response.text)).toEqual([]);
}

function jsonPost(body: unknown, headers: Record<string, string> = {}): HttpRequest {
  return { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function graphqlPost(query: string, variables?: unknown): HttpRequest {
  return jsonPost(variables === undefined ? { query } : { query, variables });
}

// ---------------------------------------------------------------- values

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const control = fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code));

/** Past every length limit (a raw code may be 256 characters, a grant 4096), yet under the body limit. */
const hugeString = fc
  .tuple(fc.constantFrom('A', 'é', '😀', '\u0000', '-', ' ', "'", '\\'), fc.integer({ min: 257, max: 20_000 }))
  .map(([unit, count]) => unit.repeat(count));

const nastyConstant = fc.constantFrom(
  "' OR '1'='1",
  '"; DROP TABLE codes; --',
  '%',
  '_',
  '\\',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\uFEFF',
  '\u202E',
  '\uD800',
  '',
  ' ',
);

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: control }),
  fc.stringMatching(/^[2-9A-Za-z -]{0,24}$/),
  hugeString,
  nastyConstant,
);

/** A value of any JSON type, mostly strings: what a variable may hold when the client is not a GraphQL client. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 4 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
);

const redeemInput = fc
  .tuple(
    fc.record(
      {
        code: hostileValue,
        subject: hostileValue,
        purpose: hostileValue,
        scope: hostileValue,
        idempotencyKey: hostileValue,
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 3 }),
  )
  .map(([input, unknownFields]) => ({ ...unknownFields, ...input }));

const REDEEMABLE_QUERY = `query Check($code: String!, $purpose: String, $scope: String) {
  redeemable(code: $code, purpose: $purpose, scope: $scope) {
    __typename
    ... on RedeemableCode { codeId purpose scope grant expiresAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;

/** A value as a GraphQL literal in the document; strings as JSON strings, which GraphQL reads the same way. */
function literal(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const fields = Object.entries(value as Record<string, unknown>).filter(([name]) => /^[_A-Za-z]\w*$/.test(name));
  return `{${fields.map(([name, field]) => `${name}: ${literal(field)}`).join(', ')}}`;
}

// ---------------------------------------------------------------- shapes

const repeat = (count: number, make: (index: number) => string, separator = ' '): string =>
  Array.from({ length: count }, (_, index) => make(index)).join(separator);

const deepInlineFragments = (depth: number) =>
  graphqlPost(`query { ${'... on Query { '.repeat(depth)}__typename${' }'.repeat(depth)} }`);

const manyAliases = (count: number) => graphqlPost(`query { ${repeat(count, (index) => `a${index}: __typename`)} }`);

const manyRedeemAliases = (count: number) =>
  graphqlPost(
    `mutation { ${repeat(count, (index) => `r${index}: redeemCode(input: {code: "ZZZZ-ZZZ${index % 10}"}) { __typename }`)} }`,
  );

const fragmentChain = (count: number) =>
  graphqlPost(
    `query { ...F0 } ${repeat(count, (index) => `fragment F${index} on Query { __typename ${index + 1 < count ? `...F${index + 1}` : ''} }`)}`,
  );

const fragmentFanOut = (count: number) =>
  graphqlPost(
    `query { ${repeat(count, (index) => `...F${index}`)} } ${repeat(count, (index) => `fragment F${index} on Query { __typename }`)}`,
  );

const cyclicFragments = graphqlPost('query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }');

const longQuery = (length: number) => graphqlPost(`query { __typename }${' #'.repeat(length / 2)}`);

const manyDirectives = (count: number) =>
  graphqlPost(`query { __typename ${repeat(count, () => '@include(if: true)')} }`);

const selectionOnLeaf = (depth: number) =>
  graphqlPost(`query { redeemable(code: "ZZZZ-ZZZZ") { __typename ${'{ x '.repeat(depth)}${'}'.repeat(depth)} } }`);

const deepJsonVariables = (depth: number): HttpRequest => ({
  headers: { 'content-type': 'application/json' },
  body: `{"query":${JSON.stringify(REDEEM_MUTATION)},"variables":{"input":{"code":${'['.repeat(depth)}${']'.repeat(depth)}}}}`,
});

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/graphql',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  '*/*',
  '',
];

const wrongContentType = fc.constantFrom(...CONTENT_TYPES).map((type): HttpRequest => ({
  headers: { 'content-type': type },
  body: JSON.stringify({ query: '{ __typename }' }),
}));

/** Kept under Node's 16 KB limit on a request head, past which the connection is dropped before any answer. */
const getWithQueryString = fc
  .tuple(
    fc.constantFrom('{ __typename }', REDEEM_MUTATION, REDEEMABLE_QUERY, 'garbage'),
    fc.boolean(),
    hostileString.filter((value) => value.length < 1_000),
  )
  .map(([query, preflight, variable]): HttpRequest => ({
    method: 'GET',
    path: `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ code: variable }))}`,
    headers: preflight ? { 'apollo-require-preflight': 'true' } : {},
  }));

const batch = fc
  .integer({ min: 1, max: 40 })
  .map((count) =>
    jsonPost(
      Array.from({ length: count }, () => ({ query: REDEEM_MUTATION, variables: { input: { code: 'ZZZZ-ZZZZ' } } })),
    ),
  );

const invalidJson = fc
  .oneof(fc.string(), fc.constantFrom('{', '{"query":', '[', 'null', '"query"', '{"query": "{ __typename }"', '\u0000'))
  .map((body): HttpRequest => ({ headers: { 'content-type': 'application/json' }, body }));

const otherMethods = fc
  .constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE')
  .map((method): HttpRequest => ({ method, ...graphqlPost('{ __typename }') }));

const hostileHeaders = fc
  .record({
    authorization: fc.string({ unit: printable, maxLength: 300 }),
    'x-forwarded-for': fc.string({ unit: printable, maxLength: 300 }),
  })
  .map((headers): HttpRequest => ({
    ...graphqlPost(REDEEM_MUTATION, { input: { code: 'ZZZZ-ZZZZ' } }),
    headers: { 'content-type': 'application/json', ...headers },
  }));

const operationShape: fc.Arbitrary<HttpRequest> = fc.oneof(
  fc.integer({ min: 1, max: 3_000 }).map(deepInlineFragments),
  fc.integer({ min: 1, max: 3_000 }).map(manyAliases),
  fc.integer({ min: 1, max: 60 }).map(manyRedeemAliases),
  fc.integer({ min: 1, max: 600 }).map(fragmentChain),
  fc.integer({ min: 1, max: 600 }).map(fragmentFanOut),
  fc.constant(cyclicFragments),
  fc.integer({ min: 1_000, max: 200_000 }).map(longQuery),
  fc.integer({ min: 1, max: 1_000 }).map(manyDirectives),
  fc.integer({ min: 1, max: 1_000 }).map(selectionOnLeaf),
  fc.integer({ min: 1, max: 20_000 }).map(deepJsonVariables),
  fc.string({ maxLength: 2_000 }).map((document) => graphqlPost(document)),
  fc.jsonValue().map((body) => jsonPost(body)),
  wrongContentType,
  getWithQueryString,
  batch,
  invalidJson,
  otherMethods,
  hostileHeaders,
  fc.constant<HttpRequest>({ headers: { 'content-type': 'application/json' }, body: '' }),
  fc.constant<HttpRequest>({ body: '' }),
  fc.constant(graphqlPost('{ __schema { types { name fields { name } } } }')),
);

// ---------------------------------------------------------------- properties

/**
 * fc.assert, with a counterexample cut to a readable length (some are
 * hundreds of kilobytes) and every run counted as an input tried.
 */
async function checkProperty<T>(arbitrary: fc.Arbitrary<T>, send: (value: T) => HttpRequest, numRuns: number) {
  const details = await fc.check(
    fc.asyncProperty(arbitrary, (value) => expectHarmless(send(value))),
    { numRuns },
  );
  if (!details.failed) return;
  const example = JSON.stringify(details.counterexample);
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `property failed (seed ${details.seed}, path ${details.counterexamplePath}) on ${example.slice(0, 600)}${example.length > 600 ? ` … (${example.length} characters)` : ''}\n${cause}`,
  );
}

test('redeemCode with any JSON as its input variable', async () => {
  const input = fc.oneof({ weight: 9, arbitrary: redeemInput }, fc.jsonValue());
  await checkProperty(input, (value) => graphqlPost(REDEEM_MUTATION, { input: value }), 300);
}, 60_000);

test('redeemable with any JSON as its variables', async () => {
  const variables = fc.record({ code: hostileValue, purpose: hostileValue, scope: hostileValue }, { requiredKeys: [] });
  await checkProperty(variables, (values) => graphqlPost(REDEEMABLE_QUERY, values), 200);
}, 60_000);

test('redeemCode and redeemable with any literal arguments in the document', async () => {
  const document = fc
    .tuple(hostileValue, hostileValue, hostileValue, fc.boolean())
    .map(([code, scope, subject, mutation]) =>
      mutation
        ? `mutation { redeemCode(input: {code: ${literal(code)}, scope: ${literal(scope)}, subject: ${literal(subject)}}) { __typename } }`
        : `{ redeemable(code: ${literal(code)}, scope: ${literal(scope)}, purpose: ${literal(subject)}) { __typename } }`,
    );
  await checkProperty(document, (query) => graphqlPost(query), 200);
}, 60_000);

test('any operation shape, body, content type and method', async () => {
  await checkProperty(operationShape, (request) => request, 600);
}, 90_000);

test('hostile subjects, scopes and purposes against a real code reach the claim and win only what they should', async () => {
  // Kept under the body limit; past the field limits (64 for scope and purpose), as they may be.
  const shortHostile = hostileString.filter((value) => value.length <= 300);
  const criteria = fc.record({
    subject: fc.oneof(
      shortHostile.filter((value) => value.length <= 255),
      fc.constant(null),
    ),
    scope: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, shortHostile),
    purpose: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, shortHostile),
  });
  let wins = 0;
  const details = await fc.check(
    fc.asyncProperty(criteria, async (input) => {
      fleet.figures.add('inputsTried');
      const answer = await redeem(server.client, { code: target.code, ...input }, uniqueAddress());
      expect(answer.status).toBeLessThan(500);
      // The code has no scope and no purpose: only a request naming neither (any subject) may win.
      const mayWin = input.scope === null && input.purpose === null;
      if (answer.outcome.kind === 'redeemed') {
        wins++;
        expect(mayWin).toBe(true);
        expect(answer.outcome).toMatchObject({ codeId: target.id, subject: input.subject });
      } else if (answer.outcome.kind === 'error') {
        // Over-long criteria are refused as input before anything is looked up.
        expect(answer.outcome.code).toBe('BAD_USER_INPUT');
      }
    }),
    { numRuns: 300 },
  );
  expect(
    details.failed ? `${String(details.errorInstance)} on ${JSON.stringify(details.counterexample)}` : null,
  ).toBeNull();
  const rows = await codeRows(database);
  expect(rows.get(target.id)).toMatchObject({ redemptions: wins, redemptionCount: wins });
  for (const entry of hidden) expect(rows.get(entry.id)).toMatchObject({ redemptions: 0, usedAt: null });
  fleet.figures.note('real code: wins of hostile subjects', wins);
}, 90_000);

test('after all that, the same process still serves an ordinary redemption', async () => {
  expect(server.running).toBe(true);
  expect((await server.client.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
  const answer = await redeem(server.client, { code: probe.code, subject: 'after the fuzzing' }, uniqueAddress());
  expect(answer.outcome).toMatchObject({ kind: 'redeemed', codeId: probe.id });
});

testNoSecretLeaks(
  () => fleet,
  () => [...hidden, probe, target],
);
