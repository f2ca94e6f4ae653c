/**
 * The client's address for rate limiting, with the semantics of Express's
 * 'trust proxy' setting (which used the same proxy-addr package): off, the
 * socket's peer; true, the leftmost X-Forwarded-For entry; a hop count, that
 * many proxies looked past; a list of addresses, subnets or the names
 * loopback, linklocal and uniquelocal, every trusted proxy looked past.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { TrustProxy } from '../../config/config';

/** undefined only when the socket is already gone. */
export type ClientAddress = (request: IncomingMessage) => string | undefined;

/** Compiled once at start-up: the trust function is not rebuilt per request. */
export function clientAddressResolver(trustProxy: TrustProxy): ClientAddress {
  // Without a trusted proxy X-Forwarded-For is not even parsed.
  if (trustProxy === false) return socketAddress;
  const trust = trustFunction(trustProxy);
  return (request) => proxyaddr(request, trust);
}

function socketAddress(request: IncomingMessage): string | undefined {
  return request.socket.remoteAddress;
}

function trustFunction(trustProxy: true | number | readonly string[]): (address: string, hop: number) => boolean {
  if (trustProxy === true) return () => true;
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return proxyaddr.compile([...trustProxy]);
}
