/** The raw baselines: the same work done through mysql2 directly, with no server in between. */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { deriveLookupKey } from '../src/codes/keyring';
import { newCodeId, newRedemptionId } from '../src/codes/ids';
import { idToBinary } from '../src/store/mysql/ids';
import type { CodeBook, CodeQueue } from './codes';
import { meterSelf, microsPer } from './cpu';
import type { RunBounds } from './load';
import { BENCH_HMAC_KEY } from './server';
import { percentile, perSecond } from './stats';

/** The connections of the raw redemption baseline: DB_POOL_SIZE's production default. */
export const RAW_POOL_SIZE = 16;

const CODE_TTL_MS = 86_400_000;
const INSERT_CODES =
  'INSERT INTO codes (id, lookup_key, key_version, purpose, scope, grant_payload, created_at, expires_at) VALUES ?';
const FIND_CODE = 'SELECT id, purpose, scope, grant_payload, expires_at FROM codes WHERE lookup_key = ?';
const CLAIM_CODE =
  'UPDATE codes SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?';
/** The product's claim, reduced to its shape: count a use, record the redemption's row, in one transaction. */
const COUNT_USE =
  'UPDATE codes SET redemption_count = redemption_count + 1, used_at = ?, used_by = ? WHERE id = ? AND redemption_count < max_redemptions AND revoked_at IS NULL AND expires_at > ?';
const INSERT_REDEMPTION =
  'INSERT INTO redemptions (id, code_id, subject, redeemed_at, claim_token_hash, hold_ref, dispatch_pending) VALUES (?, ?, ?, ?, ?, NULL, 1)';
/** Claim token hashes are SHA-256. */
const CLAIM_TOKEN_HASH_BYTES = 32;

export interface RawInsert {
  /** The inserted codes, normalized. */
  readonly codes: string[];
  /** Drawing, deriving and inserting them. */
  readonly elapsedMs: number;
  /** This process's CPU meanwhile: what the client side of the INSERTs costs. */
  readonly cpuMicros: number;
}

/**
 * Draws `transactions × perTransaction` codes and inserts them as the server stores them: lookup key from
 * the same HMAC key and derivation, UUIDv7 ids, multi-row INSERTs of `perStatement` rows, one transaction
 * per `perTransaction` rows. The drawing is timed too: the server has to do it as well.
 */
export async function insertRaw(
  pool: Pool,
  book: CodeBook,
  shape: { readonly transactions: number; readonly perTransaction: number; readonly perStatement: number },
  scope: string,
): Promise<RawInsert> {
  const cpu = meterSelf();
  const started = performance.now();
  const codes: string[] = [];
  for (let transaction = 0; transaction < shape.transactions; transaction++) {
    const batch = Array.from({ length: shape.perTransaction }, () => book.draw());
    await insertTransaction(pool, rowsFor(batch, scope), shape.perStatement);
    codes.push(...batch);
  }
  return { codes, elapsedMs: performance.now() - started, cpuMicros: cpu.stop() };
}

function rowsFor(codes: readonly string[], scope: string): unknown[][] {
  return rowsWith(
    codes.map((code) => deriveLookupKey(BENCH_HMAC_KEY, code)),
    scope,
  );
}

/** Code rows as the server stores them, with these lookup keys, issued now. */
function rowsWith(lookupKeys: readonly Buffer[], scope: string): unknown[][] {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  return lookupKeys.map((lookupKey) => [
    idToBinary(newCodeId(now, randomBytes)),
    lookupKey,
    BENCH_HMAC_KEY.version,
    null,
    scope,
    'bench-grant',
    now,
    expiresAt,
  ]);
}

/** Lookup keys are 32 bytes (HMAC-SHA256). */
const LOOKUP_KEY_BYTES = 32;

/**
 * `count` rows that only fill the table, so that a run meets a table of a given size: random lookup keys
 * (no code leads to them, none needs the HMAC), multi-row INSERTs of `perStatement` rows in autocommit.
 */
export async function insertFiller(pool: Pool, count: number, perStatement: number, scope: string): Promise<void> {
  for (let inserted = 0; inserted < count; inserted += perStatement) {
    const keys = Array.from({ length: Math.min(perStatement, count - inserted) }, () => randomBytes(LOOKUP_KEY_BYTES));
    await pool.query(INSERT_CODES, [rowsWith(keys, scope)]);
  }
}

async function insertTransaction(pool: Pool, rows: unknown[][], perStatement: number): Promise<void> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    for (let start = 0; start < rows.length; start += perStatement) {
      await connection.query(INSERT_CODES, [rows.slice(start, start + perStatement)]);
    }
    await connection.commit();
  } catch (error) {
    await connection.rollback();
    throw error;
  } finally {
    connection.release();
  }
}

export interface RawRedeemRun {
  readonly redeemed: number;
  /** Redemptions that did not win: none are expected, the codes are distinct and fresh. */
  readonly failed: number;
  readonly elapsedMs: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** This process's CPU per redemption: what the raw loop itself spends, beside the server's CPU per redemption. */
  readonly cpuPerRedemptionMicros: number;
}

/**
 * The minimal redemption, `workers` at a time, until the bounds are reached or the codes run out: derive the
 * lookup key, SELECT by it, then the conditional UPDATE by id, in autocommit, as prepared statements.
 */
export async function rawRedeem(
  pool: Pool,
  codes: CodeQueue,
  workers: number,
  bounds: RunBounds,
): Promise<RawRedeemRun> {
  const cpu = meterSelf();
  const started = performance.now();
  const deadline = started + bounds.seconds * 1000;
  let unsent = bounds.requests ?? Infinity;
  const latencies: number[] = [];
  let redeemed = 0;
  const next = (): string | null => (unsent-- > 0 && performance.now() < deadline ? codes.take() : null);
  const worker = async (): Promise<void> => {
    for (let code = next(); code !== null; code = next()) {
      const begun = performance.now();
      if (await redeemOnce(pool, code)) redeemed++;
      latencies.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const elapsedMs = performance.now() - started;
  const cpuMicros = cpu.stop();
  return {
    cpuPerRedemptionMicros: microsPer(cpuMicros, redeemed),
    redeemed,
    failed: latencies.length - redeemed,
    elapsedMs,
    rate: perSecond(redeemed, elapsedMs),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** One raw redemption; also the work of the stack-floor server's two-statement variant (floor-server.ts). */
export async function redeemOnce(pool: Pool, code: string): Promise<boolean> {
  const [found] = await pool.execute<RowDataPacket[]>(FIND_CODE, [deriveLookupKey(BENCH_HMAC_KEY, code)]);
  if (found.length === 0) return false;
  const now = new Date();
  const [claimed] = await pool.execute<ResultSetHeader>(CLAIM_CODE, [now, 'bench-user', found[0]!.id, now]);
  return claimed.affectedRows === 1;
}

/**
 * The statements of the product's redemption, without the product: the SELECT by lookup key, then START
 * TRANSACTION, the counting UPDATE, the redemption's INSERT and COMMIT on one connection. The stack-floor
 * server's four-statement variant (floor-server.ts).
 */
export async function redeemInTransaction(pool: Pool, code: string, subject: string): Promise<boolean> {
  const [found] = await pool.execute<RowDataPacket[]>(FIND_CODE, [deriveLookupKey(BENCH_HMAC_KEY, code)]);
  if (found.length === 0) return false;
  const codeId = found[0]!.id as Buffer;
  const now = new Date();
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    const [counted] = await connection.execute<ResultSetHeader>(COUNT_USE, [now, subject, codeId, now]);
    if (counted.affectedRows !== 1) {
      await connection.rollback();
      return false;
    }
    const redemptionId = idToBinary(newRedemptionId(now, randomBytes));
    const claimTokenHash = randomBytes(CLAIM_TOKEN_HASH_BYTES);
    await connection.execute(INSERT_REDEMPTION, [redemptionId, codeId, subject, now, claimTokenHash]);
    await connection.commit();
    return true;
  } catch (error) {
    await connection.rollback();
    throw error;
  } finally {
    connection.release();
  }
}
