import type { Pool } from 'mysql2/promise';
import type { AuditEvent, AuditLog } from '../port';
import { DEFAULT_BATCH_LIMITS, multiRowInserts, runStatements, type Statement } from './batches';
import { idToBinary } from './ids';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import { inTransaction, type MysqlSession, type SqlValue } from './session';

const EVENT_COLUMNS = ['event_type', 'code_id', 'subject', 'scope', 'purpose', 'reason', 'occurred_at'] as const;

function eventRow(event: AuditEvent): SqlValue[] {
  return [
    event.type,
    event.codeId === null ? null : idToBinary(event.codeId),
    event.subject,
    event.scope,
    event.purpose,
    event.reason,
    event.at,
  ];
}

function eventInserts(events: readonly AuditEvent[]): Statement[] {
  return multiRowInserts('code_events', EVENT_COLUMNS, events.map(eventRow), DEFAULT_BATCH_LIMITS);
}

/** Writes `events` on `session`, inside whatever transaction the caller has open. */
export async function writeEvents(session: MysqlSession, events: readonly AuditEvent[]): Promise<void> {
  await runStatements(session, eventInserts(events));
}

export class MysqlAuditLog implements AuditLog {
  private readonly runner: MysqlRunner;

  constructor(pool: Pool, options: MysqlAdapterOptions = {}) {
    this.runner = new MysqlRunner(pool, options);
  }

  async append(events: readonly AuditEvent[]): Promise<void> {
    const statements = eventInserts(events);
    if (statements.length === 0) return;
    await this.runner.run('append audit events', (session) =>
      // One statement is atomic by itself; only an append split into several needs a transaction.
      statements.length === 1
        ? runStatements(session, statements)
        : inTransaction(session, () => runStatements(session, statements)),
    );
  }
}
