/**
 * A TCP proxy between a server process and MySQL, for injecting database
 * faults: the server's DATABASE_URL points here instead of at MySQL.
 *
 * - cut('refuse'): every piped connection is destroyed and new ones are
 *   closed as soon as they arrive (MySQL went away, port closed).
 * - cut('blackhole'): piped connections stay open but nothing flows either
 *   way, and new ones are accepted and then ignored (a network partition:
 *   only the server's own timeouts can end its waits).
 * - cutAfterNextCommit(): the next client→server COM_QUERY packet whose SQL
 *   is COMMIT is forwarded, MySQL's answer to it is dropped, and then the
 *   proxy cuts: the commit landed, but the server can never learn it did.
 * - loseNextCommit(how): the next COMMIT is lost on its own connection only,
 *   which is then closed: 'delivered', MySQL got it and its answer is
 *   dropped; 'undelivered', MySQL never gets it. Other connections, and new
 *   ones, go on working, so the client can read back what happened.
 */
import net from 'node:net';

export type CutMode = 'refuse' | 'blackhole';

/** mysql COM_QUERY: 3-byte length, 1-byte sequence id, then this command byte and the SQL text. */
const COM_QUERY = 0x03;
const PACKET_HEADER_BYTES = 4;

interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** Set once this link forwarded the trapped COMMIT: MySQL's next bytes on it are its answer. */
  commitSent: boolean;
  /** What to do with MySQL's answer to the trapped COMMIT: cut everything, or close this link only. */
  onCommitAnswer: (() => void) | null;
}

export type LostCommit = 'delivered' | 'undelivered';

/** Whether `chunk` starts a COM_QUERY packet whose statement is COMMIT (the claim's last round trip). */
export function isCommitPacket(chunk: Buffer): boolean {
  if (chunk.length <= PACKET_HEADER_BYTES || chunk[PACKET_HEADER_BYTES] !== COM_QUERY) return false;
  const sql = chunk.subarray(PACKET_HEADER_BYTES + 1).toString('latin1');
  return /^\s*COMMIT\b/i.test(sql);
}

export class TcpProxy {
  private readonly links = new Set<Link>();
  /** Connections accepted during a blackhole: held open, never answered. */
  private readonly held = new Set<net.Socket>();
  private mode: CutMode | null = null;
  private commitTrap: (() => void) | null = null;
  private lostCommit: { how: LostCommit; done: () => void } | null = null;
  private cuts = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, target);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** How many faults were injected so far. */
  get faultsInjected(): number {
    return this.cuts;
  }

  get isCut(): boolean {
    return this.mode !== null;
  }

  cut(mode: CutMode): void {
    this.cuts += 1;
    this.mode = mode;
    for (const link of this.links) {
      if (mode === 'refuse') this.destroy(link);
      else [link.client, link.upstream].forEach((socket) => socket.pause());
    }
  }

  /** Ends the fault: stalled connections are dropped (their state is unknowable) and new ones are piped again. */
  restore(): void {
    this.lostCommit = null;
    for (const link of this.links) this.destroy(link);
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    this.mode = null;
  }

  /**
   * Arms the COMMIT trap. The promise settles once MySQL answered the trapped
   * COMMIT (that answer is swallowed) and the proxy is cut in `refuse` mode.
   */
  cutAfterNextCommit(): Promise<void> {
    return new Promise((resolve) => {
      this.commitTrap = () => {
        this.commitTrap = null;
        this.cut('refuse');
        resolve();
      };
    });
  }

  /** Loses the next COMMIT on its connection only; settles once it is lost. */
  loseNextCommit(how: LostCommit): Promise<void> {
    return new Promise((resolve) => {
      this.lostCommit = { how, done: resolve };
    });
  }

  async close(): Promise<void> {
    this.restore();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'blackhole') {
      this.held.add(client);
      client.on('error', () => client.destroy());
      client.on('close', () => this.held.delete(client));
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const link: Link = { client, upstream, commitSent: false, onCommitAnswer: null };
    this.links.add(link);
    client.on('data', (chunk: Buffer) => this.fromClient(link, chunk));
    upstream.on('data', (chunk: Buffer) => this.fromUpstream(link, chunk));
    // Either side ending ends the link: a half-open MySQL connection is of no use to anyone.
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.destroy(link));
      socket.on('close', () => this.destroy(link));
    }
  }

  private fromClient(link: Link, chunk: Buffer): void {
    if (this.mode !== null) return;
    if (!link.commitSent && isCommitPacket(chunk)) {
      const lost = this.lostCommit;
      if (lost) {
        this.lostCommit = null;
        if (lost.how === 'undelivered') {
          this.destroy(link);
          lost.done();
          return;
        }
        link.commitSent = true;
        link.onCommitAnswer = () => {
          this.destroy(link);
          lost.done();
        };
      } else if (this.commitTrap) {
        link.commitSent = true;
        link.onCommitAnswer = () => this.commitTrap?.();
      }
    }
    link.upstream.write(chunk);
  }

  private fromUpstream(link: Link, chunk: Buffer): void {
    if (this.mode !== null) return;
    if (link.commitSent) {
      // MySQL answered the COMMIT, so it is durable; the client must not hear about it.
      link.onCommitAnswer?.();
      return;
    }
    link.client.write(chunk);
  }

  private destroy(link: Link): void {
    link.client.destroy();
    link.upstream.destroy();
    this.links.delete(link);
  }
}
