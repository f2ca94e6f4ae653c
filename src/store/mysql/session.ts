/**
 * One pooled connection with a statement timeout on every call, and the
 * discipline around it: a connection that broke (or timed out mid-statement)
 * is destroyed, never handed back to the pool.
 */
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { breaksConnection } from './errors';

export type SqlValue = string | number | Buffer | Date | null;

export type Rows = RowDataPacket[];

export class MysqlSession {
  private broken = false;

  constructor(
    private readonly connection: PoolConnection,
    private readonly statementTimeoutMs: number,
  ) {}

  /** Whether the connection must be destroyed rather than released. */
  get isBroken(): boolean {
    return this.broken;
  }

  /** A prepared statement: for the fixed-shape statements of the hot path. */
  async execute<T extends Rows | ResultSetHeader>(sql: string, values: readonly SqlValue[]): Promise<T> {
    return this.guard(async () => {
      const [result] = await this.connection.execute<T>({ sql, timeout: this.statementTimeoutMs }, [...values]);
      return result;
    });
  }

  /**
   * A text-protocol statement with client-side escaping: for variable shapes
   * (multi-row INSERTs, LIMIT) that would each take a server-side prepared
   * statement slot, and for statements the binary protocol does not support.
   */
  async query<T extends Rows | ResultSetHeader>(sql: string, values: readonly SqlValue[] = []): Promise<T> {
    return this.guard(async () => {
      const [result] = await this.connection.query<T>({ sql, timeout: this.statementTimeoutMs }, [...values]);
      return result;
    });
  }

  async begin(): Promise<void> {
    await this.query('START TRANSACTION');
  }

  async commit(): Promise<void> {
    await this.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.query('ROLLBACK');
  }

  /**
   * Rolls back after `reason`; if even that fails, the connection holds an
   * open transaction and must go. A broken connection is not asked: its
   * ROLLBACK would queue behind the statement that hung, and the server rolls
   * back anyway when the connection is destroyed.
   */
  async rollbackAfter(reason: unknown): Promise<never> {
    if (!this.broken) {
      try {
        await this.rollback();
      } catch {
        this.broken = true;
      }
    }
    throw reason;
  }

  private async guard<T>(statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (error) {
      if (breaksConnection(error)) this.broken = true;
      throw error;
    }
  }
}

/** Runs `work` on one connection from the pool and gives it back (or destroys it when broken). */
export async function withSession<T>(
  pool: Pool,
  statementTimeoutMs: number,
  work: (session: MysqlSession) => Promise<T>,
): Promise<T> {
  const connection = await pool.getConnection();
  const session = new MysqlSession(connection, statementTimeoutMs);
  try {
    return await work(session);
  } finally {
    if (session.isBroken) connection.destroy();
    else connection.release();
  }
}

/** `work` between START TRANSACTION and COMMIT on `session`, rolled back if it throws. */
export async function inTransaction<T>(session: MysqlSession, work: () => Promise<T>): Promise<T> {
  await session.begin();
  let result: T;
  try {
    result = await work();
  } catch (error) {
    return session.rollbackAfter(error);
  }
  await session.commit();
  return result;
}
