import type { RowDataPacket } from 'mysql2/promise';
import { v7 as uuidv7 } from 'uuid';
import { MysqlAuditLog } from '../../../src/store/mysql/audit-log';
import { binaryToId } from '../../../src/store/mysql/ids';
import type { AuditEvent } from '../../../src/store/port';
import { createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';

let fixture: MysqlFixture;

beforeAll(async () => {
  fixture = await createMysqlFixture();
});

afterAll(async () => {
  await fixture.close();
});

async function storedEvents(): Promise<AuditEvent[]> {
  const [rows] = await fixture.pool.query<RowDataPacket[]>('SELECT * FROM code_events ORDER BY id');
  return rows.map((row) => ({
    type: row.event_type,
    at: row.occurred_at,
    codeId: row.code_id === null ? null : binaryToId(row.code_id),
    subject: row.subject,
    scope: row.scope,
    purpose: row.purpose,
    reason: row.reason,
  }));
}

it('appends events in order, and nothing for an empty list', async () => {
  const log = new MysqlAuditLog(fixture.pool);
  const events: AuditEvent[] = [
    {
      type: 'redeem_failed',
      at: new Date('2030-06-01T12:00:00.123Z'),
      codeId: uuidv7(),
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
  const stored = await storedEvents();
  expect(stored.slice(0, 2)).toEqual(events);
  expect(stored).toHaveLength(2502);
  expect(stored[2501].at).toEqual(new Date(2499));
});
