/**
 * One pooled connection and the discipline around it: a connection that broke
 * (or overran the statement deadline) is destroyed, never handed back to the
 * pool; a connection of the write pool (autocommit off) never goes back with a
 * transaction open.
 */
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { breaksConnection } from './errors';
import type { StatementWatchdog } from './watchdog';

export type SqlValue = string | number | Buffer | Date | null;

export type Rows = RowDataPacket[];

export class MysqlSession {
  private broken = false;
  private transactionOpen = false;
  /** When the statement in flight started (Date.now()); 0 when none is. Read by the watchdog. */
  statementStartedAt = 0;

  /** `transactional`: a write connection (autocommit off), on which every statement opens or continues a transaction. */
  constructor(
    readonly connection: PoolConnection,
    private readonly transactional: boolean,
  ) {}

  /** Whether a statement ran since the last COMMIT or ROLLBACK on a write connection. */
  get inTransaction(): boolean {
    return this.transactionOpen;
  }

  /** Whether the connection must be destroyed rather than released. */
  get isBroken(): boolean {
    return this.broken;
  }

  /** Ends the statement in flight with `error` and condemns the connection (the watchdog's deadline passed). */
  abort(error: Error): void {
    this.broken = true;
    // The driver's socket: destroying it with `error` fails the statement in flight with that error.
    const core = this.connection.connection as unknown as { stream?: { destroy(error: Error): void } };
    core.stream?.destroy(error);
  }

  /** A prepared statement: for the fixed-shape statements of the hot path. */
  async execute<T extends Rows | ResultSetHeader>(sql: string, values: readonly SqlValue[]): Promise<T> {
    this.transactionOpen = this.transactional;
    this.statementStartedAt = Date.now();
    try {
      const [result] = await this.connection.execute<T>(sql, values as SqlValue[]);
      return result;
    } catch (error) {
      if (breaksConnection(error)) this.broken = true;
      throw error;
    } finally {
      this.statementStartedAt = 0;
    }
  }

  /**
   * A text-protocol statement with client-side escaping: for variable shapes
   * (multi-row INSERTs, LIMIT) that would each take a server-side prepared
   * statement slot, and for statements the binary protocol does not support.
   */
  async query<T extends Rows | ResultSetHeader>(sql: string, values: readonly SqlValue[] = []): Promise<T> {
    this.transactionOpen = this.transactional;
    this.statementStartedAt = Date.now();
    try {
      const [result] = await this.connection.query<T>(sql, values as SqlValue[]);
      return result;
    } catch (error) {
      if (breaksConnection(error)) this.broken = true;
      throw error;
    } finally {
      this.statementStartedAt = 0;
    }
  }

  async commit(): Promise<void> {
    await this.query('COMMIT');
    this.transactionOpen = false;
  }

  async rollback(): Promise<void> {
    await this.query('ROLLBACK');
    this.transactionOpen = false;
  }

  /**
   * Rolls back; if even that fails, the connection holds an open transaction
   * and must go. A broken connection is not asked: its ROLLBACK would queue
   * behind the statement that hung, and the server rolls back anyway when the
   * connection is destroyed.
   */
  async rollbackQuietly(): Promise<void> {
    if (this.broken) return;
    try {
      await this.rollback();
    } catch {
      this.broken = true;
    }
  }

  /** Rolls back after `reason`, which it then throws. */
  async rollbackAfter(reason: unknown): Promise<never> {
    await this.rollbackQuietly();
    throw reason;
  }
}

/** Runs `work` on one connection from `pool` and gives it back (or destroys it when broken). */
export async function withSession<T>(
  pool: Pool,
  watchdog: StatementWatchdog,
  work: (session: MysqlSession) => Promise<T>,
  prepare?: (session: MysqlSession) => Promise<void>,
): Promise<T> {
  const connection = await pool.getConnection();
  const session = new MysqlSession(connection, prepare !== undefined);
  watchdog.watch(session);
  try {
    if (prepare) await prepare(session);
    return await work(session);
  } finally {
    // A unit of work that left its transaction open is a bug; the next user of the connection must not inherit it.
    if (session.inTransaction) await session.rollbackQuietly();
    watchdog.unwatch(session);
    if (session.isBroken) connection.destroy();
    else connection.release();
  }
}
