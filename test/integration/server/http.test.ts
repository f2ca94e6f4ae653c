/** The HTTP surface around GraphQL: ops endpoints, Sandbox, CORS, request ids, metrics and logs. */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { graphql, startTestServer, type TestServer } from '../../support/server';

const STUDIO = 'https://studio.apollographql.com';
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Whether the request went over a connection an earlier request had used. */
  readonly reusedConnection: boolean;
}

/**
 * One request through node:http, whose body may be written in pieces
 * (`write` gets the request and ends it): fetch cannot send a chunked body
 * without a stream, nor say whether a connection was reused.
 */
function rawRequest(
  url: string,
  options: http.RequestOptions,
  write: (request: http.ClientRequest) => void = (request) => request.end(),
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          headers: response.headers,
          body,
          reusedConnection: request.reusedSocket,
        }),
      );
    });
    request.on('error', reject);
    write(request);
  });
}

/** The value of one series in Prometheus text, 0 when absent. */
function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('outside production', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('is alive and ready', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('serves the Sandbox to a browser, with a placeholder Authorization header and no real key', async () => {
    const response = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toMatch(/EmbeddedSandbox/);
    expect(page).toContain('"sharedHeaders":{"Authorization":"Bearer \\u003cyour admin key\\u003e"}');
    expect(page).not.toContain(server.adminKey);
    expect(page).not.toContain(server.scopedKey);
  });

  it('answers introspection', async () => {
    const response = await graphql(server.graphqlUrl, { query: '{ __schema { queryType { name } } }' });
    expect(response.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it("admits Apollo Studio's origin, preflight included", async () => {
    const preflight = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: STUDIO,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(STUDIO);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    const response = await graphql(server.graphqlUrl, { query: '{ __typename }', headers: { origin: STUDIO } });
    expect(response.headers.get('access-control-allow-origin')).toBe(STUDIO);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives other origins no CORS headers', async () => {
    const origin = 'https://evil.example';
    const preflight = await fetch(server.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const response = await graphql(server.graphqlUrl, { query: '{ __typename }', headers: { origin } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('echoes a safe X-Request-Id, and replaces an unsafe one', async () => {
    const given = await graphql(server.graphqlUrl, {
      query: '{ __typename }',
      headers: { 'x-request-id': 'req-123.abc' },
    });
    expect(given.headers.get('x-request-id')).toBe('req-123.abc');
    const unsafe = await graphql(server.graphqlUrl, {
      query: '{ __typename }',
      headers: { 'x-request-id': 'bad id {"injected":true}' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per GraphQL request, with no code, key, grant or variables', async () => {
    const grant = 'grant-payload-that-must-not-be-logged';
    const idempotencyKey = 'idempotency-key-not-for-logs';
    const issued = await graphql<{ issueCode: { code: string } }>(server.graphqlUrl, {
      query: 'mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code } }',
      variables: { input: { grant } },
      key: server.adminKey,
      headers: { 'x-request-id': 'log-test-1' },
    });
    const code = issued.body.data!.issueCode.code;
    await graphql(server.graphqlUrl, {
      query: 'mutation Redeem($input: RedeemCodeInput!) { redeemCode(input: $input) { __typename } }',
      variables: { input: { code, idempotencyKey } },
      headers: { 'x-request-id': 'log-test-2', authorization: `Bearer ${server.scopedKey}` },
    });
    await graphql(server.graphqlUrl, { query: '{ codeStats { used } }', headers: { 'x-request-id': 'log-test-3' } });

    const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const byId = (id: string) => lines.filter((line) => line.requestId === id);
    expect(byId('log-test-1')).toEqual([
      expect.objectContaining({
        msg: 'graphql request',
        operationName: 'Issue',
        operation: 'issueCode',
        outcome: 'ok',
      }),
    ]);
    expect(byId('log-test-2')).toEqual([expect.objectContaining({ operation: 'redeemCode', outcome: 'ok' })]);
    expect(byId('log-test-3')).toEqual([expect.objectContaining({ outcome: 'UNAUTHENTICATED' })]);
    expect(typeof byId('log-test-1')[0].latencyMs).toBe('number');

    const everything = server.logs.join('\n');
    for (const secret of [code, code.replace('-', ''), grant, idempotencyKey, server.adminKey, server.scopedKey]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/variables|authorization/i);
  });

  it('answers unknown paths 404 and other methods than GET and HEAD on ops paths 405, in JSON, with a request id', async () => {
    const unknown = await fetch(`${server.url}/wp-login.php`, { headers: { 'x-request-id': 'probe-1' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-request-id')).toBe('probe-1');
    expect(await unknown.json()).toEqual({ errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] });

    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const wrong = await fetch(`${server.url}${path}`, { method: 'POST', body: '{}' });
      expect([path, wrong.status, wrong.headers.get('allow')]).toEqual([path, 405, 'GET, HEAD']);
      expect(wrong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(await wrong.text()).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    }
  });

  it('answers HEAD on ops paths with the headers only', async () => {
    const head = await rawRequest(`${server.url}/healthz`, { method: 'HEAD' });
    expect([head.status, head.body, head.headers['content-type']]).toEqual([
      200,
      '',
      'application/json; charset=utf-8',
    ]);
    expect(head.headers['content-length']).toBe(String(JSON.stringify({ status: 'ok' }).length));
  });

  it('serves its paths with a trailing slash or in another case, as Express did, and no sub-paths', async () => {
    expect((await graphql(`${server.url}/graphql/`, { query: '{ __typename }' })).body.data).toEqual({
      __typename: 'Query',
    });
    expect((await fetch(`${server.url}/HEALTHZ`)).status).toBe(200);
    expect((await fetch(`${server.url}/graphql/extra`, { method: 'POST' })).status).toBe(404);
  });

  it('sends neither X-Powered-By nor an ETag', async () => {
    const response = await graphql(server.graphqlUrl, { query: '{ __typename }' });
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('etag')).toBeNull();
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('refuses a chunked body past the limit as soon as it passes it, and the connection serves the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const piece = ' '.repeat(16 * 1024);
      const refused = await rawRequest(
        server.graphqlUrl,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (request) => {
          request.write(`{"query":"{ __typename }","padding":"`);
          for (let index = 0; index < 5; index += 1) request.write(piece);
          // The body ends only once the answer is in: the answer came as soon as the limit was passed.
          request.on('response', () => request.end(`"}`));
        },
      );
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

      const declared = await rawRequest(
        server.graphqlUrl,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (request) => request.end(JSON.stringify({ query: '{ __typename }', padding: piece.repeat(5) })),
      );
      expect(declared.status).toBe(413);
      const next = await rawRequest(
        server.graphqlUrl,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (request) => request.end(TYPENAME),
      );
      expect([next.status, next.reusedConnection]).toEqual([200, true]);
    } finally {
      agent.destroy();
    }
  });

  it('reads a gzip-compressed body, and refuses an unknown encoding or a charset that is not UTF with 415', async () => {
    const post = (headers: Record<string, string>, body: Buffer | string) =>
      rawRequest(server.graphqlUrl, { method: 'POST', headers }, (request) => request.end(body));
    const gzipped = await post({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(TYPENAME));
    expect([gzipped.status, JSON.parse(gzipped.body)]).toEqual([200, { data: { __typename: 'Query' } }]);
    expect((await post({ 'content-type': 'application/json', 'content-encoding': 'compress' }, TYPENAME)).status).toBe(
      415,
    );
    expect((await post({ 'content-type': 'application/json; charset=latin1' }, TYPENAME)).status).toBe(415);
  });

  const metricsText = async () => (await fetch(`${server.url}/metrics`)).text();

  it('exposes Prometheus metrics: requests, outcomes, latency, attempts, invariant violations, process', async () => {
    const issued = await graphql<{ issueCode: { code: string } }>(server.graphqlUrl, {
      query: 'mutation { issueCode(input: {}) { code } }',
      key: server.adminKey,
    });
    const code = issued.body.data!.issueCode.code;
    const redeem = `mutation($input: RedeemCodeInput!) { redeemCode(input: $input) { __typename } }`;
    const before = await metricsText();
    await graphql(server.graphqlUrl, { query: redeem, variables: { input: { code } } });
    await graphql(server.graphqlUrl, { query: redeem, variables: { input: { code } } });
    await graphql(server.graphqlUrl, { query: '{ redeemable(code: "22222222") { __typename } }' });

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/claimcheck_graphql_requests_total\{operation="redeemCode",outcome="ok"\} \d+/);
    expect(text).toMatch(/claimcheck_graphql_requests_total\{operation="codeStats",outcome="UNAUTHENTICATED"\} \d+/);
    expect(text).toMatch(/claimcheck_graphql_request_duration_seconds_bucket\{le="0.1",operation="issueCode"\}/);
    expect(text).toMatch(/claimcheck_http_requests_total\{route="\/graphql",method="POST",status="200"\} \d+/);
    await fetch(`${server.url}/no-such-path-${Date.now()}`);
    const afterUnknown = await metricsText();
    expect(afterUnknown).toMatch(/claimcheck_http_requests_total\{route="other",method="GET",status="404"\} \d+/);
    expect(afterUnknown).not.toContain('no-such-path');
    const attempts = (outcome: string, operation = 'redeem') =>
      `claimcheck_code_attempts_total{operation="${operation}",outcome="${outcome}"}`;
    expect(valueOf(text, attempts('redeemed')) - valueOf(before, attempts('redeemed'))).toBe(1);
    expect(valueOf(text, attempts('USED')) - valueOf(before, attempts('USED'))).toBe(1);
    expect(valueOf(text, attempts('UNKNOWN', 'check')) - valueOf(before, attempts('UNKNOWN', 'check'))).toBe(1);
    expect(text).toMatch(/claimcheck_invariant_violations_total 0/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    expect(text).not.toContain(code);
  });
});

describe('in production', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('serves no landing page and refuses introspection', async () => {
    const page = await fetch(server.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/EmbeddedSandbox|sharedHeaders/);
    const introspection = await graphql(server.graphqlUrl, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('suggests no field names', async () => {
    const response = await graphql(server.graphqlUrl, { query: '{ redeemabl(code: "x") { __typename } }' });
    expect(response.body.errors![0].message).not.toMatch(/Did you mean/);
  });
});

describe('behind a proxy', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: 'loopback', RATE_LIMIT_MAX_FAILURES: '2' } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('rate-limits per forwarded client address', async () => {
    const attempt = (client: string) =>
      graphql<{ redeemable: { reason: string } }>(server.graphqlUrl, {
        query: '{ redeemable(code: "22222222") { ... on RedeemFailure { reason } } }',
        headers: { 'x-forwarded-for': client },
      });
    const reasons = [];
    for (let index = 0; index < 4; index += 1)
      reasons.push((await attempt('203.0.113.7')).body.data!.redeemable.reason);
    expect(reasons.slice(-1)).toEqual(['RATE_LIMITED']);
    expect((await attempt('203.0.113.8')).body.data!.redeemable.reason).toBe('INVALID_OR_EXPIRED');
  });
});
