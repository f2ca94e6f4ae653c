/** Graceful shutdown: in-flight requests finish, new connections are refused, the pool closes. */
import { graphql, startTestServer, type TestServer } from '../../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

it('drains an in-flight request, then refuses new connections', async () => {
  const events: string[] = [];
  const slow = graphql<{ issueCodes: { code: string }[] }>(server.graphqlUrl, {
    query: 'mutation { issueCodes(input: { count: 5000 }) { code } }',
    key: server.adminKey,
  }).then((response) => {
    events.push('response');
    return response;
  });
  // Let the request reach the resolver before shutting down.
  await new Promise((resolve) => setTimeout(resolve, 300));
  events.push('close called');
  const closed = server.server.close().then(() => events.push('closed'));

  const response = await slow;
  await closed;
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data!.issueCodes).toHaveLength(5000);
  expect(events).toEqual(['close called', 'response', 'closed']);
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
}, 60_000);
