import type { Pool } from 'mysql2/promise';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryTransaction, toStoreError } from './errors';
import { inTransaction, type MysqlSession, withSession } from './session';

export interface MysqlAdapterOptions {
  /** Longest wait for any one statement before its connection is given up (default 5000 ms). */
  readonly statementTimeoutMs?: number;
  /** How often a transaction that hit a deadlock or write conflict is run again. */
  readonly retry?: RetryPolicy;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

/** How the adapters talk to the pool: whole units of work, retried when retryable, errors translated once. */
export class MysqlRunner {
  readonly statementTimeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly pool: Pool,
    options: MysqlAdapterOptions = {},
  ) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** `work` on one connection, run again from the start on a retryable error; `work` must be a whole transaction. */
  async run<T>(operation: string, work: (session: MysqlSession) => Promise<T>): Promise<T> {
    try {
      return await this.attempts(work);
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /** `work` in one transaction, retried as a whole. */
  transaction<T>(operation: string, work: (session: MysqlSession) => Promise<T>): Promise<T> {
    return this.run(operation, (session) => inTransaction(session, () => work(session)));
  }

  /** Like run, but driver errors are left untranslated for a caller that must inspect them. */
  attempts<T>(work: (session: MysqlSession) => Promise<T>): Promise<T> {
    return retryTransaction(this.retry, () => this.once(work));
  }

  /** `work` on one connection, no retry. */
  once<T>(work: (session: MysqlSession) => Promise<T>): Promise<T> {
    return withSession(this.pool, this.statementTimeoutMs, work);
  }
}
