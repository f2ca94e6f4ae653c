/**
 * The process's structured logger. Nothing logs variables or request bodies;
 * the redaction paths are a second line of defence should a secret-bearing
 * field ever reach a log call.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config';

export type { Logger };

const SECRET_FIELDS = ['authorization', 'code', 'grant', 'idempotencyKey', 'key', 'adminKey', 'variables', 'input'];
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'req.headers.authorization',
  'headers.authorization',
];

/**
 * `destination` lets tests capture the lines; stdout otherwise, written
 * asynchronously so that a line per request never blocks the event loop
 * (the entry point flushes before it exits).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'claimcheck' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** What a log line keeps of an error: its kind, message and stack. Our errors never put a secret in their message. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  return { type: error.name, message: error.message, stack: error.stack };
}
