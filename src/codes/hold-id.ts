/**
 * holdId: the capability that confirms or releases a hold. 192 bits from the
 * CSPRNG, shown to the holder once and stored only as a keyed hash (like a
 * code). So that a retry with the same idempotency key can be answered with
 * the same holdId, the hold also stores the holdId encrypted (AES-256-GCM)
 * under a key derived from the HMAC key and that idempotency key: neither a
 * database dump nor the HMAC key alone opens it.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { HoldRef } from '../store/port';
import type { HmacKey } from './keyring';
import type { RandomBytes } from './types';

const HOLD_ID_BYTES = 24;
const PREFIX = 'hold_';
/** 24 bytes in unpadded base64url. */
const HOLD_ID = /^hold_[A-Za-z0-9_-]{32}$/;
const SEAL_DOMAIN = Buffer.from('claimcheck.hold-seal.v1\0', 'utf8');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface NewHoldId {
  /** What the holder gets: hold_ followed by base64url. */
  readonly text: string;
  readonly bytes: Buffer;
}

export function newHoldId(random: RandomBytes): NewHoldId {
  const bytes = Buffer.from(random(HOLD_ID_BYTES));
  return { text: `${PREFIX}${bytes.toString('base64url')}`, bytes };
}

/** The capability's bytes, or null when `text` cannot be a holdId (no lookup is then needed). */
export function parseHoldId(text: string): Buffer | null {
  return HOLD_ID.test(text) ? Buffer.from(text.slice(PREFIX.length), 'base64url') : null;
}

export function formatHoldId(bytes: Buffer): string {
  return `${PREFIX}${bytes.toString('base64url')}`;
}

function sealKey(key: HmacKey, idempotencyKey: string): Buffer {
  return createHmac('sha256', key.secret).update(SEAL_DOMAIN).update(idempotencyKey, 'utf8').digest();
}

/** nonce ‖ ciphertext ‖ tag; the hold's ref is authenticated with it, so a sealed id cannot be moved to another hold. */
export function sealHoldId(
  key: HmacKey,
  idempotencyKey: string,
  holdId: Buffer,
  ref: HoldRef,
  random: RandomBytes,
): Buffer {
  const nonce = Buffer.from(random(NONCE_BYTES));
  const cipher = createCipheriv('aes-256-gcm', sealKey(key, idempotencyKey), nonce);
  cipher.setAAD(Buffer.from(ref, 'utf8'));
  const sealed = Buffer.concat([cipher.update(holdId), cipher.final()]);
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()]);
}

/** The holdId, or null when `idempotencyKey` (or the key) is not the one it was sealed with. */
export function unsealHoldId(key: HmacKey, idempotencyKey: string, sealed: Buffer, ref: HoldRef): Buffer | null {
  if (sealed.length <= NONCE_BYTES + TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', sealKey(key, idempotencyKey), sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(ref, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
