/**
 * Typed failures of the storage port. No raw driver error crosses the port:
 * adapters translate into these, keeping the driver error as `cause` for logs.
 */

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The database cannot be reached now (refused, lost, timed out); retrying later may work. */
export class StoreUnavailable extends StoreError {
  override readonly name: string = 'StoreUnavailable';
  constructor(
    message: string,
    readonly reason: 'refused' | 'lost' | 'timeout',
    options?: { cause?: unknown; outcomeUnknown?: boolean },
  ) {
    super(message, options);
    this.outcomeUnknown = options?.outcomeUnknown ?? false;
  }
  /** True when a write may or may not have committed (its answer was lost). */
  readonly outcomeUnknown: boolean;
}

/** A lookup key is already stored. `codeIds` names the new records that collided. */
export class DuplicateLookupKey extends StoreError {
  override readonly name: string = 'DuplicateLookupKey';
  constructor(
    readonly codeIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`duplicate lookup key for ${codeIds.length} record(s)`, options);
  }
}

/** A guarantee the store relies on was broken (e.g. a claim changed more than one row). */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly operation: string,
    readonly codeId: string,
    readonly rowCount: number,
  ) {
    super(`invariant violated in ${operation}: ${rowCount} rows for code ${codeId}`);
  }
}
