/** Code ids: UUIDv7, so ids sort by creation time and inserts append to the primary key's index. */
import { v7 } from 'uuid';
import type { RandomBytes } from './types';

/** Canonical lowercase form, version 7, RFC 9562 variant. */
const CODE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function newCodeId(now: Date, random: RandomBytes): string {
  return v7({ msecs: now.getTime(), random: random(16) });
}

export function isCodeId(value: string): boolean {
  return CODE_ID.test(value);
}
