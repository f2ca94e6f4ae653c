/** How the adapters talk to the database: whole units of work, retried when retryable, errors translated once. */
import type { PoolConnection } from 'mysql2/promise';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryTransaction, toStoreError } from './errors';
import type { MysqlDatabase } from './pool';
import { type MysqlSession, withSession } from './session';

export interface MysqlAdapterOptions {
  /** How often a transaction that hit a deadlock or write conflict is run again. */
  readonly retry?: RetryPolicy;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

/** Turns autocommit off on a transaction connection the first time it is used, so that a claim's UPDATE opens its transaction. */
async function turnAutocommitOff(database: MysqlDatabase, session: MysqlSession): Promise<void> {
  const core = session.connection.connection as PoolConnection['connection'];
  if (database.autocommitOff.has(core)) return;
  await session.connection.query('SET autocommit = 0');
  database.autocommitOff.add(core);
}

export class MysqlRunner {
  private readonly retry: RetryPolicy;

  constructor(
    readonly database: MysqlDatabase,
    options: MysqlAdapterOptions = {},
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /**
   * `work` on an autocommit connection: reads (each statement sees what is
   * committed when it runs) and single-statement writes, atomic by themselves.
   */
  async autocommit<T>(operation: string, work: (session: MysqlSession) => Promise<T>): Promise<T> {
    try {
      return await retryTransaction(this.retry, () => this.autocommitOnce(work));
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /** `work` on an autocommit connection, no retry, driver errors untranslated. */
  autocommitOnce<T>(work: (session: MysqlSession) => Promise<T>): Promise<T> {
    return withSession(this.database.autocommit, this.database.watchdog, work);
  }

  /** `work` in one transaction on a transaction connection, committed when it returns, rolled back when it throws, retried as a whole. */
  async transaction<T>(operation: string, work: (session: MysqlSession) => Promise<T>): Promise<T> {
    try {
      return await this.attempts((session) => committed(session, work));
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /**
   * `work` on a transaction connection, run again from the start on a retryable
   * error; `work` must begin and end a whole transaction itself. Driver errors
   * are left untranslated for a caller that must inspect them.
   */
  attempts<T>(work: (session: MysqlSession) => Promise<T>): Promise<T> {
    return retryTransaction(this.retry, () => this.writeOnce(work));
  }

  writeOnce<T>(work: (session: MysqlSession) => Promise<T>): Promise<T> {
    return withSession(this.database.transactions, this.database.watchdog, work, (session) =>
      turnAutocommitOff(this.database, session),
    );
  }
}

/** `work`'s statements as one transaction on a transaction connection: COMMIT after, ROLLBACK on failure. */
export async function committed<T>(session: MysqlSession, work: (session: MysqlSession) => Promise<T>): Promise<T> {
  try {
    const result = await work(session);
    // `work` may have rolled back itself (a claim that lost): nothing is left to commit then.
    if (session.inTransaction) await session.commit();
    return result;
  } catch (error) {
    // Also after a failed COMMIT: whatever the server did, the connection must not go back with a transaction open.
    return session.rollbackAfter(error);
  }
}
