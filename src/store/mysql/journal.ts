/**
 * The journal (table code_events): the audit trail, and the outbox of webhook
 * events. An entry that reports a change is written in the change's own
 * transaction with dispatch_pending set, so that the dispatcher picks it up
 * once it has committed, and never before.
 */
import type { AuditLog, JournalEntry, JournalEntryType } from '../port';
import { DEFAULT_BATCH_LIMITS, multiRowInserts, runStatements, type Statement } from './batches';
import { idToBinaryOrNull } from './ids';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import type { MysqlDatabase } from './pool';
import type { MysqlSession, SqlValue } from './session';

const ENTRY_COLUMNS = [
  'event_type',
  'code_id',
  'subject',
  'scope',
  'purpose',
  'reason',
  'occurred_at',
  'redemption_id',
  'hold_ref',
  'last_code_id',
  'item_count',
  'dispatch_pending',
] as const;

const REFUSALS: ReadonlySet<JournalEntryType> = new Set(['redeem_failed', 'rate_limited']);

/** Set on entries the dispatcher has yet to fan out to webhook endpoints. */
export const DISPATCH_PENDING = 1;

function entryRow(entry: JournalEntry): SqlValue[] {
  return [
    entry.type,
    idToBinaryOrNull(entry.codeId),
    entry.subject,
    entry.scope,
    entry.purpose,
    entry.reason,
    entry.at,
    idToBinaryOrNull(entry.redemptionId ?? null),
    idToBinaryOrNull(entry.holdRef ?? null),
    idToBinaryOrNull(entry.lastCodeId ?? null),
    entry.count ?? null,
    REFUSALS.has(entry.type) ? null : DISPATCH_PENDING,
  ];
}

function entryInserts(entries: readonly JournalEntry[]): Statement[] {
  return multiRowInserts('code_events', ENTRY_COLUMNS, entries.map(entryRow), DEFAULT_BATCH_LIMITS);
}

/** Writes `entries` on `session`, inside whatever transaction the caller has open. */
export async function writeEntries(session: MysqlSession, entries: readonly JournalEntry[]): Promise<void> {
  await runStatements(session, entryInserts(entries));
}

/** Refused attempts' entries, written on their own (in batches, by the service's AuditBuffer). */
export class MysqlAuditLog implements AuditLog {
  private readonly runner: MysqlRunner;

  constructor(database: MysqlDatabase, options: MysqlAdapterOptions = {}) {
    this.runner = new MysqlRunner(database, options);
  }

  async append(entries: readonly JournalEntry[]): Promise<void> {
    const statements = entryInserts(entries);
    if (statements.length === 0) return;
    await this.runner.transaction('append journal entries', (session) => runStatements(session, statements));
  }
}
