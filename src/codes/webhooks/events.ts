/**
 * Webhook events as receivers see them: the wire names, the event id (the
 * webhook-id of every attempt) and the JSON body. The body names ids, purpose,
 * scope, subject and times; never a plaintext code, a grant, a key or a
 * holdId (holdRef is the hold's record id, which admins see too, not the
 * capability that confirms it).
 */
import { createHash } from 'node:crypto';
import type { OutboxEntry, WebhookEventId } from '../../store/port';

export const WEBHOOK_EVENT_TYPES = [
  'code.redeemed',
  'redemption.reversed',
  'code.revoked',
  'codes.issued',
  'hold.created',
  'hold.released',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const WIRE_NAMES: Record<OutboxEntry['type'], WebhookEventType> = {
  redeemed: 'code.redeemed',
  reversed: 'redemption.reversed',
  revoked: 'code.revoked',
  issued: 'codes.issued',
  hold_created: 'hold.created',
  hold_released: 'hold.released',
};

const EVENT_ID_DOMAIN = 'claimcheck.webhook-event.v1\0';

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

export function eventTypeOf(entry: OutboxEntry): WebhookEventType {
  return WIRE_NAMES[entry.type];
}

/**
 * A UUIDv7 made from the entry itself (its time, and a hash of which outbox
 * row it is): a second fan-out of the same entry makes the same event, so the
 * deliveries' key ignores it, and ids still sort by when the change happened.
 */
export function eventIdOf(entry: OutboxEntry): WebhookEventId {
  const bytes = createHash('sha256').update(`${EVENT_ID_DOMAIN}${entry.source}\0${entry.sourceId}`).digest();
  const ms = BigInt(entry.at.getTime());
  for (let index = 0; index < 6; index++) bytes[index] = Number((ms >> BigInt(8 * (5 - index))) & 0xffn);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` as WebhookEventId;
}

type Data = Record<string, string | number | boolean | null>;

function labels(entry: OutboxEntry): Data {
  return { codeId: entry.codeId, purpose: entry.purpose, scope: entry.scope };
}

function eventData(entry: OutboxEntry): Data {
  const at = entry.at.toISOString();
  switch (entry.type) {
    case 'redeemed':
      return {
        redemptionId: entry.redemptionId,
        ...labels(entry),
        subject: entry.subject,
        redeemedAt: at,
        holdRef: entry.holdRef,
      };
    case 'reversed':
      return { redemptionId: entry.redemptionId, ...labels(entry), subject: entry.subject, reversedAt: at };
    case 'revoked':
      return { ...labels(entry), revokedAt: at };
    case 'issued':
      return {
        firstCodeId: entry.codeId,
        lastCodeId: entry.lastCodeId ?? entry.codeId,
        count: entry.count ?? 1,
        purpose: entry.purpose,
        scope: entry.scope,
        issuedAt: at,
      };
    case 'hold_created':
      return {
        holdRef: entry.holdRef,
        ...labels(entry),
        subject: entry.subject,
        createdAt: at,
        expiresAt: entry.holdExpiresAt?.toISOString() ?? null,
      };
    case 'hold_released':
      return {
        holdRef: entry.holdRef,
        ...labels(entry),
        subject: entry.subject,
        releasedAt: at,
        reason: entry.reason === 'expired' ? 'expired' : 'released',
      };
  }
}

/** The request body: {"type", "timestamp", "data"}, as runtime.md describes it. */
export function eventBody(entry: OutboxEntry): string {
  return JSON.stringify({ type: eventTypeOf(entry), timestamp: entry.at.toISOString(), data: eventData(entry) });
}
