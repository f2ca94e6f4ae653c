import { AuditBuffer } from '../../../src/codes/audit-buffer';
import type { JournalEntry, AuditLog } from '../../../src/store/port';

const event = (reason: string): JournalEntry => ({
  type: 'redeem_failed',
  at: new Date('2026-11-28T12:00:00.000Z'),
  codeId: null,
  subject: null,
  scope: null,
  purpose: null,
  reason,
});

/** An AuditLog that keeps what it is given and can be told to fail. */
class RecordingLog implements AuditLog {
  readonly batches: JournalEntry[][] = [];
  failing = false;
  async append(events: readonly JournalEntry[]): Promise<void> {
    if (this.failing) throw new Error('database down');
    this.batches.push([...events]);
  }
}

const options = { flushIntervalMs: 10_000, maxBatch: 3, maxPending: 5 };

test('writes nothing until flushed, then everything in batches of maxBatch', async () => {
  const log = new RecordingLog();
  const buffer = new AuditBuffer(log, { ...options, maxBatch: 10, onWriteFailure: jest.fn() });
  await buffer.append([event('a'), event('b')]);
  await buffer.append([event('c')]);
  expect(log.batches).toEqual([]);
  await buffer.flush();
  expect(log.batches.map((batch) => batch.map((entry) => entry.reason))).toEqual([['a', 'b', 'c']]);
});

test('a full batch is written at once, without waiting for the interval', async () => {
  const log = new RecordingLog();
  const buffer = new AuditBuffer(log, { ...options, onWriteFailure: jest.fn() });
  await buffer.append([event('a'), event('b'), event('c'), event('d')]);
  await new Promise((resolve) => setImmediate(resolve));
  await buffer.flush();
  expect(log.batches.map((batch) => batch.length)).toEqual([3, 1]);
});

test('the interval flushes on its own', async () => {
  const log = new RecordingLog();
  const buffer = new AuditBuffer(log, { ...options, flushIntervalMs: 5, onWriteFailure: jest.fn() });
  await buffer.append([event('a')]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(log.batches).toHaveLength(1);
});

test('a failed write keeps events for the next attempt, dropping the oldest beyond maxPending', async () => {
  const log = new RecordingLog();
  const onWriteFailure = jest.fn();
  const buffer = new AuditBuffer(log, { ...options, maxBatch: 10, onWriteFailure });
  log.failing = true;
  await buffer.append(['a', 'b', 'c', 'd'].map(event));
  await buffer.flush();
  await buffer.append(['e', 'f', 'g'].map(event));
  await buffer.flush();
  expect(onWriteFailure).toHaveBeenLastCalledWith(expect.any(Error), 2);
  log.failing = false;
  await buffer.flush();
  expect(log.batches.flat().map((entry) => entry.reason)).toEqual(['c', 'd', 'e', 'f', 'g']);
});
