/**
 * The parts we use of two jshttp packages that ship no types (Express used
 * both). Remove once @types/proxy-addr and @types/content-type are installed.
 */
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';

  namespace proxyaddr {
    /** Whether the address at `hop` (0: the socket's peer) is a proxy to look past. */
    type TrustFunction = (address: string, hop: number) => boolean;
    function compile(trusted: string | readonly string[]): TrustFunction;
  }
  /** The client's address: the first untrusted one, from the socket back along X-Forwarded-For. */
  function proxyaddr(
    req: Pick<IncomingMessage, 'headers' | 'socket'>,
    trust: proxyaddr.TrustFunction,
  ): string | undefined;
  export = proxyaddr;
}

declare module 'content-type' {
  interface ParsedMediaType {
    /** Lower-cased type/subtype. */
    type: string;
    /** Parameter names lower-cased. */
    parameters: Record<string, string | undefined>;
  }
  /** Throws a TypeError on a malformed header. */
  export function parse(header: string): ParsedMediaType;
}
