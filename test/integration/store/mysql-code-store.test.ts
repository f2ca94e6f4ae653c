import type { RowDataPacket } from 'mysql2/promise';
import { StoreUnavailable } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { claimOf, defineCodeStoreConformance, event, newRecord } from '../../conformance/code-store.conformance';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

let fixture: MysqlFixture;

beforeAll(async () => {
  // The race case claims one code from 50 connections at once.
  fixture = await createMysqlFixture({ connectionLimit: 55 });
});

afterAll(async () => {
  await fixture.close();
});

defineCodeStoreConformance('MysqlCodeStore', async () => {
  await fixture.truncate();
  return { store: new MysqlCodeStore(fixture.pool), close: async () => {} };
});

describe('MysqlCodeStore on MySQL', () => {
  beforeEach(async () => {
    await fixture.truncate();
  });

  async function eventTypes(): Promise<string[]> {
    const [rows] = await fixture.pool.query<RowDataPacket[]>('SELECT event_type FROM code_events ORDER BY id');
    return rows.map((row) => String(row.event_type));
  }

  it('writes each audit event in the transaction of its change, and none for a lost claim or a failed batch', async () => {
    const store = new MysqlCodeStore(fixture.pool);
    const record = newRecord();
    await store.insertCode(record, event('issued', record.id));
    expect((await store.claimCode(claimOf(record))).kind).toBe('won');
    expect((await store.claimCode(claimOf(record))).kind).toBe('lost');
    const revocable = newRecord();
    await store.insertCode(revocable, event('issued', revocable.id));
    expect(await store.revokeCode(revocable.id, null, new Date(), event('revoked', revocable.id))).toBe(true);
    expect(await store.revokeCode(revocable.id, null, new Date(), event('revoked', revocable.id))).toBe(false);
    const batch = [newRecord(), newRecord({ lookupKey: record.lookupKey })];
    await expect(
      store.insertCodes(batch, [event('issued', batch[0].id), event('issued', batch[1].id)]),
    ).rejects.toThrow();
    expect(await eventTypes()).toEqual(['issued', 'redeemed', 'issued', 'revoked']);
  });

  it('rolls back every chunk of a batch when a later chunk collides', async () => {
    const store = new MysqlCodeStore(fixture.pool, { batchLimits: { maxRows: 3, maxBytes: 1024 * 1024 } });
    const stored = newRecord();
    await store.insertCode(stored, event('issued', stored.id));
    const batch = [...Array.from({ length: 8 }, () => newRecord()), newRecord({ lookupKey: stored.lookupKey })];
    await expect(store.insertCodes(batch, [])).rejects.toMatchObject({ codeIds: [batch[8].id] });
    const [rows] = await fixture.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM codes');
    expect(Number(rows[0].n)).toBe(1);
    await store.insertCodes(batch.slice(0, 8), []);
    expect((await store.countByState({}, new Date(0))).redeemable).toBe(9);
  });

  it('gives up a statement that waits too long, and the claim it belonged to leaves no trace', async () => {
    const store = new MysqlCodeStore(fixture.pool, { statementTimeoutMs: 300 });
    const record = newRecord();
    await store.insertCode(record, event('issued', record.id));
    const holder = await fixture.pool.getConnection();
    try {
      await holder.query('START TRANSACTION');
      await holder.query('SELECT id FROM codes WHERE id = ? FOR UPDATE', [
        Buffer.from(record.id.replace(/-/g, ''), 'hex'),
      ]);
      const error = await store.claimCode(claimOf(record)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailable);
      expect(error).toMatchObject({ reason: 'timeout', outcomeUnknown: false });
      await holder.query('ROLLBACK');
    } finally {
      holder.release();
    }
    expect((await store.inspect([{ lookupKey: record.lookupKey, keyVersion: 'v1' }]))?.usedAt).toBeNull();
    expect((await store.claimCode(claimOf(record))).kind).toBe('won');
  });
});
