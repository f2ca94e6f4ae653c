/**
 * The dispatcher every server instance runs: it fans the outbox out into
 * deliveries, leases due deliveries in batches, sends them (signed), and
 * records every attempt. Nothing here is on a request's path: a redemption
 * only commits its row (already flagged as outbox entry) and, in this
 * process, nudges the dispatcher.
 *
 * Instances share the work through leases (one conditional UPDATE takes a
 * batch); a lease outlives the longest attempt it covers, so no event is sent
 * by two instances at once, and a crashed instance's leases run out for
 * others to take over. An endpoint gets at most `perEndpoint` attempts at a
 * time from one instance, so a slow or dead endpoint cannot take every slot.
 */
import type {
  AttemptResult,
  LeasedDelivery,
  NewWebhookDelivery,
  OutboxEntry,
  WebhookDeliveryState,
  WebhookEndpointId,
  WebhookEndpointRecord,
  WebhookStore,
} from '../store/port';
import type { Clock, RandomBytes } from '../codes/types';
import { eventBody, eventIdOf, eventTypeOf } from '../codes/webhooks/events';
import type { SecretBox } from '../codes/webhooks/secret-box';
import type { SendOutcome, WebhookSender } from './sender';
import { signatureHeaders } from '../codes/webhooks/signing';

export interface WebhookSettings {
  /** Wait before the first retry; each further retry waits twice as long, with jitter, at most an hour. */
  readonly retryMinSeconds: number;
  readonly maxAttempts: number;
  /** One attempt's deadline: only a 2xx within it counts. */
  readonly timeoutMs: number;
  /** How often the outbox and the due deliveries are looked at when nothing nudges. */
  readonly pollIntervalMs: number;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'given_up';

export interface WebhookObserver {
  attempt(outcome: DeliveryOutcome, errorClass: string | null, seconds: number): void;
  /** Age of the oldest event not yet delivered (0 when none waits). */
  backlog(oldestAgeSeconds: number): void;
}

export interface DispatcherDeps {
  readonly store: WebhookStore;
  readonly sender: WebhookSender;
  readonly secrets: SecretBox;
  readonly clock: Clock;
  readonly random: RandomBytes;
  readonly settings: WebhookSettings;
  /** Names this instance in leases and attempt records. */
  readonly instance: string;
  readonly observer?: WebhookObserver;
  readonly onError: (error: unknown, task: string) => void;
  /** Attempts in flight at once in this instance (default 32). */
  readonly concurrency?: number;
  /** Attempts in flight at once per endpoint in this instance (default 8). */
  readonly perEndpoint?: number;
}

export const MAX_RETRY_INTERVAL_MS = 3_600_000;
const FAN_OUT_BATCH = 500;
const FAN_OUT_ROUNDS = 20;
/** Soon enough after a local commit, late enough to batch a burst of them. */
const NUDGE_DELAY_MS = 5;
const BACKLOG_INTERVAL_MS = 5_000;
const REWRAP_INTERVAL_MS = 60_000;
const EXCERPT_CHARS = 200;
const JITTER = 0.2;

/** A retry's wait: retryMin·2^(attempt-1), ±20 %, never more than an hour. */
export function retryDelayMs(attempt: number, retryMinSeconds: number, random: RandomBytes): number {
  const base = Math.min(MAX_RETRY_INTERVAL_MS, retryMinSeconds * 1000 * 2 ** (attempt - 1));
  const unit = random(4).readUInt32BE(0) / 2 ** 32;
  return Math.round(Math.min(MAX_RETRY_INTERVAL_MS, base * (1 - JITTER + 2 * JITTER * unit)));
}

/** What the endpoint answered, kept short, on one line, and without anything that could sign. */
export function redactExcerpt(excerpt: string | null, secrets: readonly string[]): string | null {
  if (excerpt === null) return null;
  let text = excerpt;
  for (const secret of secrets) if (secret !== '') text = text.split(secret).join('[redacted]');
  text = text.replace(/whsec_[A-Za-z0-9+/=]*/g, '[redacted]').replace(/v1,[A-Za-z0-9+/=]{20,}/g, '[redacted]');
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text === '' ? null : text.slice(0, EXCERPT_CHARS);
}

/** The endpoints an event goes to: subscribed to its type, of its scope (or of every scope), created before it. */
export function endpointsFor(entry: OutboxEntry, endpoints: readonly WebhookEndpointRecord[]): WebhookEndpointRecord[] {
  const type = eventTypeOf(entry);
  return endpoints.filter(
    (endpoint) =>
      endpoint.events.includes(type) &&
      (endpoint.scope === null || endpoint.scope === entry.scope) &&
      entry.at.getTime() >= endpoint.createdAt.getTime(),
  );
}

/** An attempt made and not yet recorded. */
interface SentAttempt {
  readonly delivery: LeasedDelivery;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly outcome: SendOutcome;
  /** What must not survive in the excerpt: the secret and the signature it made. */
  readonly redact: readonly string[];
}

export class WebhookDispatcher {
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = Infinity;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private leases = 0;
  private backlogCheckedAt = 0;
  private rewrappedAt = 0;
  private readonly inFlight = new Map<WebhookEndpointId, number>();
  private readonly queued = new Map<WebhookEndpointId, LeasedDelivery[]>();
  private readonly attempts = new Set<Promise<void>>();
  private readonly unrecorded: { sent: SentAttempt; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly deps: DispatcherDeps) {
    this.concurrency = deps.concurrency ?? 32;
    this.perEndpoint = deps.perEndpoint ?? 8;
    // Long enough for every attempt a lease covers, also those queued behind a busy endpoint's cap.
    this.leaseMs = deps.settings.timeoutMs * (Math.ceil(this.concurrency / this.perEndpoint) + 2);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** A change committed here: look soon rather than at the next poll. Cheap enough for every redemption. */
  nudge(): void {
    if (!this.stopped) this.schedule(NUDGE_DELAY_MS);
  }

  /**
   * Stops polling, gives back the deliveries leased but not started (another
   * instance takes them at once), and waits for the attempts in flight (each
   * ends within the timeout) and their records.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    const unsent = [...this.queued.values()].flat();
    this.queued.clear();
    await this.deps.store
      .releaseLeases(unsent)
      .catch((error: unknown) => this.deps.onError(error, 'webhook lease release'));
    await Promise.all([...this.attempts]);
    while (this.flushing) await this.flushing;
  }

  /** One round: fan out, lease and start what is due. Never two at once. */
  async runOnce(): Promise<void> {
    await this.fanOut();
    await this.leaseDue();
    await this.housekeeping();
  }

  private schedule(delayMs: number): void {
    const dueAt = Date.now() + delayMs;
    if (this.timer && this.timerDueAt <= dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    this.timerDueAt = Infinity;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .catch((error: unknown) => this.deps.onError(error, 'webhook dispatch'))
      .finally(() => {
        this.running = null;
        const again = this.again;
        this.again = false;
        if (!this.stopped) this.schedule(again ? 0 : this.deps.settings.pollIntervalMs);
      });
  }

  private async fanOut(): Promise<void> {
    for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
      const entries = await this.deps.store.pendingOutbox(FAN_OUT_BATCH);
      if (entries.length === 0) return;
      // Read after the entries: an endpoint committed before them is seen.
      const endpoints = await this.deps.store.listEndpoints(null);
      const dueAt = this.deps.clock.now();
      const deliveries = entries.flatMap((entry) => this.deliveriesOf(entry, endpoints, dueAt));
      await this.deps.store.fanOut(entries, deliveries);
      if (entries.length < FAN_OUT_BATCH) return;
    }
    this.again = true;
  }

  private deliveriesOf(
    entry: OutboxEntry,
    endpoints: readonly WebhookEndpointRecord[],
    dueAt: Date,
  ): NewWebhookDelivery[] {
    const targets = endpointsFor(entry, endpoints);
    if (targets.length === 0) return [];
    const eventId = eventIdOf(entry);
    const body = eventBody(entry);
    return targets.map((endpoint) => ({
      endpointId: endpoint.id,
      eventId,
      eventType: eventTypeOf(entry),
      body,
      occurredAt: entry.at,
      dueAt,
    }));
  }

  /** Deliveries this instance holds: being sent, waiting for their endpoint's room, or sent and not yet recorded. */
  private busy(): number {
    let count = this.attempts.size + this.unrecorded.length;
    for (const waiting of this.queued.values()) count += waiting.length;
    return count;
  }

  private async leaseDue(): Promise<void> {
    const room = this.concurrency - this.busy();
    if (room <= 0 || this.stopped) return;
    const now = this.deps.clock.now();
    const full = [...this.inFlight].filter(([, count]) => count >= this.perEndpoint).map(([id]) => id);
    this.leases += 1;
    const leased = await this.deps.store.lease({
      owner: `${this.deps.instance}#${this.leases}`,
      now,
      until: new Date(now.getTime() + this.leaseMs),
      limit: room,
      excludeEndpoints: full,
    });
    for (const delivery of leased) this.enqueue(delivery);
    // A full batch: more may be due right now.
    if (leased.length === room) this.again = true;
  }

  private enqueue(delivery: LeasedDelivery): void {
    if ((this.inFlight.get(delivery.endpointId) ?? 0) < this.perEndpoint) return this.begin(delivery);
    const waiting = this.queued.get(delivery.endpointId) ?? [];
    waiting.push(delivery);
    this.queued.set(delivery.endpointId, waiting);
  }

  private begin(delivery: LeasedDelivery): void {
    const { endpointId } = delivery;
    this.inFlight.set(endpointId, (this.inFlight.get(endpointId) ?? 0) + 1);
    // The slot is free once the endpoint has answered: the record follows in a batch, under the same lease.
    const attempt: Promise<void> = this.attempt(delivery)
      .then((sent) => void this.record(sent).catch((error: unknown) => this.deps.onError(error, 'webhook record')))
      .catch((error: unknown) => this.deps.onError(error, 'webhook attempt'))
      .finally(() => {
        this.attempts.delete(attempt);
        const left = (this.inFlight.get(endpointId) ?? 1) - 1;
        if (left === 0) this.inFlight.delete(endpointId);
        else this.inFlight.set(endpointId, left);
        const next = this.queued.get(endpointId)?.shift();
        if (this.queued.get(endpointId)?.length === 0) this.queued.delete(endpointId);
        if (next && !this.stopped) this.begin(next);
        this.nudge();
      });
    this.attempts.add(attempt);
  }

  /** Sends one delivery; what became of it is recorded by the next flush. */
  private async attempt(delivery: LeasedDelivery): Promise<SentAttempt> {
    const { clock, secrets, sender } = this.deps;
    const startedAt = clock.now();
    const secret = secrets.open(
      { ciphertext: delivery.secretCiphertext, keyVersion: delivery.secretKeyVersion },
      delivery.endpointId,
    );
    const started = performance.now();
    if (secret === null) {
      return {
        delivery,
        startedAt,
        durationMs: 0,
        outcome: { status: null, errorClass: 'secret_unavailable', excerpt: null },
        redact: [],
      };
    }
    const headers = signatureHeaders(secret, delivery.eventId, startedAt, delivery.body);
    const outcome = await sender.send({ url: delivery.url, headers: { ...headers }, body: delivery.body });
    const durationMs = Math.round(performance.now() - started);
    return { delivery, startedAt, durationMs, outcome, redact: [secret, headers['webhook-signature']] };
  }

  /**
   * Attempts finished meanwhile are recorded together, in one transaction
   * (under load, many per flush): the record is most of a delivery's cost,
   * so it is batched like the leases. Resolves once `sent` is recorded.
   * Until then its lease keeps the delivery from being sent again.
   */
  private record(sent: SentAttempt): Promise<void> {
    return new Promise((resolve, reject) => {
      this.unrecorded.push({ sent, resolve, reject });
      this.flushing ??= Promise.resolve().then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.unrecorded.length > 0) {
      const batch = this.unrecorded.splice(0);
      try {
        await this.flush(batch.map((waiting) => waiting.sent));
        batch.forEach((waiting) => waiting.resolve());
      } catch (error) {
        batch.forEach((waiting) => waiting.reject(error));
      }
    }
    this.flushing = null;
  }

  private async flush(batch: readonly SentAttempt[]): Promise<void> {
    const results = this.results(batch, this.deps.clock.now());
    await this.deps.store.recordAttempts(results);
    for (const [index, result] of results.entries()) {
      const reported: DeliveryOutcome =
        result.state === 'delivered' ? 'delivered' : result.state === 'failed' ? 'given_up' : 'retrying';
      this.deps.observer?.attempt(reported, result.errorClass, batch[index]!.durationMs / 1000);
    }
  }

  /** What each attempt makes of its delivery. Retries of one flush and attempt number share a due time, so they are recorded (and retried) together. */
  private results(batch: readonly SentAttempt[], now: Date): AttemptResult[] {
    const { settings, random, instance } = this.deps;
    const retryAt = new Map<number, Date>();
    return batch.map(({ delivery, startedAt, durationMs, outcome, redact }) => {
      const attempt = delivery.attempts + 1;
      const state: WebhookDeliveryState =
        outcome.errorClass === null ? 'delivered' : attempt >= settings.maxAttempts ? 'failed' : 'pending';
      if (state === 'pending' && !retryAt.has(attempt)) {
        retryAt.set(attempt, new Date(now.getTime() + retryDelayMs(attempt, settings.retryMinSeconds, random)));
      }
      return {
        endpointId: delivery.endpointId,
        eventId: delivery.eventId,
        leaseOwner: delivery.leaseOwner,
        instance,
        attempt,
        startedAt,
        durationMs,
        status: outcome.status,
        errorClass: outcome.errorClass,
        excerpt: redactExcerpt(outcome.excerpt, redact),
        state,
        nextAttemptAt: state === 'pending' ? retryAt.get(attempt)! : null,
        deliveredAt: state === 'delivered' ? now : null,
      };
    });
  }

  /** The backlog figure every few seconds, and secrets moved to the active key after a rotation. */
  private async housekeeping(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (this.deps.observer && now - this.backlogCheckedAt >= BACKLOG_INTERVAL_MS) {
      this.backlogCheckedAt = now;
      const oldest = await this.deps.store.oldestUndelivered();
      this.deps.observer.backlog(oldest === null ? 0 : Math.max(0, (now - oldest.getTime()) / 1000));
    }
    if (now - this.rewrappedAt >= REWRAP_INTERVAL_MS) {
      this.rewrappedAt = now;
      await this.rewrapSecrets();
    }
  }

  /** Re-encrypts secrets sealed under an older key, so that the old key can be removed (docs/webhooks.md). */
  async rewrapSecrets(): Promise<number> {
    const { secrets, store, random } = this.deps;
    let moved = 0;
    for (const endpoint of await store.listEndpoints(null)) {
      if (endpoint.secretKeyVersion === secrets.activeVersion) continue;
      const secret = secrets.open(
        { ciphertext: endpoint.secretCiphertext, keyVersion: endpoint.secretKeyVersion },
        endpoint.id,
      );
      if (secret === null) continue;
      const sealed = secrets.seal(secret, endpoint.id, random);
      if (await store.rewrapSecret(endpoint.id, endpoint.secretKeyVersion, sealed.ciphertext, sealed.keyVersion))
        moved += 1;
    }
    return moved;
  }
}
