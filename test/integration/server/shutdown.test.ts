/** Graceful shutdown: in-flight requests finish, new connections are refused, the pool closes. */
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { graphql, startTestServer, type TestServer } from '../../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

/** Polls until the issuing INSERT waits for the table lock (not some background statement): the request is then in flight. */
async function waitForLockWait(connection: Connection, database: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [rows] = await connection.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS waiting FROM information_schema.processlist WHERE db = ? AND state LIKE 'Waiting for table%' AND info LIKE 'INSERT INTO codes%'",
      [database],
    );
    if (Number(rows[0]!.waiting) > 0) return;
    if (Date.now() > deadline) throw new Error('the issueCodes request never reached the database');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('drains an in-flight request, then refuses new connections', async () => {
  const events: string[] = [];
  // The request is held in flight by a real table lock, however fast the machine issues codes.
  const blocker = await createConnection({ uri: server.database.url });
  try {
    await blocker.query('LOCK TABLES codes WRITE');
    const slow = graphql<{ issueCodes: { code: string }[] }>(server.graphqlUrl, {
      query: 'mutation { issueCodes(input: { count: 500 }) { code } }',
      key: server.adminKey,
    }).then((response) => {
      events.push('response');
      return response;
    });
    await waitForLockWait(blocker, server.database.name);
    events.push('close called');
    const closed = server.server.close().then(() => events.push('closed'));
    await blocker.query('UNLOCK TABLES');

    const response = await slow;
    await closed;
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.issueCodes).toHaveLength(500);
    expect(events).toEqual(['close called', 'response', 'closed']);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  } finally {
    await blocker.end();
  }
}, 60_000);
