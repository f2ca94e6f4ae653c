/**
 * The parts we use of two jshttp packages that ship no types (Express used
 * both), declared as @types/proxy-addr@2 and @types/content-type@1 declare
 * them. Remove this file once those are installed.
 */
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';

  /** The client's address: the first untrusted one, from the socket's peer back along X-Forwarded-For. */
  function proxyaddr(req: IncomingMessage, trust: (addr: string, i: number) => boolean): string;
  namespace proxyaddr {
    /** `i`: the hop, 0 being the socket's peer. */
    function compile(val: string | string[]): (addr: string, i: number) => boolean;
  }
  export = proxyaddr;
}

declare module 'content-type' {
  interface ParsedMediaType {
    /** Lower-cased type/subtype. */
    type: string;
    /** Parameter names lower-cased. */
    parameters: { [key: string]: string };
  }
  /** Throws a TypeError on a malformed header. */
  export function parse(input: string): ParsedMediaType;
}
