/**
 * Portability rule 1, past what the conformance suite covers (lost-commit): a
 * claim whose COMMIT answer is lost, and whose redemption cannot be read back
 * either, is reported as an unknown outcome, never as a win or a loss.
 */
import { StoreUnavailable } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { openMysqlDatabase, type MysqlDatabase } from '../../../src/store/mysql/pool';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';
import { claimOf, entry, newRecord } from '../../conformance/subject';
import { TcpProxy } from '../../support/tcp-proxy';

let fixture: MysqlFixture;
let proxy: TcpProxy;
let proxied: MysqlDatabase;

beforeAll(async () => {
  fixture = await createMysqlFixture();
  const direct = new URL(fixture.database.url);
  proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 3306) });
  const through = new URL(direct);
  through.hostname = '127.0.0.1';
  through.port = String(proxy.port);
  proxied = openMysqlDatabase(through.toString(), { connectionLimit: 1, statementTimeoutMs: 1000 });
});

afterAll(async () => {
  await proxied.end();
  await proxy.close();
  await fixture.close();
});

it('reports an unknown outcome when the COMMIT answer is lost and the database is then out of reach', async () => {
  const store = new MysqlCodeStore(proxied);
  const record = newRecord();
  await store.insertCode(record, entry('issued', record.id));
  void proxy.cutAfterNextCommit();
  const error = await store.claimCode(claimOf(record)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StoreUnavailable);
  expect(error).toMatchObject({ outcomeUnknown: true });
  // The COMMIT did land: the database says so, once it can be reached.
  expect((await new MysqlCodeStore(fixture.db).getCode(record.id, null, new Date()))?.redemptionCount).toBe(1);
});
