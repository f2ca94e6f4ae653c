/** The client address behind TRUST_PROXY: Express's 'trust proxy' semantics, without Express. */
import type { IncomingMessage } from 'node:http';
import { clientAddressResolver } from '../../../src/server/http/client-address';
import type { TrustProxy } from '../../../src/config/config';

/** What proxy-addr reads of a request: its headers and its socket's peer. */
function request(socketAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { headers, socket: { remoteAddress: socketAddress } } as unknown as IncomingMessage;
}

const addressOf = (trust: TrustProxy, socket: string | undefined, forwardedFor?: string) =>
  clientAddressResolver(trust)(request(socket, forwardedFor));

const CHAIN = '198.51.100.1, 203.0.113.7, 10.0.0.2';

it('off: the socket peer, whatever X-Forwarded-For says', () => {
  expect(addressOf(false, '127.0.0.1', CHAIN)).toBe('127.0.0.1');
  expect(addressOf(false, '::1')).toBe('::1');
});

it('true: the leftmost X-Forwarded-For entry, or the peer without one', () => {
  expect(addressOf(true, '127.0.0.1', CHAIN)).toBe('198.51.100.1');
  expect(addressOf(true, '127.0.0.1')).toBe('127.0.0.1');
  expect(addressOf(true, '127.0.0.1', 'not-an-address')).toBe('not-an-address');
});

it('a hop count: that many proxies looked past, counting the peer', () => {
  expect(addressOf(1, '127.0.0.1', CHAIN)).toBe('10.0.0.2');
  expect(addressOf(2, '127.0.0.1', CHAIN)).toBe('203.0.113.7');
  expect(addressOf(3, '127.0.0.1', CHAIN)).toBe('198.51.100.1');
  expect(addressOf(9, '127.0.0.1', CHAIN)).toBe('198.51.100.1');
  expect(addressOf(0, '127.0.0.1', CHAIN)).toBe('127.0.0.1');
});

it('a list: every trusted proxy looked past, the first untrusted address is the client', () => {
  expect(addressOf(['loopback'], '127.0.0.1', '203.0.113.7, 127.0.0.5')).toBe('203.0.113.7');
  expect(addressOf(['loopback', '10.0.0.0/8'], '127.0.0.1', CHAIN)).toBe('203.0.113.7');
  expect(addressOf(['10.0.0.0/8'], '127.0.0.1', CHAIN)).toBe('127.0.0.1');
  expect(addressOf(['uniquelocal'], '192.168.1.1', '198.51.100.9, 172.16.0.1')).toBe('198.51.100.9');
  expect(addressOf(['linklocal'], 'fe80::1', '2001:db8::7')).toBe('2001:db8::7');
  expect(addressOf(['127.0.0.1'], '127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
});

it('a list: an untrusted peer is the client, and IPv4-mapped peers match IPv4 subnets', () => {
  expect(addressOf(['loopback'], '198.51.100.5', '203.0.113.7')).toBe('198.51.100.5');
  expect(addressOf(['loopback'], '::ffff:127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
});

it('no address at all once the socket is gone', () => {
  expect(addressOf(false, undefined)).toBeUndefined();
  expect(addressOf(['loopback'], undefined, '203.0.113.7')).toBeUndefined();
});
