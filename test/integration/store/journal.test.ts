import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { MysqlAuditLog } from '../../../src/store/mysql/journal';
import { binaryToId } from '../../../src/store/mysql/ids';
import type { CodeId, JournalEntry } from '../../../src/store/port';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

let fixture: MysqlFixture;

beforeAll(async () => {
  fixture = await createMysqlFixture();
});

afterAll(async () => {
  await fixture.close();
});

async function storedEntries(): Promise<(JournalEntry & { pending: boolean })[]> {
  const [rows] = await fixture.pool.query<RowDataPacket[]>('SELECT * FROM code_events ORDER BY id');
  return rows.map((row) => ({
    type: row.event_type,
    at: row.occurred_at,
    codeId: row.code_id === null ? null : binaryToId<CodeId>(row.code_id),
    subject: row.subject,
    scope: row.scope,
    purpose: row.purpose,
    reason: row.reason,
    pending: row.dispatch_pending !== null,
  }));
}

it('appends refusals in order, none of them waiting for the webhook dispatcher, and nothing for an empty list', async () => {
  const log = new MysqlAuditLog(fixture.db);
  const events: JournalEntry[] = [
    {
      type: 'redeem_failed',
      at: new Date('2030-06-01T12:00:00.123Z'),
      codeId: uuidv7() as CodeId,
      subject: 'alice',
      scope: 'team-a',
      purpose: 'invite',
      reason: 'EXPIRED',
    },
    {
      type: 'rate_limited',
      at: new Date('2030-06-01T12:00:01.000Z'),
      codeId: null,
      subject: null,
      scope: null,
      purpose: null,
      reason: null,
    },
  ];
  await log.append(events);
  await log.append([]);
  const many = Array.from({ length: 2500 }, (_, i) => ({ ...events[1], at: new Date(i) }));
  await log.append(many);
  const stored = await storedEntries();
  expect(stored.slice(0, 2)).toEqual(events.map((entry) => ({ ...entry, pending: false })));
  expect(stored).toHaveLength(2502);
  expect(stored[2501].at).toEqual(new Date(2499));
});
