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

/** `destination` lets tests capture the lines; stdout otherwise. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'claimcheck' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
