import { createHmac } from 'node:crypto';
import { RateLimiterUnavailable } from './errors';
import type { RateLimitSettings } from './types';
import type { RateLimitBucket, RateLimitStore } from '../store/port';

/**
 * The buckets an attempt counts against: the client's, and the scope's for an
 * attempt on a code (a guess at a holdId, 192 random bits, counts against its
 * client only).
 */
export interface AttemptBuckets {
  readonly client: Buffer;
  readonly scope: Buffer | null;
}

export type Gate =
  | { readonly blocked: false; readonly clientHasFailures: boolean }
  | { readonly blocked: true; readonly retryAfterSeconds: number };

export type FailureVerdict =
  { readonly exceeded: false } | { readonly exceeded: true; readonly retryAfterSeconds: number };

interface PendingFailure {
  readonly now: Date;
  resolve(verdict: FailureVerdict): void;
  reject(error: unknown): void;
}

interface FailureQueue {
  readonly buckets: AttemptBuckets;
  readonly waiting: PendingFailure[];
}

const NOT_EXCEEDED: FailureVerdict = { exceeded: false };

/**
 * Failed-attempt limits stored in the database, so every instance shares them.
 * Buckets are keyed by an HMAC of the client key and of the scope: a leaked
 * table reveals no client address.
 */
export class RateLimiter {
  /** Failures waiting to be counted, per bucket pair; present while a count for that pair is being written. */
  private readonly queues = new Map<string, FailureQueue>();

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

  clientBucket(clientKey: string): AttemptBuckets {
    return { client: this.bucketKey('client', clientKey), scope: null };
  }

  keysOf(buckets: AttemptBuckets): Buffer[] {
    return buckets.scope === null ? [buckets.client] : [buckets.client, buckets.scope];
  }

  /** The live buckets of `buckets`, read on their own (an attempt on a code reads them with its lookup instead). */
  read(buckets: AttemptBuckets, now: Date): Promise<RateLimitBucket[]> {
    return this.store.read(this.keysOf(buckets), now);
  }

  /** Whether the live buckets (as read with the attempt) allow another attempt now. */
  evaluate(buckets: AttemptBuckets, live: readonly RateLimitBucket[], now: Date): Gate {
    const blocking = live.filter((bucket) => bucket.failures >= this.limitOf(bucket, buckets));
    if (blocking.length > 0) return { blocked: true, retryAfterSeconds: retryAfter(blocking, now) };
    return { blocked: false, clientHasFailures: live.some((bucket) => bucket.key.equals(buckets.client)) };
  }

  /**
   * Counts a failed attempt and says whether it was within budget. Attempts
   * admitted together all passed the gate; the count as of this attempt's own
   * increment decides, so that however many race, at most maxFailures failures
   * are answered. Failures of one bucket pair that arrive while a count is
   * being written are counted together in the next write (one upsert of +N),
   * each still getting its own position, so a burst costs a few writes rather
   * than one lock-serialized write per attempt.
   */
  recordFailure(buckets: AttemptBuckets, now: Date): Promise<FailureVerdict> {
    const id = Buffer.concat(this.keysOf(buckets)).toString('base64');
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(id);
      if (queue) {
        queue.waiting.push({ now, resolve, reject });
        return;
      }
      const fresh: FailureQueue = { buckets, waiting: [{ now, resolve, reject }] };
      this.queues.set(id, fresh);
      void this.drain(id, fresh);
    });
  }

  async clearClient(buckets: AttemptBuckets): Promise<void> {
    try {
      await this.store.clear(buckets.client);
    } catch (cause) {
      if (!this.settings.failOpen) throw new RateLimiterUnavailable({ cause });
    }
  }

  private async drain(id: string, queue: FailureQueue): Promise<void> {
    while (queue.waiting.length > 0) await this.count(queue.buckets, queue.waiting.splice(0));
    this.queues.delete(id);
  }

  private async count(buckets: AttemptBuckets, batch: readonly PendingFailure[]): Promise<void> {
    const now = new Date(Math.max(...batch.map((member) => member.now.getTime())));
    const windowEndsAt = new Date(now.getTime() + this.settings.windowSeconds * 1000);
    let after: RateLimitBucket[];
    try {
      after = await this.store.recordFailure(this.keysOf(buckets), now, windowEndsAt, batch.length);
    } catch (cause) {
      // Fails closed unless configured open: a broken limiter must not become an unlimited guessing oracle.
      for (const member of batch) {
        if (this.settings.failOpen) member.resolve(NOT_EXCEEDED);
        else member.reject(new RateLimiterUnavailable({ cause }));
      }
      return;
    }
    batch.forEach((member, index) => member.resolve(this.verdict(buckets, after, now, batch.length - 1 - index)));
  }

  /** The verdict of the failure that came `later` places before the end of its batch. */
  private verdict(
    buckets: AttemptBuckets,
    after: readonly RateLimitBucket[],
    now: Date,
    later: number,
  ): FailureVerdict {
    const over = after.filter((bucket) => bucket.failures - later > this.limitOf(bucket, buckets));
    return over.length === 0 ? NOT_EXCEEDED : { exceeded: true, retryAfterSeconds: retryAfter(over, now) };
  }

  private limitOf(bucket: RateLimitBucket, buckets: AttemptBuckets): number {
    return bucket.key.equals(buckets.client) ? this.settings.maxFailures : this.settings.scopeMaxFailures;
  }

  private bucketKey(kind: 'client' | 'scope', value: string): Buffer {
    return createHmac('sha256', this.bucketSecret).update(`claimcheck.ratelimit.v1\0${kind}\0${value}`).digest();
  }
}

function retryAfter(buckets: readonly RateLimitBucket[], now: Date): number {
  const latestEnd = Math.max(...buckets.map((bucket) => bucket.windowEndsAt.getTime()));
  return Math.max(1, Math.ceil((latestEnd - now.getTime()) / 1000));
}
