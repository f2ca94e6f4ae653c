/**
 * The domain's vocabulary: what the service takes and returns. Expected
 * outcomes are values (discriminated unions); only infrastructure failures
 * and broken invariants are thrown.
 */
import type { CodeFilter, CodeMetadata, CodeState, CodeStats } from '../store/port';

export type { CodeFilter, CodeState, CodeStats };

/** Source of the current time; one reading per operation. */
export interface Clock {
  now(): Date;
}

/** Source of cryptographic randomness (node:crypto.randomBytes in production). Must throw, never fall back. */
export type RandomBytes = (size: number) => Buffer;

/** Who is asking, for rate limiting: already reduced to a stable string (e.g. the client IP). Never stored raw. */
export interface ClientIdentity {
  readonly clientKey: string;
}

export interface CodeView extends CodeMetadata {
  readonly state: CodeState;
}

export interface IssueOptions {
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  /** The policy TTL when null. */
  readonly ttlSeconds: number | null;
}

export interface IssuedCode {
  /** Plaintext in display form (K7QM-2XHP). Exists only in this return value. */
  readonly code: string;
  readonly record: CodeView;
}

export interface RedeemRequest {
  readonly code: string;
  readonly subject: string | null;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly idempotencyKey: string | null;
  readonly client: ClientIdentity;
}

export interface CheckRequest {
  readonly code: string;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly client: ClientIdentity;
}

export interface Redemption {
  readonly codeId: string;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly subject: string | null;
  readonly redeemedAt: Date;
}

export interface RedeemableCodeView {
  readonly codeId: string;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly expiresAt: Date;
}

export type RedeemFailure =
  | { readonly kind: 'failure'; readonly reason: 'INVALID_OR_EXPIRED' }
  | { readonly kind: 'failure'; readonly reason: 'RATE_LIMITED'; readonly retryAfterSeconds: number };

export type RedeemResult = { readonly kind: 'redeemed'; readonly redemption: Redemption } | RedeemFailure;

export type CheckResult = { readonly kind: 'redeemable'; readonly code: RedeemableCodeView } | RedeemFailure;

/** Why an attempt failed, for the audit trail and metrics only; callers see INVALID_OR_EXPIRED. */
export type FailureReason =
  'MALFORMED' | 'UNKNOWN' | 'EXPIRED' | 'USED' | 'REVOKED' | 'PURPOSE_MISMATCH' | 'SCOPE_MISMATCH' | 'LOST_RACE';

export interface RevokeResult {
  readonly revoked: boolean;
  readonly code: CodeView | null;
}

export interface CodePageView {
  readonly items: readonly CodeView[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

export interface ListRequest {
  readonly filter: CodeFilter;
  /** 1..500 */
  readonly first: number;
  /** An endCursor from a previous page, or null for the first page. */
  readonly after: string | null;
}

/**
 * The use cases. `scope` parameters named `within` restrict an admin call to
 * one scope (a scoped admin key); null means every scope.
 */
export interface CodeServiceApi {
  issue(options: IssueOptions): Promise<IssuedCode>;
  /** 1..maxBatch distinct codes, committed whole or not at all. */
  issueMany(count: number, options: IssueOptions): Promise<IssuedCode[]>;
  check(request: CheckRequest): Promise<CheckResult>;
  redeem(request: RedeemRequest): Promise<RedeemResult>;
  revoke(codeId: string, within: string | null): Promise<RevokeResult>;
  get(codeId: string, within: string | null): Promise<CodeView | null>;
  list(request: ListRequest): Promise<CodePageView>;
  stats(filter: Omit<CodeFilter, 'state'>): Promise<CodeStats>;
}

export interface RateLimitSettings {
  /** Failed attempts allowed per client per window. */
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Failed attempts allowed per scope per window, whatever the client: stops guessing spread over many addresses. */
  readonly scopeMaxFailures: number;
  /** When the limiter's storage fails: false (default) refuses the attempt, true lets it through. */
  readonly failOpen: boolean;
}

/** Redemption and check outcomes, internal reasons included, for metrics. Values are fixed enums: never secrets. */
export type AttemptOutcome = 'redeemed' | 'replayed' | 'redeemable' | 'RATE_LIMITED' | FailureReason;

export interface ServiceObserver {
  attempt(operation: 'redeem' | 'check', outcome: AttemptOutcome): void;
}
