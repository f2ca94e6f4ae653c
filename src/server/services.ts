/**
 * The use cases and what they stand on, opened from the configuration:
 * database, migrations, stores, keys and policies, and the background work
 * every instance does (rate-limit purge, the hold sweep). The server and the
 * admin CLI share this wiring.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { describeError } from '../ops/logger';
import { AuditBuffer } from '../codes/audit-buffer';
import { bufferedRandom } from '../codes/random';
import { type CodeServices, createCodeServices } from '../codes/services';
import type { AttemptOutcome, Clock, ServiceObserver } from '../codes/types';
import { AddressPolicy, type ResolveAll } from '../codes/webhooks/address-policy';
import { WebhookDispatcher, type WebhookObserver, type WebhookSettings } from '../webhooks/dispatcher';
import { WebhookAdmin } from '../codes/webhooks/endpoints';
import { UndiciWebhookSender, type WebhookSender } from '../webhooks/sender';
import { describeDatabase, type Config } from '../config/config';
import { MysqlCodeStore } from '../store/mysql/code-store';
import { MysqlHoldStore } from '../store/mysql/hold-store';
import { MysqlAuditLog } from '../store/mysql/journal';
import { applyMigrations, ensureDatabase } from '../store/mysql/migrate';
import { createMysqlPool, type MysqlDatabase, openMysqlDatabase } from '../store/mysql/pool';
import { MysqlRateLimitStore } from '../store/mysql/rate-limit-store';
import { MysqlWebhookStore } from '../store/mysql/webhook-store';

export interface Services {
  readonly codes: CodeServices;
  readonly webhooks: WebhookAdmin;
  /** The webhook dispatcher of this instance; null when it runs no background work (the CLI). */
  readonly dispatcher: WebhookDispatcher | null;
  readonly database: MysqlDatabase;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** Stops the background work, writes the buffered journal entries and closes the database. */
  close(): Promise<void>;
}

export interface OpenServicesOptions {
  readonly observer?: ServiceObserver;
  /** How often expired rate-limit buckets are purged (default one minute). */
  readonly purgeIntervalMs?: number;
  /** How often expired holds are recorded (default 15 s, so within a minute of their expiry). */
  readonly holdSweepIntervalMs?: number;
  /** Whether this process runs the background work (the CLI does not). Default true. */
  readonly background?: boolean;
  readonly webhookObserver?: WebhookObserver;
  /** Overrides of the webhook settings from the configuration (tests shorten the waits). */
  readonly webhookSettings?: Partial<WebhookSettings>;
  /** How webhook hosts are resolved (tests answer for names of their own). */
  readonly resolveAll?: ResolveAll;
  /** How webhooks are sent; an undici sender by default. */
  readonly webhookSender?: WebhookSender;
  /** Connections for the dispatcher apart from the request path's (closed with the services); the main ones otherwise. */
  readonly dispatchDatabase?: MysqlDatabase;
}

/** The database could not be reached at start-up; the message is safe to print (no credentials). */
export class DatabaseUnreachable extends Error {
  override readonly name = 'DatabaseUnreachable';
}

const systemClock: Clock = { now: () => new Date() };
const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 1000;
const HOLD_SWEEP_INTERVAL_MS = 15_000;
/** The migration runner holds one connection for the files and may take another to renew its lease. */
const MIGRATION_CONNECTIONS = 2;
const AUDIT_BUFFERING = { flushIntervalMs: 50, maxBatch: 500, maxPending: 50_000 };
/** Attempt outcomes that committed a change with a webhook event: the dispatcher is nudged to send it. */
const COMMITTED_CHANGES: ReadonlySet<AttemptOutcome> = new Set(['redeemed', 'held', 'confirmed', 'released']);
/** Webhook attempts in flight per endpoint from one instance (and undici sockets per origin). */
const WEBHOOK_PER_ENDPOINT = 8;
const DISPATCH_CONNECTIONS = 4;

const resolveEveryAddress: ResolveAll = (host) => lookup(host, { all: true });

export async function openServices(
  config: Config,
  logger: Logger,
  options: OpenServicesOptions = {},
): Promise<Services> {
  try {
    await ensureDatabase(config.databaseUrl);
  } catch (error) {
    throw new DatabaseUnreachable(
      `cannot reach the database at ${describeDatabase(config.databaseUrl)} (DATABASE_URL): ${reasonOf(error)}`,
    );
  }
  const migrations = createMysqlPool(config.databaseUrl, { connectionLimit: MIGRATION_CONNECTIONS });
  try {
    const applied = await applyMigrations(migrations);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  } finally {
    await migrations.end();
  }
  const database = openMysqlDatabase(config.databaseUrl, {
    connectionLimit: config.dbPoolSize,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  // The dispatcher's own few connections: delivery work never queues a redemption behind it, nor the reverse.
  const dispatchDatabase =
    options.background === false
      ? undefined
      : openMysqlDatabase(config.databaseUrl, {
          connectionLimit: DISPATCH_CONNECTIONS,
          statementTimeoutMs: config.dbStatementTimeoutMs,
        });
  return assembleServices(config, database, logger, { ...options, dispatchDatabase });
}

/** The stores and the use cases over an open database (no start-up checks): also for tests that need a broken one. */
export function assembleServices(
  config: Config,
  database: MysqlDatabase,
  logger: Logger,
  options: OpenServicesOptions = {},
): Services {
  const store = new MysqlCodeStore(database);
  const rateLimits = new MysqlRateLimitStore(database);
  const random = bufferedRandom(randomBytes);
  const webhookStore = new MysqlWebhookStore(database);
  const dispatchStore = options.dispatchDatabase ? new MysqlWebhookStore(options.dispatchDatabase) : webhookStore;
  const settings = { ...config.webhooks, ...options.webhookSettings };
  const policy = new AddressPolicy(config.webhooks.allowPrivateUrls, options.resolveAll ?? resolveEveryAddress);
  const background = options.background !== false;
  // Only the sender made here is closed here; an injected one belongs to its caller.
  const ownSender =
    background && !options.webhookSender
      ? new UndiciWebhookSender({ policy, timeoutMs: settings.timeoutMs, connectionsPerOrigin: WEBHOOK_PER_ENDPOINT })
      : null;
  const sender = background ? (options.webhookSender ?? ownSender) : null;
  const dispatcher = sender
    ? new WebhookDispatcher({
        store: dispatchStore,
        sender,
        secrets: config.webhooks.secretBox,
        clock: systemClock,
        random,
        settings,
        // Leaves room in lease_owner (64) for the claim counter after it.
        instance: `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`.slice(-48),
        observer: options.webhookObserver,
        perEndpoint: WEBHOOK_PER_ENDPOINT,
        onError: (error, task) => logger.warn({ error: describeError(error) }, `${task} failed`),
      })
    : null;
  const audit = new AuditBuffer(new MysqlAuditLog(database), {
    ...AUDIT_BUFFERING,
    onWriteFailure: (error, dropped) => logger.warn({ error: describeError(error), dropped }, 'audit write failed'),
  });
  const codes = createCodeServices({
    store,
    holds: new MysqlHoldStore(database),
    rateLimits,
    audit,
    keyRing: config.keyRing,
    policy: config.policy,
    clock: systemClock,
    random,
    rateLimit: config.rateLimit,
    maxBatch: config.maxBatch,
    observer: nudging(options.observer, dispatcher),
  });
  const webhooks = new WebhookAdmin({
    store: webhookStore,
    policy,
    secrets: config.webhooks.secretBox,
    clock: systemClock,
    random,
  });
  if (dispatcher && config.webhooks.secretKeysDerived) {
    logger.info('WEBHOOK_SECRET_KEYS is not set: webhook secrets are sealed under keys derived from CODE_HMAC_KEYS');
  }
  dispatcher?.start();
  const timers = !background
    ? []
    : [
        every(options.purgeIntervalMs ?? PURGE_INTERVAL_MS, logger, 'rate-limit purge', () =>
          rateLimits.purgeExpired(systemClock.now(), PURGE_BATCH),
        ),
        every(options.holdSweepIntervalMs ?? HOLD_SWEEP_INTERVAL_MS, logger, 'hold sweep', () =>
          codes.holds.sweepExpired(),
        ),
      ];
  let closing: Promise<void> | undefined;
  return {
    codes,
    webhooks,
    dispatcher,
    database,
    ping: () => store.ping(),
    close: () => {
      closing ??= (async () => {
        for (const timer of timers) timer.stop();
        await Promise.all([...timers.map((timer) => timer.idle()), dispatcher?.stop()]);
        await ownSender?.close();
        await audit.flush();
        await Promise.all([database.end(), options.dispatchDatabase?.end()]);
      })();
      return closing;
    },
  };
}

/** The service's observer, nudging the dispatcher after each change committed in this process. */
function nudging(
  observer: ServiceObserver | undefined,
  dispatcher: WebhookDispatcher | null,
): ServiceObserver | undefined {
  if (!dispatcher) return observer;
  return {
    attempt: (operation, outcome) => {
      observer?.attempt(operation, outcome);
      if (COMMITTED_CHANGES.has(outcome)) dispatcher.nudge();
    },
  };
}

interface Periodic {
  stop(): void;
  /** Resolves once a run in progress has finished. */
  idle(): Promise<void>;
}

/**
 * `task` every `intervalMs`, never two runs at once; a failure is logged and
 * the next run tries again. Unref'd: background work never holds the process.
 */
function every(intervalMs: number, logger: Logger, name: string, task: () => Promise<unknown>): Periodic {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= task()
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ error: describeError(error) }, `${name} failed`),
      )
      .finally(() => (running = null));
  }, intervalMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    idle: async () => void (await running),
  };
}

/** The driver's own words (already stripped of quoted values by the store), else the store's. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : null;
  return cause ?? error.message;
}
