import { createHmac } from 'node:crypto';
import { RateLimiterUnavailable } from './errors';
import type { RateLimitSettings } from './types';
import type { RateLimitBucket, RateLimitStore } from '../store/port';

/** The two buckets an attempt counts against: the client's and the scope's. */
export interface AttemptBuckets {
  readonly client: Buffer;
  readonly scope: Buffer;
}

export type Gate =
  | { readonly blocked: false; readonly clientHasFailures: boolean }
  | { readonly blocked: true; readonly retryAfterSeconds: number };

export type FailureVerdict =
  { readonly exceeded: false } | { readonly exceeded: true; readonly retryAfterSeconds: number };

/**
 * Failed-attempt limits stored in the database, so every instance shares them.
 * Buckets are keyed by an HMAC of the client key and of the scope: a leaked
 * table reveals no client address.
 */
export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: RateLimitSettings,
    private readonly bucketSecret: Buffer,
  ) {}

  bucketsFor(clientKey: string, scope: string | null): AttemptBuckets {
    return {
      client: this.bucketKey('client', clientKey),
      // A redemption without a scope counts against the bucket of all unscoped attempts.
      scope: this.bucketKey('scope', scope ?? ''),
    };
  }

  async check(buckets: AttemptBuckets, now: Date): Promise<Gate> {
    const live = await this.guard(() => this.store.read([buckets.client, buckets.scope], now));
    if (live === null) return { blocked: false, clientHasFailures: false };
    const retryAfterSeconds = this.retryAfter(buckets, live, now, (failures, limit) => failures >= limit);
    if (retryAfterSeconds !== null) return { blocked: true, retryAfterSeconds };
    return { blocked: false, clientHasFailures: live.some((bucket) => bucket.key.equals(buckets.client)) };
  }

  /**
   * Counts a failed attempt. Attempts admitted together can all pass check();
   * the count after this one's increment decides whether it was within budget,
   * so that however many race, at most maxFailures failures are answered.
   */
  async recordFailure(buckets: AttemptBuckets, now: Date): Promise<FailureVerdict> {
    const windowEndsAt = new Date(now.getTime() + this.settings.windowSeconds * 1000);
    const after = await this.guard(() => this.store.recordFailure([buckets.client, buckets.scope], now, windowEndsAt));
    if (after === null) return { exceeded: false };
    const retryAfterSeconds = this.retryAfter(buckets, after, now, (failures, limit) => failures > limit);
    return retryAfterSeconds === null ? { exceeded: false } : { exceeded: true, retryAfterSeconds };
  }

  async clearClient(buckets: AttemptBuckets): Promise<void> {
    await this.guard(() => this.store.clear(buckets.client));
  }

  private retryAfter(
    buckets: AttemptBuckets,
    live: readonly RateLimitBucket[],
    now: Date,
    isOver: (failures: number, limit: number) => boolean,
  ): number | null {
    const blocking = live.filter((bucket) => isOver(bucket.failures, this.limitOf(bucket, buckets)));
    if (blocking.length === 0) return null;
    const latestEnd = Math.max(...blocking.map((bucket) => bucket.windowEndsAt.getTime()));
    return Math.max(1, Math.ceil((latestEnd - now.getTime()) / 1000));
  }

  private limitOf(bucket: RateLimitBucket, buckets: AttemptBuckets): number {
    return bucket.key.equals(buckets.client) ? this.settings.maxFailures : this.settings.scopeMaxFailures;
  }

  /** Fails closed unless configured open: a broken limiter must not become an unlimited guessing oracle. */
  private async guard<T>(operation: () => Promise<T>): Promise<T | null> {
    try {
      return await operation();
    } catch (cause) {
      if (this.settings.failOpen) return null;
      throw new RateLimiterUnavailable({ cause });
    }
  }

  private bucketKey(kind: 'client' | 'scope', value: string): Buffer {
    return createHmac('sha256', this.bucketSecret).update(`claimcheck.ratelimit.v1\0${kind}\0${value}`).digest();
  }
}
