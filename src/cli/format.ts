/** How codes are written out: CSV for spreadsheets and mail merges, JSON Lines for programs. */
import type { CodeView, HoldView, IssuedCode, RedemptionRecord } from '../codes/types';
import type { WebhookDeliveryView, WebhookEndpointView } from '../codes/webhooks/endpoints';
import type { WebhookAttemptRecord } from '../store/port';
import type { OutputFormat } from './options';

type Cell = string | number | Date | null;
type Row = Record<string, Cell>;

function cellText(value: Cell): string {
  if (value === null) return '';
  return value instanceof Date ? value.toISOString() : String(value);
}

/** RFC 4180 quoting: only when the value would otherwise break the row. */
function csvCell(value: Cell): string {
  const text = cellText(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function jsonObject(columns: readonly string[], row: Row): Record<string, string | number | null> {
  return Object.fromEntries(
    columns.map((column) => [column, row[column] instanceof Date ? cellText(row[column]) : row[column]]),
  );
}

/** Writes rows of one shape; the CSV header comes with the first batch. */
export class RowWriter {
  #headerWritten = false;

  constructor(
    private readonly format: OutputFormat,
    private readonly columns: readonly string[],
  ) {}

  lines(rows: readonly Row[]): string {
    const lines = rows.map((row) => this.line(row));
    if (this.format === 'csv' && !this.#headerWritten) {
      this.#headerWritten = true;
      lines.unshift(this.columns.join(','));
    }
    return lines.map((line) => `${line}\n`).join('');
  }

  private line(row: Row): string {
    if (this.format === 'csv') return this.columns.map((column) => csvCell(row[column])).join(',');
    return JSON.stringify(jsonObject(this.columns, row));
  }
}

/** The limits come last, so that scripts reading the first columns by position keep working. */
export const ISSUED_COLUMNS = [
  'code',
  'id',
  'expires_at',
  'purpose',
  'scope',
  'grant',
  'key_version',
  'starts_at',
  'max_redemptions',
  'max_per_subject',
] as const;

export function issuedRow(issued: IssuedCode): Row {
  const { record } = issued;
  return {
    code: issued.code,
    id: record.id,
    expires_at: record.expiresAt,
    purpose: record.purpose,
    scope: record.scope,
    grant: record.grant,
    key_version: record.keyVersion,
    starts_at: record.startsAt,
    max_redemptions: record.maxRedemptions,
    max_per_subject: record.maxRedemptionsPerSubject,
  };
}

export const CODE_COLUMNS = [
  'id',
  'state',
  'purpose',
  'scope',
  'grant',
  'key_version',
  'created_at',
  'starts_at',
  'expires_at',
  'max_redemptions',
  'max_per_subject',
  'redemption_count',
  'held_count',
  'used_at',
  'used_by',
  'revoked_at',
] as const;

export function codeRow(code: CodeView): Row {
  return {
    id: code.id,
    state: code.state,
    purpose: code.purpose,
    scope: code.scope,
    grant: code.grant,
    key_version: code.keyVersion,
    created_at: code.createdAt,
    starts_at: code.startsAt,
    expires_at: code.expiresAt,
    max_redemptions: code.maxRedemptions,
    max_per_subject: code.maxRedemptionsPerSubject,
    redemption_count: code.redemptionCount,
    held_count: code.heldCount,
    used_at: code.usedAt,
    used_by: code.usedBy,
    revoked_at: code.revokedAt,
  };
}

/** One code as an indented JSON object, for `show` and `revoke`; `show` adds its active holds (never a holdId). */
export function codeJson(code: CodeView, holds?: readonly HoldView[]): string {
  const object = jsonObject(CODE_COLUMNS, codeRow(code));
  const withHolds = holds === undefined ? object : { ...object, active_holds: holds.map(holdObject) };
  return JSON.stringify(withHolds, null, 2);
}

const HOLD_COLUMNS = ['ref', 'subject', 'created_at', 'expires_at'] as const;

function holdObject(hold: HoldView): Record<string, string | number | null> {
  return jsonObject(HOLD_COLUMNS, {
    ref: hold.ref,
    subject: hold.subject,
    created_at: hold.createdAt,
    expires_at: hold.expiresAt,
  });
}

export const REDEMPTION_COLUMNS = [
  'id',
  'code_id',
  'subject',
  'redeemed_at',
  'reversed_at',
  'reversal_reason',
] as const;

export function redemptionRow(redemption: RedemptionRecord): Row {
  return {
    id: redemption.id,
    code_id: redemption.codeId,
    subject: redemption.subject,
    redeemed_at: redemption.redeemedAt,
    reversed_at: redemption.reversedAt,
    reversal_reason: redemption.reversalReason,
  };
}

export function redemptionJson(redemption: RedemptionRecord): string {
  return JSON.stringify(jsonObject(REDEMPTION_COLUMNS, redemptionRow(redemption)), null, 2);
}

export const ENDPOINT_COLUMNS = ['id', 'url', 'events', 'scope', 'description', 'created_at'] as const;

export function endpointRow(endpoint: WebhookEndpointView): Row {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events.join(' '),
    scope: endpoint.scope,
    description: endpoint.description,
    created_at: endpoint.createdAt,
  };
}

export function endpointJson(endpoint: WebhookEndpointView, secret: string): string {
  return JSON.stringify({ ...jsonObject(ENDPOINT_COLUMNS, endpointRow(endpoint)), secret }, null, 2);
}

export const DELIVERY_COLUMNS = [
  'event_id',
  'event_type',
  'state',
  'attempts',
  'last_status',
  'last_error',
  'delivered_at',
  'next_attempt_at',
] as const;

export function deliveryRow(delivery: WebhookDeliveryView): Row {
  return {
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    state: delivery.state,
    attempts: delivery.attempts,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    delivered_at: delivery.deliveredAt,
    next_attempt_at: delivery.nextAttemptAt,
  };
}

export const ATTEMPT_COLUMNS = ['attempt', 'started_at', 'duration_ms', 'status', 'error_class', 'excerpt'] as const;

export function attemptRow(attempt: WebhookAttemptRecord): Row {
  return {
    attempt: attempt.attempt,
    started_at: attempt.startedAt,
    duration_ms: attempt.durationMs,
    status: attempt.status,
    error_class: attempt.errorClass,
    excerpt: attempt.excerpt,
  };
}
