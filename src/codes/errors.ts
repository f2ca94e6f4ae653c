/** Typed domain failures (thrown: they are not expected outcomes of a use case). */

/** Input that breaks a rule of the domain; `field` names it for the caller. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The code space is too crowded to find enough unused codes (too short a CODE_LENGTH for the volume). */
export class CodeSpaceExhausted extends Error {
  override readonly name = 'CodeSpaceExhausted';
  constructor(
    readonly requested: number,
    readonly attempts: number,
  ) {
    super(
      `could not find ${requested} unused codes after ${attempts} attempts: the code space is too crowded; raise CODE_LENGTH`,
    );
  }
}

/** The rate limiter's storage failed and the limiter is set to fail closed. */
export class RateLimiterUnavailable extends Error {
  override readonly name = 'RateLimiterUnavailable';
  constructor(options?: { cause?: unknown }) {
    super('rate limiter storage unavailable', options);
  }
}
