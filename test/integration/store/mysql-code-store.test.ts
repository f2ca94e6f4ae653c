/** What the MySQL adapter promises beyond the conformance suite: transactions, chunking and deadlines on this engine. */
import type { RowDataPacket } from 'mysql2/promise';
import { StoreUnavailable } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { openMysqlDatabase } from '../../../src/store/mysql/pool';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';
import { claimOf, entry, newRecord, NOW } from '../../conformance/subject';

let fixture: MysqlFixture;

beforeAll(async () => {
  fixture = await createMysqlFixture({ connectionLimit: 10 });
});

beforeEach(async () => {
  await fixture.truncate();
});

afterAll(async () => {
  await fixture.close();
});

async function journalTypes(): Promise<string[]> {
  const [rows] = await fixture.pool.query<RowDataPacket[]>('SELECT event_type FROM code_events ORDER BY id');
  return rows.map((row) => String(row.event_type));
}

async function count(table: string): Promise<number> {
  const [rows] = await fixture.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

it('writes each change’s record in its transaction, and none for a lost claim or a failed batch', async () => {
  const store = new MysqlCodeStore(fixture.db);
  const record = newRecord();
  await store.insertCode(record, entry('issued', record.id));
  expect((await store.claimCode(claimOf(record))).kind).toBe('won');
  expect((await store.claimCode(claimOf(record))).kind).toBe('lost');
  const revocable = newRecord();
  await store.insertCode(revocable, entry('issued', revocable.id));
  expect(await store.revokeCode(revocable.id, null, NOW, entry('revoked', revocable.id))).toBe(true);
  expect(await store.revokeCode(revocable.id, null, NOW, entry('revoked', revocable.id))).toBe(false);
  const batch = [newRecord(), newRecord({ lookupKey: record.lookupKey })];
  await expect(store.insertCodes(batch, entry('issued', batch[0]!.id))).rejects.toThrow();
  expect(await journalTypes()).toEqual(['issued', 'issued', 'revoked']);
  expect(await count('redemptions')).toBe(1);
});

it('rolls back every chunk of a batch when a later chunk collides', async () => {
  const store = new MysqlCodeStore(fixture.db, { batchLimits: { maxRows: 3, maxBytes: 1024 * 1024 } });
  const stored = newRecord();
  await store.insertCode(stored, entry('issued', stored.id));
  const batch = [...Array.from({ length: 8 }, () => newRecord()), newRecord({ lookupKey: stored.lookupKey })];
  await expect(store.insertCodes(batch, entry('issued', batch[0]!.id))).rejects.toMatchObject({
    codeIds: [batch[8]!.id],
  });
  expect(await count('codes')).toBe(1);
  await store.insertCodes(batch.slice(0, 8), entry('issued', batch[0]!.id));
  expect((await store.countByState({}, new Date(0))).redeemable).toBe(9);
});

it('gives up a statement that waits past the deadline, and the claim it belonged to leaves no trace', async () => {
  const impatient = openMysqlDatabase(fixture.database.url, { connectionLimit: 2, statementTimeoutMs: 300 });
  const store = new MysqlCodeStore(impatient);
  const record = newRecord();
  await store.insertCode(record, entry('issued', record.id));
  const holder = await fixture.pool.getConnection();
  try {
    await holder.query('START TRANSACTION');
    await holder.query('SELECT id FROM codes WHERE id = ? FOR UPDATE', [
      Buffer.from(record.id.replace(/-/g, ''), 'hex'),
    ]);
    const started = Date.now();
    const error = await store.claimCode(claimOf(record)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({ reason: 'timeout', outcomeUnknown: false });
    // One watchdog keeps every deadline: within a fifth of it.
    expect(Date.now() - started).toBeLessThan(300 * 1.2 + 200);
    await holder.query('ROLLBACK');
  } finally {
    holder.release();
  }
  expect((await store.getCode(record.id, null, NOW))?.redemptionCount).toBe(0);
  expect((await store.claimCode(claimOf(record))).kind).toBe('won');
  await impatient.end();
});

it('never hands a transaction connection back with its transaction open', async () => {
  const store = new MysqlCodeStore(fixture.db);
  const record = newRecord({ maxRedemptions: 3 });
  await store.insertCode(record, entry('issued', record.id));
  for (let claim = 0; claim < 4; claim++) await store.claimCode(claimOf(record));
  const [open] = await fixture.pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID()',
  );
  expect(Number(open[0]!.n)).toBe(0);
});
