/**
 * The sender against real sockets on 127.0.0.1: redirects are not followed,
 * only a 2xx within the timeout counts, and an address literal the policy
 * refuses is refused before any connection is made.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy } from '../../../src/codes/webhooks/address-policy';
import { UndiciWebhookSender } from '../../../src/webhooks/sender';

let server: http.Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    hits.push(request.url ?? '');
    if (request.url === '/redirect') {
      response.writeHead(307, { location: '/landed' });
      response.end();
    } else if (request.url === '/slow') {
      setTimeout(() => response.end('late'), 1_500).unref();
    } else {
      response.writeHead(200);
      response.end('fine');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function sender(allowPrivate: boolean, timeoutMs = 500): UndiciWebhookSender {
  return new UndiciWebhookSender({
    policy: new AddressPolicy(allowPrivate, async () => [{ address: '127.0.0.1', family: 4 }]),
    timeoutMs,
    connectionsPerOrigin: 2,
  });
}

const request = (path: string) => ({ url: `${base}${path}`, headers: { 'webhook-id': 'x' }, body: '{}' });

it('does not follow a redirect: a 3xx is a failed attempt', async () => {
  const open = sender(true);
  try {
    expect(await open.send(request('/redirect'))).toEqual({ status: 307, errorClass: 'redirect', excerpt: null });
    expect(hits).not.toContain('/landed');
  } finally {
    await open.close();
  }
});

it('counts a 2xx only within the timeout', async () => {
  const open = sender(true, 300);
  try {
    expect(await open.send(request('/ok'))).toEqual({ status: 200, errorClass: null, excerpt: 'fine' });
    expect(await open.send(request('/slow'))).toEqual({ status: null, errorClass: 'timeout', excerpt: null });
  } finally {
    await open.close();
  }
});

it('refuses a non-public address literal before connecting, and a name that resolves to one', async () => {
  const closed = sender(false);
  const before = hits.length;
  try {
    expect((await closed.send(request('/literal'))).errorClass).toBe('address_refused');
    const port = new URL(base).port;
    const byName = await closed.send({ ...request('/name'), url: `http://receiver.example:${port}/name` });
    expect(byName.errorClass).toBe('address_refused');
    expect(hits.length).toBe(before);
  } finally {
    await closed.close();
  }
});
