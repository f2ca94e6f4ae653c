/** What callers may store or send; a refused value is InvalidInput, which the GraphQL layer reports as BAD_USER_INPUT. */
import { InvalidInput } from './errors';
import type { IssueOptions, RedeemRequest } from './types';

export const INPUT_LIMITS = {
  purpose: 64,
  scope: 64,
  grant: 4096,
  subject: 255,
  reversalReason: 500,
  idempotencyKeyMin: 16,
  idempotencyKeyMax: 200,
  ttlSecondsMax: 10 * 365 * 24 * 3600,
  maxRedemptions: 1_000_000_000,
  holdTtlSecondsDefault: 900,
  holdTtlSecondsMax: 86_400,
  listFirstMax: 500,
} as const;

export function checkLength(field: string, value: string | null, max: number): void {
  if (value !== null && value.length > max) throw new InvalidInput(field, `${field} must be at most ${max} characters`);
}

export function checkIntegerIn(field: string, value: number | null, min: number, max: number): void {
  if (value !== null && (!Number.isInteger(value) || value < min || value > max)) {
    throw new InvalidInput(field, `${field} must be an integer from ${min} to ${max}`);
  }
}

export function validateCriteria(criteria: { readonly purpose: string | null; readonly scope: string | null }): void {
  checkLength('purpose', criteria.purpose, INPUT_LIMITS.purpose);
  checkLength('scope', criteria.scope, INPUT_LIMITS.scope);
}

export function validateAttempt(request: RedeemRequest): void {
  validateCriteria(request);
  checkLength('subject', request.subject, INPUT_LIMITS.subject);
  const key = request.idempotencyKey;
  if (key !== null && (key.length < INPUT_LIMITS.idempotencyKeyMin || key.length > INPUT_LIMITS.idempotencyKeyMax)) {
    throw new InvalidInput(
      'idempotencyKey',
      `idempotencyKey must be ${INPUT_LIMITS.idempotencyKeyMin} to ${INPUT_LIMITS.idempotencyKeyMax} characters`,
    );
  }
}

export function validatePage(first: number): void {
  checkIntegerIn('first', first, 1, INPUT_LIMITS.listFirstMax);
}

/** A code's lifetime and limits as issued, checked whole before anything is drawn or stored. */
export interface IssuePlan {
  readonly expiresAt: Date;
  readonly startsAt: Date | null;
  readonly maxRedemptions: number;
  readonly maxRedemptionsPerSubject: number | null;
}

export function planIssue(options: IssueOptions, now: Date, defaultTtlSeconds: number): IssuePlan {
  validateCriteria(options);
  checkLength('grant', options.grant, INPUT_LIMITS.grant);
  checkIntegerIn('ttlSeconds', options.ttlSeconds, 1, INPUT_LIMITS.ttlSecondsMax);
  if (options.ttlSeconds !== null && options.expiresAt !== null) {
    throw new InvalidInput('expiresAt', 'give either ttlSeconds or expiresAt, not both');
  }
  const latestEnd = now.getTime() + INPUT_LIMITS.ttlSecondsMax * 1000;
  if (options.expiresAt !== null) {
    const end = options.expiresAt.getTime();
    if (end <= now.getTime() || end > latestEnd) {
      throw new InvalidInput('expiresAt', 'expiresAt must be in the future, at most ten years from now');
    }
  }
  const expiresAt = options.expiresAt ?? new Date(now.getTime() + (options.ttlSeconds ?? defaultTtlSeconds) * 1000);
  if (options.startsAt !== null && options.startsAt.getTime() >= expiresAt.getTime()) {
    throw new InvalidInput('startsAt', 'startsAt must be before the code expires');
  }
  checkIntegerIn('maxRedemptions', options.maxRedemptions, 1, INPUT_LIMITS.maxRedemptions);
  const maxRedemptions = options.maxRedemptions ?? 1;
  checkIntegerIn('maxRedemptionsPerSubject', options.maxRedemptionsPerSubject, 1, maxRedemptions);
  return {
    expiresAt,
    startsAt: options.startsAt,
    maxRedemptions,
    maxRedemptionsPerSubject: options.maxRedemptionsPerSubject,
  };
}
