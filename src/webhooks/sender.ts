/**
 * Sends one signed webhook request with undici: a keep-alive Agent shared by
 * every delivery, no redirects followed (a 3xx is a failed attempt), one
 * deadline for connecting, waiting and reading, and a connection lookup that
 * refuses non-public addresses after DNS has answered (AddressPolicy), so the
 * socket goes to exactly the address that was checked.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { AddressPolicy, AddressRefused, bareHost } from '../codes/webhooks/address-policy';

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One attempt's result: a status when the endpoint answered, an error class when it did not deliver. */
export interface SendOutcome {
  readonly status: number | null;
  /** null for a 2xx; else why the attempt failed, from a fixed set (never text from the endpoint). */
  readonly errorClass: WebhookErrorClass | null;
  /** The first bytes of the response body, as text (the caller redacts it before keeping it). */
  readonly excerpt: string | null;
}

export type WebhookErrorClass =
  | 'http_status'
  | 'redirect'
  | 'timeout'
  | 'connection_refused'
  | 'connection_reset'
  | 'dns'
  | 'address_refused'
  | 'tls'
  | 'secret_unavailable'
  | 'network';

export interface WebhookSender {
  send(request: WebhookRequest): Promise<SendOutcome>;
  close(): Promise<void>;
}

export interface UndiciSenderOptions {
  readonly policy: AddressPolicy;
  readonly timeoutMs: number;
  /** Sockets per origin: what one endpoint can have in flight from this instance. */
  readonly connectionsPerOrigin: number;
}

/** Bytes of the response read at most (the rest is discarded with the socket). */
const READ_LIMIT = 16 * 1024;
const EXCERPT_BYTES = 512;
const KEEP_ALIVE_MS = 4000;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup's shape, as net.connect calls it: the policy's resolution, refusing what the policy refuses. */
function checkedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    policy.resolve(hostname).then(
      (found) => {
        const addresses = found.filter((entry) => !options.family || entry.family === options.family);
        try {
          policy.check(addresses.map((entry) => entry.address));
        } catch (refused) {
          return callback(refused as NodeJS.ErrnoException, []);
        }
        const [first] = addresses;
        if (!first) return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), []);
        if (options.all)
          return callback(
            null,
            addresses.map(({ address, family }) => ({ address, family })),
          );
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

const CODE_CLASSES: ReadonlyMap<string, WebhookErrorClass> = new Map([
  ['EWEBHOOKADDRESS', 'address_refused'],
  ['ECONNREFUSED', 'connection_refused'],
  ['ECONNRESET', 'connection_reset'],
  ['EPIPE', 'connection_reset'],
  ['UND_ERR_SOCKET', 'connection_reset'],
  ['UND_ERR_CLOSED', 'connection_reset'],
  ['ENOTFOUND', 'dns'],
  ['EAI_AGAIN', 'dns'],
  ['ETIMEDOUT', 'timeout'],
  ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
  ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
  ['UND_ERR_BODY_TIMEOUT', 'timeout'],
]);

/** The error class of a failed request: its code, or its cause's (undici wraps socket errors). */
export function errorClassOf(error: unknown): WebhookErrorClass {
  for (
    let current = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0;
    current && depth < 4;
    depth++
  ) {
    if (current instanceof AddressRefused) return 'address_refused';
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return 'timeout';
    const code = typeof current.code === 'string' ? current.code : '';
    const known = CODE_CLASSES.get(code);
    if (known) return known;
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code)) return 'tls';
    current = current.cause as typeof current;
  }
  return 'network';
}

function statusClass(status: number): WebhookErrorClass | null {
  if (status >= 200 && status < 300) return null;
  return status >= 300 && status < 400 ? 'redirect' : 'http_status';
}

/** Reads at most READ_LIMIT bytes; keeps the first EXCERPT_BYTES as text. */
async function excerptOf(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string | null> {
  const kept: Buffer[] = [];
  let read = 0;
  let keptBytes = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (keptBytes < EXCERPT_BYTES) {
      kept.push(chunk.subarray(0, EXCERPT_BYTES - keptBytes));
      keptBytes += Math.min(chunk.length, EXCERPT_BYTES - keptBytes);
    }
    if (read >= READ_LIMIT) {
      body.destroy();
      break;
    }
  }
  return keptBytes === 0 ? null : Buffer.concat(kept).toString('utf8');
}

export class UndiciWebhookSender implements WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly options: UndiciSenderOptions) {
    this.agent = new Agent({
      keepAliveTimeout: KEEP_ALIVE_MS,
      connections: options.connectionsPerOrigin,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.timeoutMs, lookup: checkedLookup(options.policy) },
    });
  }

  async send(outgoing: WebhookRequest): Promise<SendOutcome> {
    try {
      // An address literal never reaches the lookup: it is checked here instead.
      const host = bareHost(new URL(outgoing.url));
      if (isIP(host)) this.options.policy.check([host]);
      const response = await request(outgoing.url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { ...outgoing.headers, 'content-type': 'application/json', 'user-agent': 'claimcheck-webhooks' },
        body: outgoing.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const excerpt = await excerptOf(response.body);
      return { status: response.statusCode, errorClass: statusClass(response.statusCode), excerpt };
    } catch (error) {
      return { status: null, errorClass: errorClassOf(error), excerpt: null };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
