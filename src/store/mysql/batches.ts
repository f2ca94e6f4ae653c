/** Multi-row INSERTs sized by rows and by bytes (portability rule 7). */
import type { MysqlSession, SqlValue } from './session';

export interface BatchLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRows: 1000, maxBytes: 1024 * 1024 };

export interface Statement {
  readonly sql: string;
  readonly values: readonly SqlValue[];
  /**
   * A one-row INSERT has a fixed shape, worth a cached prepared statement;
   * multi-row shapes vary and each would hold a server-side statement slot.
   */
  readonly prepared: boolean;
}

function valueBytes(value: SqlValue): number {
  if (value === null) return 4;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  return 24;
}

function rowBytes(row: readonly SqlValue[]): number {
  return row.reduce<number>((total, value) => total + valueBytes(value), 0);
}

/** Consecutive runs of rows, each within both limits (a single oversized row still gets its own run). */
export function chunkRows(rows: readonly (readonly SqlValue[])[], limits: BatchLimits): SqlValue[][][] {
  const chunks: SqlValue[][][] = [];
  let current: SqlValue[][] = [];
  let currentBytes = 0;
  for (const row of rows) {
    const bytes = rowBytes(row);
    if (current.length > 0 && (current.length >= limits.maxRows || currentBytes + bytes > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push([...row]);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** `(?, ?, ...)` with `count` placeholders. */
export function placeholders(count: number): string {
  return `(${Array.from({ length: count }, () => '?').join(', ')})`;
}

/**
 * `INSERT INTO table (columns) VALUES (?, ...), (?, ...)` statements for `rows`, every value a
 * placeholder; `INSERT IGNORE` skips rows whose primary key exists (for tables with that one unique key).
 */
export function multiRowInserts(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  limits: BatchLimits,
  verb: 'INSERT' | 'INSERT IGNORE' = 'INSERT',
): Statement[] {
  const tuple = placeholders(columns.length);
  return chunkRows(rows, limits).map((chunk) => ({
    sql: `${verb} INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`,
    values: chunk.flat(),
    prepared: chunk.length === 1,
  }));
}

/** Runs `statements` in order on `session`. */
export async function runStatements(session: MysqlSession, statements: readonly Statement[]): Promise<void> {
  for (const statement of statements) {
    if (statement.prepared) await session.execute(statement.sql, statement.values);
    else await session.query(statement.sql, statement.values);
  }
}
