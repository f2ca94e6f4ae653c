/**
 * Reads that must see the latest write, wherever it was made. On a Galera
 * cluster a node applies other nodes' commits asynchronously after
 * certifying them, so a read there may miss one that has committed; with
 * wsrep_sync_wait = 1 the node first applies everything committed before the
 * read (a causal read). Servers without the variable (MySQL, a plain MariaDB)
 * answer errno 1193, and their reads see every commit anyway.
 */
import type { MysqlSession } from './session';

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

function isUnknownVariable(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === ER_UNKNOWN_SYSTEM_VARIABLE;
}

/** `read` on `session` with causal reads on, set back to the server's default afterwards. */
export async function readLatest<T>(session: MysqlSession, read: () => Promise<T>): Promise<T> {
  try {
    await session.query('SET SESSION wsrep_sync_wait = 1');
  } catch (error) {
    if (isUnknownVariable(error)) return read();
    throw error;
  }
  try {
    return await read();
  } finally {
    await session.query('SET SESSION wsrep_sync_wait = DEFAULT');
  }
}
