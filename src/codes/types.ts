/**
 * The domain's vocabulary: what the use cases take and return. Expected
 * outcomes are values (discriminated unions); only infrastructure failures
 * and broken invariants are thrown.
 */
import type {
  CodeFilter,
  CodeId,
  CodeMetadata,
  CodeState,
  CodeStats,
  HoldRef,
  RedemptionId,
  RedemptionRecord,
} from '../store/port';
import type { FailureReason } from './state';

export type { CodeFilter, CodeId, CodeState, CodeStats, FailureReason, HoldRef, RedemptionId, RedemptionRecord };

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
  /** The policy TTL when both this and expiresAt are null. */
  readonly ttlSeconds: number | null;
  /** An absolute end instead of ttlSeconds. */
  readonly expiresAt: Date | null;
  readonly startsAt: Date | null;
  /** 1 (single use) when null. */
  readonly maxRedemptions: number | null;
  readonly maxRedemptionsPerSubject: number | null;
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

export interface HoldRequest extends RedeemRequest {
  /** The default hold time when null. */
  readonly ttlSeconds: number | null;
}

export interface HoldIdRequest {
  readonly holdId: string;
  readonly client: ClientIdentity;
}

export interface Redemption {
  readonly id: RedemptionId;
  readonly codeId: CodeId;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly subject: string | null;
  readonly redeemedAt: Date;
}

export interface RedeemableCodeView {
  readonly codeId: CodeId;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly expiresAt: Date;
}

export interface Hold {
  /** The capability: returned to the holder, never stored or logged. */
  readonly holdId: string;
  readonly codeId: CodeId;
  readonly purpose: string | null;
  readonly scope: string | null;
  readonly grant: string | null;
  readonly subject: string | null;
  readonly expiresAt: Date;
}

export type RedeemFailure =
  | { readonly kind: 'failure'; readonly reason: 'INVALID_OR_EXPIRED' }
  | { readonly kind: 'failure'; readonly reason: 'RATE_LIMITED'; readonly retryAfterSeconds: number };

export type RedeemResult = { readonly kind: 'redeemed'; readonly redemption: Redemption } | RedeemFailure;

export type CheckResult = { readonly kind: 'redeemable'; readonly code: RedeemableCodeView } | RedeemFailure;

export type HoldResult = { readonly kind: 'held'; readonly hold: Hold } | RedeemFailure;

export interface ReleaseResult {
  readonly released: boolean;
}

export interface RevokeResult {
  readonly revoked: boolean;
  readonly code: CodeView | null;
}

export interface ReverseResult {
  readonly reversed: boolean;
  readonly redemption: RedemptionRecord | null;
  readonly code: CodeView | null;
}

export interface PageView<T> {
  readonly items: readonly T[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

export interface PageRequest {
  /** 1..500 */
  readonly first: number;
  /** An endCursor from a previous page, or null for the first page. */
  readonly after: string | null;
}

export interface ListRequest extends PageRequest {
  readonly filter: CodeFilter;
}

/** A hold as admins see it: never its capability. */
export interface HoldView {
  readonly ref: HoldRef;
  readonly subject: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date;
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

export type AttemptOperation = 'redeem' | 'check' | 'hold' | 'confirm' | 'release';

/** Attempt outcomes, internal reasons included, for metrics. Values are fixed enums: never secrets. */
export type AttemptOutcome =
  'redeemed' | 'replayed' | 'redeemable' | 'held' | 'confirmed' | 'released' | 'RATE_LIMITED' | FailureReason;

export interface ServiceObserver {
  attempt(operation: AttemptOperation, outcome: AttemptOutcome): void;
}
