/**
 * Where webhooks may go: http and https URLs only, and, unless private
 * addresses are allowed (WEBHOOK_ALLOW_PRIVATE_URLS), only to public unicast
 * addresses. The check runs at creation and again at every connection, on the
 * addresses DNS answers then: the connection goes to the address that was
 * checked (the lookup hook of the sender), so DNS rebinding cannot turn an
 * accepted name into a private address later.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InvalidInput } from '../errors';

/** What a lookup answers: every address of the name (as dns.lookup with all: true). */
export type ResolveAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const MAX_URL_LENGTH = 2048;

/** The connection went, or would have gone, to an address the policy refuses. */
export class AddressRefused extends Error {
  override readonly name = 'AddressRefused';
  readonly code = 'EWEBHOOKADDRESS';
  constructor(readonly range: string) {
    super(`webhook address refused: ${range} addresses are not allowed`);
  }
}

/** The address's range when it is not a public unicast address, else null. */
export function nonPublicRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
    parsed = ipaddr.process(address);
  } catch {
    return 'unparseable';
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

/** The hostname of a URL without the brackets of an IPv6 literal. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export class AddressPolicy {
  constructor(
    readonly allowPrivate: boolean,
    private readonly resolveAll: ResolveAll,
  ) {}

  /** Every address of `hostname`, as the resolver answers now. */
  resolve(hostname: string): Promise<readonly { address: string; family: number }[]> {
    return this.resolveAll(hostname);
  }

  /** Throws AddressRefused unless every address is allowed. */
  check(addresses: readonly string[]): void {
    if (this.allowPrivate) return;
    for (const address of addresses) {
      const range = nonPublicRange(address);
      if (range !== null) throw new AddressRefused(range);
    }
  }

  /**
   * The URL a new endpoint may have, or InvalidInput saying why not: http(s),
   * no credentials, and a host whose every address is allowed now.
   */
  async admit(text: string): Promise<string> {
    const url = parseWebhookUrl(text);
    if (this.allowPrivate) return url.toString();
    const host = bareHost(url);
    let addresses: readonly string[];
    try {
      addresses = isIP(host) ? [host] : (await this.resolve(host)).map((entry) => entry.address);
    } catch {
      throw new InvalidInput('url', 'url: the host name does not resolve');
    }
    try {
      this.check(addresses);
    } catch (error) {
      if (!(error instanceof AddressRefused)) throw error;
      throw new InvalidInput(
        'url',
        `url resolves to a ${error.range} address; only public addresses are allowed (WEBHOOK_ALLOW_PRIVATE_URLS)`,
      );
    }
    return url.toString();
  }
}

/** An http(s) URL without user or password (they would be stored and shown with it). */
export function parseWebhookUrl(text: string): URL {
  if (text.length > MAX_URL_LENGTH) throw new InvalidInput('url', `url must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInput('url', 'url is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInput('url', 'url must be an http or https URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidInput('url', 'url must not contain a user name or password');
  }
  return url;
}
