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

/** A failure waiting to be counted in one bucket; resolved with that bucket as of its own increment. */
interface PendingFailure {
  readonly now: Date;
  resolve(bucket: RateLimitBucket): void;
  reject(error: unknown): void;
}

interface FailureQueue {
  readonly key: Buffer;
  readonly waiting: PendingFailure[];
}

const NOT_EXCEEDED: FailureVerdict = { exceeded: false };

/**
 * Failed-attempt limits stored in the database, so every instance shares them.
 * Buckets are keyed by an HMAC of the client key and of the scope: a leaked
 * table reveals no client address.
 */
export class RateLimiter {
  /** Failures waiting to be counted, per bucket; present while a count of that bucket is being written. */
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
   * are answered.
   *
   * Each bucket is counted on its own, through a queue per bucket: failures
   * of one bucket that arrive while its count is being written are counted
   * together in the next write (one upsert of +N), each still getting its own
   * position. So an instance has at most one write in flight per bucket row,
   * however many clients fail in one scope at once: on a multi-primary
   * cluster the scope's row is written from every node, and each write in
   * flight there is one more transaction for certification to fail.
   */
  async recordFailure(buckets: AttemptBuckets, now: Date): Promise<FailureVerdict> {
    let counted: RateLimitBucket[];
    try {
      counted = await Promise.all(this.keysOf(buckets).map((key) => this.enqueue(key, now)));
    } catch (cause) {
      // Fails closed unless configured open: a broken limiter must not become an unlimited guessing oracle.
      if (this.settings.failOpen) return NOT_EXCEEDED;
      throw new RateLimiterUnavailable({ cause });
    }
    const over = counted.filter((bucket) => bucket.failures > this.limitOf(bucket, buckets));
    return over.length === 0 ? NOT_EXCEEDED : { exceeded: true, retryAfterSeconds: retryAfter(over, now) };
  }

  async clearClient(buckets: AttemptBuckets): Promise<void> {
    try {
      await this.store.clear(buckets.client);
    } catch (cause) {
      if (!this.settings.failOpen) throw new RateLimiterUnavailable({ cause });
    }
  }

  /** Counts one failure in the bucket `key`, with whatever else of that bucket is waiting. */
  private enqueue(key: Buffer, now: Date): Promise<RateLimitBucket> {
    const id = key.toString('base64');
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(id);
      if (queue) {
        queue.waiting.push({ now, resolve, reject });
        return;
      }
      const fresh: FailureQueue = { key, waiting: [{ now, resolve, reject }] };
      this.queues.set(id, fresh);
      void this.drain(id, fresh);
    });
  }

  private async drain(id: string, queue: FailureQueue): Promise<void> {
    while (queue.waiting.length > 0) await this.count(queue.key, queue.waiting.splice(0));
    this.queues.delete(id);
  }

  /** One write of +batch.length; member i is told the count as it stood after its own increment. */
  private async count(key: Buffer, batch: readonly PendingFailure[]): Promise<void> {
    const now = new Date(Math.max(...batch.map((member) => member.now.getTime())));
    const windowEndsAt = new Date(now.getTime() + this.settings.windowSeconds * 1000);
    let after: RateLimitBucket;
    try {
      after = await this.countedBucket(key, now, windowEndsAt, batch.length);
    } catch (cause) {
      for (const member of batch) member.reject(cause);
      return;
    }
    batch.forEach((member, index) =>
      member.resolve({ ...after, failures: after.failures - (batch.length - 1 - index) }),
    );
  }

  private async countedBucket(key: Buffer, now: Date, windowEndsAt: Date, count: number): Promise<RateLimitBucket> {
    const [after] = await this.store.recordFailure([key], now, windowEndsAt, count);
    // The store reads back every key it counted; anything else is a broken store, not a verdict.
    if (!after) throw new Error('the rate-limit store returned no bucket for a counted failure');
    return after;
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
