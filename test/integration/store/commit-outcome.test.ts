/**
 * Portability rule 1: a claim whose COMMIT answer is lost is settled by
 * reading the row back. A proxy between the store and the server cuts the
 * connection at the claim's COMMIT, either after the server received it or
 * before.
 */
import net from 'node:net';
import { StoreUnavailable } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { createMysqlPool } from '../../../src/store/mysql/pool';
import { claimOf, event, newRecord } from '../../conformance/code-store.conformance';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

/** What the proxy does at the next COMMIT it sees. */
type Trap = 'none' | 'deliver-then-cut' | 'cut-before-delivery' | 'cut-and-refuse';

const COM_QUERY = 0x03;

function isCommit(chunk: Buffer): boolean {
  return chunk.length >= 11 && chunk[4] === COM_QUERY && chunk.toString('latin1', 5, 11).toUpperCase() === 'COMMIT';
}

class CuttingProxy {
  trap: Trap = 'none';
  private refusing = false;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly upstream: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  }

  private accept(client: net.Socket): void {
    this.track(client);
    if (this.refusing) return void client.destroy();
    const server = this.track(net.connect(this.upstream.port, this.upstream.host));
    server.on('data', (chunk) => client.write(chunk));
    server.on('close', () => client.destroy());
    client.on('close', () => server.destroy());
    client.on('data', (chunk) => this.forward(chunk, client, server));
  }

  private forward(chunk: Buffer, client: net.Socket, server: net.Socket): void {
    if (this.trap === 'none' || !isCommit(chunk)) return void server.write(chunk);
    const trap = this.trap;
    this.trap = 'none';
    if (trap === 'deliver-then-cut') {
      // Wait for the server's answer so the COMMIT has certainly happened, then lose it.
      server.removeAllListeners('data');
      server.once('data', () => client.destroy());
      server.write(chunk);
      return;
    }
    this.refusing = trap === 'cut-and-refuse';
    client.destroy();
    server.destroy();
  }
}

let fixture: MysqlFixture;
let proxy: CuttingProxy;
let store: MysqlCodeStore;
let proxiedPool: ReturnType<typeof createMysqlPool>;

beforeAll(async () => {
  fixture = await createMysqlFixture();
  const direct = new URL(fixture.database.url);
  proxy = new CuttingProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
  const proxied = new URL(direct);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(await proxy.listen());
  proxiedPool = createMysqlPool(proxied.toString(), { connectionLimit: 1 });
  // mysql2 keeps a statement's timeout timer running after its connection drops: a short one lets jest exit promptly.
  store = new MysqlCodeStore(proxiedPool, { statementTimeoutMs: 500 });
});

afterAll(async () => {
  await proxiedPool.end();
  await proxy.close();
  await fixture.close();
});

async function issued(): Promise<ReturnType<typeof newRecord>> {
  const record = newRecord();
  await store.insertCode(record, event('issued', record.id));
  return record;
}

it('wins when the COMMIT landed but its answer was lost', async () => {
  const record = await issued();
  proxy.trap = 'deliver-then-cut';
  const request = claimOf(record);
  expect(await store.claimCode(request)).toEqual({ kind: 'won' });
  expect(proxy.trap).toBe('none');
  const inspected = await store.inspect([{ lookupKey: record.lookupKey, keyVersion: record.keyVersion }]);
  expect(inspected?.claimTokenHash).toEqual(request.claimTokenHash);
});

it('loses when the connection dropped before the COMMIT arrived, leaving the code unused', async () => {
  const record = await issued();
  proxy.trap = 'cut-before-delivery';
  expect(await store.claimCode(claimOf(record))).toEqual({ kind: 'lost' });
  const inspected = await store.inspect([{ lookupKey: record.lookupKey, keyVersion: record.keyVersion }]);
  expect(inspected?.usedAt).toBeNull();
});

it('reports an unknown outcome when the row cannot be read back either', async () => {
  const record = await issued();
  proxy.trap = 'cut-and-refuse';
  const error = await store.claimCode(claimOf(record)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StoreUnavailable);
  expect(error).toMatchObject({ outcomeUnknown: true });
});
