/**
 * The node:http front around a stand-in for Apollo's executeHTTPGraphQLRequest:
 * what it hands to Apollo, and the answers the real schema cannot produce
 * here (incremental delivery needs graphql 17; a crash needs a bug).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { HeaderMap, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { Metrics } from '../../../src/ops/metrics';
import { createLogger } from '../../../src/ops/logger';
import type { ServerContext } from '../../../src/server/context';
import { HttpFrontend, type GraphQLExecutor } from '../../../src/server/http/frontend';

type Execute = GraphQLExecutor['executeHTTPGraphQLRequest'];

let execute: Execute;
let server: http.Server;
let url: string;
const logs: string[] = [];

beforeAll(async () => {
  const frontend = new HttpFrontend({
    apollo: { executeHTTPGraphQLRequest: (request) => execute(request) },
    // The stand-in executor reads only the request id; nothing here reaches a resolver.
    contextFor: async (_request, requestId) => ({ requestId }) as ServerContext,
    ops: new Map([['/healthz', () => Promise.reject(new Error('ops endpoint broke'))]]),
    metrics: new Metrics(),
    bodyLimitBytes: 1024,
    logger: createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString('utf8'));
          done();
        },
      }),
    ),
  });
  server = http.createServer(frontend.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function complete(body: string, status = 200): HTTPGraphQLResponse {
  return {
    status,
    headers: new HeaderMap([['content-type', 'application/json; charset=utf-8']]),
    body: { kind: 'complete', string: body },
  };
}

it('hands Apollo the method, the headers (repeated ones joined), the query string and the parsed body; the context on demand', async () => {
  const seen: { request: HTTPGraphQLRequest; requestId: string }[] = [];
  execute = async ({ httpGraphQLRequest, context }) => {
    seen.push({ request: httpGraphQLRequest, requestId: (await context()).requestId });
    return complete('{"data":{}}');
  };
  const headers = new Headers({ 'content-type': 'application/json', 'x-request-id': 'given-1' });
  headers.append('x-repeated', 'a');
  headers.append('x-repeated', 'b');
  await fetch(`${url}/graphql?ignored=1`, { method: 'POST', headers, body: '{"query":"{ a }"}' });
  await fetch(`${url}/graphql?query=%7B%20a%20%7D`, { headers: { 'apollo-require-preflight': 'yes' } });

  expect(seen.map(({ request, requestId }) => [request.method, request.search, request.body, requestId])).toEqual([
    ['POST', '?ignored=1', { query: '{ a }' }, 'given-1'],
    ['GET', '?query=%7B%20a%20%7D', undefined, expect.stringMatching(/^[0-9a-f-]{36}$/)],
  ]);
  expect(seen[0].request.headers.get('x-repeated')).toBe('a, b');
  expect(seen[0].request.headers.get('content-type')).toBe('application/json');
});

it('sends a complete answer in one write, Apollo headers included', async () => {
  execute = async () => complete('{"data":{"a":1}}');
  const chunks = await new Promise<string[]>((resolve, reject) => {
    const received: string[] = [];
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => received.push(chunk));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.end('GET /graphql HTTP/1.1\r\nhost: x\r\napollo-require-preflight: y\r\nconnection: close\r\n\r\n');
  });
  expect(chunks).toHaveLength(1);
  expect(chunks[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(chunks[0]).toMatch(/\r\ncontent-length: 16\r\n/i);
  expect(chunks[0]).not.toMatch(/transfer-encoding/i);
  expect(chunks[0].endsWith('\r\n\r\n{"data":{"a":1}}')).toBe(true);
});

it('streams an incremental answer chunk by chunk', async () => {
  execute = async () => ({
    status: 200,
    headers: new HeaderMap([['content-type', 'multipart/mixed; boundary="-"; deferSpec=20220824']]),
    body: {
      kind: 'chunked',
      asyncIterator: (async function* () {
        yield '\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{"hasNext":true}';
        await new Promise((resolve) => setTimeout(resolve, 20));
        yield '\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{"hasNext":false}\r\n-----\r\n';
      })(),
    },
  });
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query":"{ a }"}',
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('transfer-encoding')).toBe('chunked');
  expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
  expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const text = await response.text();
  expect(text).toContain('{"hasNext":true}');
  expect(text.endsWith('{"hasNext":false}\r\n-----\r\n')).toBe(true);
});

it('stops an incremental answer when the client leaves', async () => {
  // The stand-in's next chunk waits until the server has seen the connection close.
  const gone = new Promise<void>((resolve) =>
    server.once('connection', (socket: Socket) => socket.once('close', () => resolve())),
  );
  let returned!: () => void;
  const iteratorReturned = new Promise<void>((resolve) => (returned = resolve));
  let chunksMade = 0;
  execute = async () => ({
    status: 200,
    headers: new HeaderMap([['content-type', 'multipart/mixed; boundary="-"']]),
    body: {
      kind: 'chunked',
      asyncIterator: (async function* () {
        try {
          for (;;) {
            chunksMade += 1;
            yield '\r\n---\r\n{}';
            await gone;
          }
        } finally {
          returned();
        }
      })(),
    },
  });
  // A connection of its own (agent: false), so that the server sees this one close.
  await new Promise<void>((resolve, reject) => {
    const request = http.request(`${url}/graphql`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json' },
    });
    request.on('response', (response) =>
      response.once('data', () => {
        request.destroy();
        resolve();
      }),
    );
    request.on('error', (error) => {
      if (!request.destroyed) reject(error);
    });
    request.end('{"query":"{ a }"}');
  });
  await iteratorReturned;
  // The chunk made after the client left was dropped, and no other was asked for.
  expect(chunksMade).toBe(2);
});

it('answers a crash with a fixed 500 that tells nothing, and logs it with the request id', async () => {
  execute = () => Promise.reject(new Error('secret detail of a bug'));
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'crash-1' },
    body: '{"query":"{ a }"}',
  });
  expect(response.status).toBe(500);
  expect(response.headers.get('x-request-id')).toBe('crash-1');
  expect(await response.json()).toEqual({
    errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
  });
  const line = JSON.parse(logs.find((entry) => entry.includes('crash-1'))!) as Record<string, unknown>;
  expect(line).toMatchObject({
    msg: 'http request failed',
    requestId: 'crash-1',
    error: { message: 'secret detail of a bug' },
  });

  const ops = await fetch(`${url}/healthz`);
  expect(ops.status).toBe(500);
});

it('answers a crash of an incremental answer that has begun by cutting the connection', async () => {
  execute = async () => ({
    status: 200,
    headers: new HeaderMap([['content-type', 'multipart/mixed; boundary="-"']]),
    body: {
      kind: 'chunked',
      asyncIterator: (async function* () {
        yield '\r\n---\r\n{}';
        throw new Error('failed mid-answer');
      })(),
    },
  });
  // The head may be cut off too: the first chunk and the failure come in one turn of the event loop.
  const answer = fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"query":"{ a }"}',
  }).then((response) => response.text());
  await expect(answer).rejects.toThrow();
});
