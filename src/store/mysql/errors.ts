/**
 * The one place that reads mysql2 errors. Decisions switch on error numbers
 * and driver codes, never on index names (Vitess reports its lookup table's).
 */
import { InvariantViolation, StoreError, StoreUnavailable } from '../errors';

export type UnavailableReason = StoreUnavailable['reason'];

export type DriverErrorKind = UnavailableReason | 'duplicate' | 'retryable' | 'other';

interface DriverError extends Error {
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;
  readonly fatal?: boolean;
}

const ER_DUP_ENTRY = 1062;
const ER_UNKNOWN_ERROR = 1105;
const TIDB_DUPLICATE_KEY = 8147;

/** Retryable by re-running the whole transaction (portability rule 2). */
const RETRYABLE_ERRNOS: ReadonlySet<number> = new Set([1213, 1205, 3101, 9007, 8002, 8022, 8028, 8005]);

const UNAVAILABLE_ERRNOS: ReadonlyMap<number, UnavailableReason> = new Map([
  [1040, 'refused'], // ER_CON_COUNT_ERROR: too many connections
  // Galera: "WSREP has not yet prepared node for application use": the node lost quorum (non-Primary) or is
  // still joining. It refuses the statement, so nothing was done; another node, or this one later, will serve.
  [1047, 'refused'],
  [1053, 'lost'], // ER_SERVER_SHUTDOWN
  // ER_ERROR_DURING_COMMIT: the storage engine or Galera failed the COMMIT; a claim settles it by reading back.
  [1180, 'lost'],
  [2006, 'lost'], // CR_SERVER_GONE_ERROR
  [2013, 'lost'], // CR_SERVER_LOST
]);

const UNAVAILABLE_CODES: ReadonlyMap<string, UnavailableReason> = new Map([
  ['ECONNREFUSED', 'refused'],
  ['ENOTFOUND', 'refused'],
  ['EAI_AGAIN', 'refused'],
  ['EHOSTUNREACH', 'refused'],
  ['ENETUNREACH', 'refused'],
  ['ER_CON_COUNT_ERROR', 'refused'],
  ['ECONNRESET', 'lost'],
  ['EPIPE', 'lost'],
  ['PROTOCOL_CONNECTION_LOST', 'lost'],
  ['ER_SERVER_SHUTDOWN', 'lost'],
  ['ETIMEDOUT', 'timeout'],
  ['PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
]);

/** mysql2 raises these pool and connection states without a code. */
const UNAVAILABLE_MESSAGES: ReadonlyMap<string, UnavailableReason> = new Map([
  ['Pool is closed.', 'refused'],
  ['Queue limit reached.', 'refused'],
  ['No connections available.', 'refused'],
  ["Can't add new command when connection is in closed state", 'lost'],
  ["Can't write in closed state", 'lost'],
]);

/** Duck-typed: errors raised by Node's own sockets come from another realm under test runners, failing instanceof. */
function asDriverError(error: unknown): DriverError | null {
  return typeof error === 'object' && error !== null && typeof (error as Error).message === 'string'
    ? (error as DriverError)
    : null;
}

/** The server's error number, unwrapping Vitess's 1105 "... (errno N) ...". */
function effectiveErrno(error: DriverError): number | undefined {
  if (error.errno !== ER_UNKNOWN_ERROR) return error.errno;
  const wrapped = /\berrno (\d+)/.exec(error.message);
  return wrapped ? Number(wrapped[1]) : error.errno;
}

function unavailableReason(error: DriverError, errno: number | undefined): UnavailableReason | undefined {
  return (
    (errno === undefined ? undefined : UNAVAILABLE_ERRNOS.get(errno)) ??
    (error.code === undefined ? undefined : UNAVAILABLE_CODES.get(error.code)) ??
    UNAVAILABLE_MESSAGES.get(error.message) ??
    (error.fatal ? 'lost' : undefined)
  );
}

export function classifyDriverError(error: unknown): DriverErrorKind {
  const driverError = asDriverError(error);
  if (!driverError) return 'other';
  const errno = effectiveErrno(driverError);
  if (errno === ER_DUP_ENTRY || errno === TIDB_DUPLICATE_KEY) return 'duplicate';
  if (errno !== undefined && RETRYABLE_ERRNOS.has(errno)) return 'retryable';
  return unavailableReason(driverError, errno) ?? 'other';
}

export function isDuplicateKeyError(error: unknown): boolean {
  return classifyDriverError(error) === 'duplicate';
}

export function isRetryableError(error: unknown): boolean {
  return classifyDriverError(error) === 'retryable';
}

/** A connection that saw this error cannot be trusted again: destroy it rather than return it to the pool. */
export function breaksConnection(error: unknown): boolean {
  const kind = classifyDriverError(error);
  return kind === 'refused' || kind === 'lost' || kind === 'timeout';
}

/**
 * Server messages quote the offending values (a duplicate entry quotes the
 * lookup key) and mysql2's `sql` holds query() text with its values inlined:
 * the cause kept for logs carries neither.
 */
export function redactedCause(error: unknown): unknown {
  const driverError = asDriverError(error);
  if (!driverError) return error;
  const message = driverError.message.replace(/'(?:[^'\\]|\\.)*'/g, "'…'");
  const cause = Object.assign(new Error(message), {
    code: driverError.code,
    errno: driverError.errno,
    sqlState: driverError.sqlState,
    fatal: driverError.fatal,
  });
  cause.name = driverError.name;
  const frames = (driverError.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  cause.stack = [`${cause.name}: ${message}`, ...frames].join('\n');
  return cause;
}

const KIND_DESCRIPTIONS: Record<DriverErrorKind, string> = {
  refused: 'database refused the connection',
  lost: 'connection to the database was lost',
  timeout: 'database did not answer in time',
  duplicate: 'duplicate key',
  retryable: 'transaction conflict persisted after retries',
  other: 'database error',
};

/** The port's error for anything a driver call threw; port errors pass through unchanged. */
export function toStoreError(error: unknown, operation: string): Error {
  if (error instanceof StoreError || error instanceof InvariantViolation) return error;
  const kind = classifyDriverError(error);
  const message = `MySQL ${operation} failed: ${KIND_DESCRIPTIONS[kind]}`;
  const cause = redactedCause(error);
  if (kind === 'refused' || kind === 'lost' || kind === 'timeout') {
    return new StoreUnavailable(message, kind, { cause });
  }
  return new StoreError(message, { cause });
}

/** A write whose commit may or may not have landed, and that could not be settled by reading it back. */
export function outcomeUnknown(error: unknown, operation: string): StoreUnavailable {
  const kind = classifyDriverError(error);
  const reason = kind === 'refused' || kind === 'timeout' ? kind : 'lost';
  return new StoreUnavailable(`MySQL ${operation} failed: the outcome of its commit is unknown`, reason, {
    cause: redactedCause(error),
    outcomeUnknown: true,
  });
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  /** The longest wait before one attempt, however many came before (default: no cap). */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Full jitter: concurrent losers of one conflict do not retry in lockstep. */
function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.random() * Math.min(policy.maxDelayMs ?? Infinity, policy.baseDelayMs * 2 ** attempt);
}

/**
 * Runs `transaction` again from its start while it fails with a retryable
 * error, at most `policy.maxAttempts` times. `transaction` must be a whole
 * transaction: retrying a single statement of one is never safe.
 */
export async function retryTransaction<T>(policy: RetryPolicy, transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= policy.maxAttempts || !isRetryableError(error)) throw error;
      await sleep(backoffMs(policy, attempt));
    }
  }
}
