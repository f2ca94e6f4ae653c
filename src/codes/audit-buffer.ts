import type { JournalEntry, AuditLog } from '../store/port';

export interface AuditBufferOptions {
  /** Longest an event waits before it is written. */
  readonly flushIntervalMs: number;
  /** Events per write; a full batch is written at once. */
  readonly maxBatch: number;
  /** Events kept while the log cannot be written; the oldest beyond it are dropped. */
  readonly maxPending: number;
  /** Told when a write failed (with how many events were dropped because of it). */
  readonly onWriteFailure: (error: unknown, dropped: number) => void;
}

/**
 * Audit events of refused attempts (failed redemptions and checks, rate
 * limiting), written in batches: an attack of many attempts then costs one
 * multi-row INSERT per batch instead of a committed write per attempt. Events
 * that record a change (issued, redeemed, revoked) are not buffered: they
 * commit in the change's own transaction. A crash loses at most one interval.
 */
export class AuditBuffer implements AuditLog {
  private pending: JournalEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: AuditLog,
    private readonly options: AuditBufferOptions,
  ) {}

  async append(events: readonly JournalEntry[]): Promise<void> {
    this.pending.push(...events);
    if (this.pending.length >= this.options.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs).unref();
  }

  /** Writes everything appended so far; resolves when it is written or has failed. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      try {
        await this.log.append(batch);
      } catch (error) {
        this.pending = [...batch, ...this.pending];
        const dropped = Math.max(0, this.pending.length - this.options.maxPending);
        this.pending.splice(0, dropped);
        this.options.onWriteFailure(error, dropped);
        if (this.pending.length > 0)
          this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs).unref();
        return;
      }
    }
  }
}
