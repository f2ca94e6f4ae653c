/**
 * The server's settings, read from the environment once at start-up. Every
 * problem is collected, so that an operator fixes them all in one round.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { KeyRing, KeyRingError } from '../codes/keyring';
import { configuredSecretBox, derivedSecretBox } from './webhook-keys';
import { codePolicy, type CodePolicy } from '../codes/policy';
import type { RandomBytes, RateLimitSettings } from '../codes/types';
import type { WebhookSettings } from '../webhooks/dispatcher';
import type { SecretBox } from '../codes/webhooks/secret-box';
import { AdminKey, parseAdminKeys } from './admin-keys';
import { loadDevKeyRing } from './dev-keys';

export { AdminKey };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface WebhookConfig extends WebhookSettings {
  /** Whether endpoint URLs may point at loopback, private, link-local or otherwise non-public addresses. */
  readonly allowPrivateUrls: boolean;
  /** Seals and opens the endpoints' signing secrets (WEBHOOK_SECRET_KEYS). */
  readonly secretBox: SecretBox;
  /** WEBHOOK_SECRET_KEYS is unset: the keys are derived from CODE_HMAC_KEYS. */
  readonly secretKeysDerived: boolean;
}

/** Express's 'trust proxy' setting: off, every hop, a hop count, or the addresses/subnets of trusted proxies. */
export type TrustProxy = boolean | number | readonly string[];

export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** May hold a password: print it only through describeDatabase(). */
  readonly databaseUrl: string;
  readonly keyRing: KeyRing;
  readonly adminKeys: readonly AdminKey[];
  readonly rateLimit: RateLimitSettings;
  readonly policy: CodePolicy;
  readonly trustProxy: TrustProxy;
  readonly logLevel: LogLevel;
  readonly dbPoolSize: number;
  readonly dbStatementTimeoutMs: number;
  readonly maxBatch: number;
  readonly introspection: boolean;
  readonly landingPage: boolean;
  readonly shutdownTimeoutMs: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  readonly maxRedeemFields: number;
  readonly webhooks: WebhookConfig;
  /** Lines for the log once a logger exists; never a secret. */
  readonly notices: readonly string[];
  /** An admin key made up for this session (outside production, when none is configured): printed once by main. */
  readonly sessionAdminKey: AdminKey | null;
}

export interface LoadConfigOptions {
  /** Where the development key file lives (under .claimcheck/); the process's working directory by default. */
  readonly cwd?: string;
  readonly random?: RandomBytes;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export const DEFAULT_DATABASE_URL = 'mysql://root@127.0.0.1:3306/claimcheck';
export const MIN_MAX_BATCH = 10_000;

/** Reads one variable after another, noting each problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The trimmed value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return this.problem(`${name} must be an integer from ${min} to ${max} (got "${text}")`, fallback);
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.raw(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    return this.problem(`${name} must be true or false (got "${text}")`, fallback);
  }

  /** A decimal number of seconds (e.g. 10 or 0.25), for settings that tests shorten below a second. */
  seconds(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = /^\d+(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) {
      return this.problem(`${name} must be a number of seconds from ${min} to ${max} (got "${text}")`, fallback);
    }
    return value;
  }

  problem<T>(line: string, fallback: T): T {
    this.problems.push(line);
    return fallback;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): Config {
  const read = new EnvReader(env);
  const random = options.random ?? randomBytes;
  const production = read.raw('NODE_ENV') === 'production';
  const notices: string[] = [];

  const keyRing = readKeyRing(read, production, options.cwd ?? process.cwd(), random, notices);
  const admin = parseAdminKeys(read.raw('ADMIN_API_KEYS'), production, random);
  admin.problems.forEach((line) => read.problem(line, undefined));
  if (admin.keys.length === 0) notices.push('ADMIN_API_KEYS is not set: admin fields are closed');

  const config: Config = {
    production,
    port: read.integer('PORT', 4000, 0, 65_535),
    host: read.raw('HOST') ?? '127.0.0.1',
    databaseUrl: readDatabaseUrl(read),
    keyRing: keyRing as KeyRing,
    adminKeys: Object.freeze([...admin.keys]),
    sessionAdminKey: admin.generated,
    rateLimit: Object.freeze({
      maxFailures: read.integer('RATE_LIMIT_MAX_FAILURES', 10, 1, 1_000_000),
      windowSeconds: read.integer('RATE_LIMIT_WINDOW_SECONDS', 300, 1, 86_400),
      scopeMaxFailures: read.integer('RATE_LIMIT_SCOPE_MAX_FAILURES', 1000, 1, 100_000_000),
      failOpen: read.boolean('RATE_LIMIT_FAIL_OPEN', false),
    }),
    policy: readPolicy(read),
    trustProxy: readTrustProxy(read),
    logLevel: readLogLevel(read),
    dbPoolSize: read.integer('DB_POOL_SIZE', 16, 1, 1000),
    dbStatementTimeoutMs: read.integer('DB_STATEMENT_TIMEOUT_MS', 5000, 1, 600_000),
    maxBatch: read.integer('MAX_BATCH', MIN_MAX_BATCH, MIN_MAX_BATCH, 1_000_000),
    introspection: read.boolean('GRAPHQL_INTROSPECTION', !production),
    landingPage: read.boolean('GRAPHQL_LANDING_PAGE', !production),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    bodyLimit: readBodyLimit(read),
    maxRedeemFields: read.integer('MAX_REDEEM_FIELDS', 3, 1, 100),
    webhooks: readWebhooks(read, production, keyRing),
    notices: Object.freeze(notices),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return Object.freeze(config);
}

/** The process's own environment: the one place outside tests that reads it. */
export function loadProcessConfig(): Config {
  return loadConfig(process.env);
}

/** host:port of the database, for messages: never the user or password. */
export function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || '3306'}`;
}

function readKeyRing(
  read: EnvReader,
  production: boolean,
  cwd: string,
  random: RandomBytes,
  notices: string[],
): KeyRing | null {
  const text = read.raw('CODE_HMAC_KEYS');
  if (text !== undefined) return parseKeyRing(read, text);
  if (production) {
    return read.problem(
      'CODE_HMAC_KEYS is required in production: set version:base64key entries (at least 32 random bytes each), comma-separated',
      null,
    );
  }
  try {
    const dev = loadDevKeyRing(cwd, random);
    notices.push(
      `CODE_HMAC_KEYS is not set: ${dev.created ? 'created' : 'using'} the development key file ${dev.path} (set CODE_HMAC_KEYS in production)`,
    );
    return dev.keyRing;
  } catch (error) {
    return read.problem(error instanceof Error ? error.message : String(error), null);
  }
}

function readWebhooks(read: EnvReader, production: boolean, keyRing: KeyRing | null): WebhookConfig {
  return Object.freeze({
    allowPrivateUrls: read.boolean('WEBHOOK_ALLOW_PRIVATE_URLS', !production),
    retryMinSeconds: read.seconds('WEBHOOK_RETRY_MIN_SECONDS', 10, 0.01, 3600),
    maxAttempts: read.integer('WEBHOOK_MAX_ATTEMPTS', 12, 1, 100),
    timeoutMs: read.integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    pollIntervalMs: read.integer('WEBHOOK_POLL_INTERVAL_MS', 300, 10, 60_000),
    secretBox: readWebhookSecretKeys(read, keyRing) as SecretBox,
    secretKeysDerived: read.raw('WEBHOOK_SECRET_KEYS') === undefined,
  });
}

/**
 * WEBHOOK_SECRET_KEYS; unset, keys derived from CODE_HMAC_KEYS (its
 * development key file outside production), so that a deployment that
 * predates webhooks still starts: the server says so in its log.
 */
function readWebhookSecretKeys(read: EnvReader, keyRing: KeyRing | null): SecretBox | null {
  const text = read.raw('WEBHOOK_SECRET_KEYS');
  if (text === undefined) return keyRing === null ? null : derivedSecretBox(keyRing);
  try {
    return configuredSecretBox(text, keyRing);
  } catch (error) {
    return read.problem(
      error instanceof KeyRingError ? error.message : 'WEBHOOK_SECRET_KEYS could not be parsed',
      null,
    );
  }
}

function parseKeyRing(read: EnvReader, text: string): KeyRing | null {
  try {
    return KeyRing.parse(text);
  } catch (error) {
    // KeyRingError messages never quote key material; anything else might.
    return read.problem(error instanceof KeyRingError ? error.message : 'CODE_HMAC_KEYS could not be parsed', null);
  }
}

function readDatabaseUrl(read: EnvReader): string {
  const text = read.raw('DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value may hold a password: the line does not repeat it.
    return read.problem('DATABASE_URL is not a URL: expected mysql://user:password@host:port/database', text);
  }
  if (url.protocol !== 'mysql:' || url.hostname === '' || url.pathname.length <= 1) {
    return read.problem('DATABASE_URL must look like mysql://user:password@host:port/database', text);
  }
  return text;
}

function readPolicy(read: EnvReader): CodePolicy {
  const length = read.integer('CODE_LENGTH', 8, 1, 1000);
  const ttlSeconds = read.integer('CODE_TTL_SECONDS', 86_400, 1, Number.MAX_SAFE_INTEGER);
  try {
    return codePolicy(length, ttlSeconds);
  } catch (error) {
    return read.problem(error instanceof RangeError ? error.message : String(error), { length, ttlSeconds });
  }
}

function readLogLevel(read: EnvReader): LogLevel {
  const text = read.raw('LOG_LEVEL')?.toLowerCase() ?? 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === text);
  return level ?? read.problem(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${text}")`, 'info');
}

const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function readTrustProxy(read: EnvReader): TrustProxy {
  const text = read.raw('TRUST_PROXY');
  if (text === undefined || /^(false|off|0)$/i.test(text)) return false;
  if (/^true$/i.test(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const invalid = entries.filter((entry) => !isTrustedProxyEntry(entry));
  if (invalid.length > 0) {
    return read.problem(
      `TRUST_PROXY must be true, a hop count, or comma-separated addresses/subnets (e.g. 10.0.0.0/8, loopback); not understood: ${invalid.map((entry) => `"${entry}"`).join(', ')}`,
      false,
    );
  }
  return Object.freeze(entries);
}

function isTrustedProxyEntry(entry: string): boolean {
  if (TRUST_PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (isIP(prefix) === family) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const BODY_LIMIT = /^(\d+)\s*(b|kb|mb)?$/i;
const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
const DEFAULT_BODY_LIMIT = 64 * 1024;

function readBodyLimit(read: EnvReader): number {
  const text = read.raw('BODY_LIMIT');
  if (text === undefined) return DEFAULT_BODY_LIMIT;
  const match = BODY_LIMIT.exec(text);
  const bytes = match ? Number(match[1]) * UNIT_BYTES[(match[2] ?? 'b').toLowerCase()] : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > 16 * 1024 * 1024) {
    return read.problem(`BODY_LIMIT must be a size from 1kb to 16mb, e.g. 64kb (got "${text}")`, DEFAULT_BODY_LIMIT);
  }
  return bytes;
}
