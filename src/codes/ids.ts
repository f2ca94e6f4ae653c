/**
 * Record ids: UUIDv7, so that ids sort by creation time and inserts append to
 * the primary key's index. Each kind is its own type: only these functions
 * make one, so a redemption id cannot be passed where a code id is meant.
 */
import { v7 } from 'uuid';
import type { CodeId, HoldRef, RedemptionId, WebhookEndpointId } from '../store/port';
import type { RandomBytes } from './types';

/** Canonical lowercase form, version 7, RFC 9562 variant. */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function newUuidV7(now: Date, random: RandomBytes): string {
  return v7({ msecs: now.getTime(), random: random(16) });
}

export function isUuidV7(value: string): boolean {
  return UUID_V7.test(value);
}

export function newCodeId(now: Date, random: RandomBytes): CodeId {
  return newUuidV7(now, random) as CodeId;
}

export function newRedemptionId(now: Date, random: RandomBytes): RedemptionId {
  return newUuidV7(now, random) as RedemptionId;
}

export function newHoldRef(now: Date, random: RandomBytes): HoldRef {
  return newUuidV7(now, random) as HoldRef;
}

export function newWebhookEndpointId(now: Date, random: RandomBytes): WebhookEndpointId {
  return newUuidV7(now, random) as WebhookEndpointId;
}

/** A code id from outside (an API argument, a cursor), or null when it cannot be one. */
export function parseCodeId(value: string): CodeId | null {
  return isUuidV7(value) ? (value as CodeId) : null;
}

/**
 * A redemption id from outside, or null. Redemptions recorded by the version 2
 * migration carry their code's id, which is a UUIDv7 as well.
 */
export function parseRedemptionId(value: string): RedemptionId | null {
  return isUuidV7(value) ? (value as RedemptionId) : null;
}
