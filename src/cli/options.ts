/** Parsers for the CLI's option values: each turns text into a value or a one-line reason. */
import { InvalidArgumentError } from 'commander';
import type { CodeState } from '../codes/types';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../codes/webhooks/events';

export const OUTPUT_FORMATS = ['csv', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const CODE_STATES: readonly CodeState[] = ['REDEEMABLE', 'USED', 'REVOKED', 'EXPIRED', 'SCHEDULED'];

const SECONDS_PER_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

export function positiveInteger(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError('expected a whole number of 1 or more.');
  return value;
}

/** Seconds, or a number with a unit (90s, 15m, 12h, 30d): operators think of code lifetimes in days. */
export function duration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected seconds or a number with s, m, h or d (e.g. 3600, 12h, 30d).');
  const seconds = Number(match[1]) * SECONDS_PER_UNIT[match[2] || 's'];
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new InvalidArgumentError('expected a lifetime of 1 second or more.');
  return seconds;
}

/** An ISO-8601 instant with a time zone (2026-12-01T09:00:00Z): a bare date or local time would be ambiguous. */
export function instant(text: string): Date {
  const trimmed = text.trim();
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)
    ? new Date(trimmed)
    : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError('expected an ISO-8601 instant with a time zone, e.g. 2026-12-01T09:00:00Z.');
  return date;
}

export function codeState(text: string): CodeState {
  const state = text.trim().toUpperCase() as CodeState;
  if (!CODE_STATES.includes(state))
    throw new InvalidArgumentError(`expected one of ${CODE_STATES.join(', ').toLowerCase()}.`);
  return state;
}

/** Webhook event types, comma-separated, as on the wire (code.redeemed) or as in GraphQL (CODE_REDEEMED); `all` for every one. */
export function webhookEvents(text: string): WebhookEventType[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...WEBHOOK_EVENT_TYPES];
  const asWire = (name: string): string => name.toLowerCase().replace('_', '.');
  const events = names.map(asWire);
  const unknown = events.filter((event) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event));
  if (events.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(`expected all, or some of ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
  return events as WebhookEventType[];
}
