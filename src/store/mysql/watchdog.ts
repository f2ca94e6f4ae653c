/**
 * The statement deadline (DB_STATEMENT_TIMEOUT_MS) for every session of a
 * database, kept by one timer instead of one per statement: a session marks
 * when its statement started, and the watchdog aborts a statement that has run
 * longer than the deadline by destroying its connection, which fails the
 * statement with PROTOCOL_SEQUENCE_TIMEOUT. The deadline is kept to within a
 * fifth of itself.
 */
import type { MysqlSession } from './session';

const MIN_PERIOD_MS = 5;
const MAX_PERIOD_MS = 250;

export class StatementWatchdog {
  private readonly sessions = new Set<MysqlSession>();
  private timer: NodeJS.Timeout | null = null;
  private readonly periodMs: number;

  constructor(readonly deadlineMs: number) {
    this.periodMs = Math.min(MAX_PERIOD_MS, Math.max(MIN_PERIOD_MS, Math.floor(deadlineMs / 5)));
  }

  watch(session: MysqlSession): void {
    this.sessions.add(session);
    // Unref'd: a deadline never keeps the process alive.
    this.timer ??= setInterval(() => this.check(), this.periodMs).unref();
  }

  unwatch(session: MysqlSession): void {
    this.sessions.delete(session);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private check(): void {
    const overdueBefore = Date.now() - this.deadlineMs;
    for (const session of this.sessions) {
      const started = session.statementStartedAt;
      if (started !== 0 && started < overdueBefore) {
        session.abort(Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }));
      }
    }
  }
}
