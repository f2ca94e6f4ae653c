import type { RowDataPacket } from 'mysql2/promise';
import { InvariantViolation } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import { claimOf, event, newRecord } from '../../conformance/code-store.conformance';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

let fixture: MysqlFixture;

beforeAll(async () => {
  fixture = await createMysqlFixture();
  // Break the schema's guarantee on purpose: without its keys, one id and lookup key can be stored twice.
  await fixture.pool.query('ALTER TABLE codes DROP PRIMARY KEY, DROP INDEX uq_codes_lookup_key');
});

afterAll(async () => {
  await fixture.close();
});

it('throws InvariantViolation when a claim matches two rows, and changes neither', async () => {
  const store = new MysqlCodeStore(fixture.pool);
  const record = newRecord();
  await store.insertCode(record, event('issued', record.id));
  await store.insertCode(record, event('issued', record.id));

  const error = await store.claimCode(claimOf(record)).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(InvariantViolation);
  expect(error).toMatchObject({ operation: 'claimCode', codeId: record.id, rowCount: 2 });
  const [rows] = await fixture.pool.query<RowDataPacket[]>(
    'SELECT used_at, claim_token_hash FROM codes WHERE lookup_key = ?',
    [record.lookupKey],
  );
  expect(rows).toEqual([
    { used_at: null, claim_token_hash: null },
    { used_at: null, claim_token_hash: null },
  ]);
  const [events] = await fixture.pool.query<RowDataPacket[]>(
    "SELECT id FROM code_events WHERE event_type = 'redeemed'",
  );
  expect(events).toHaveLength(0);
});
