/**
 * The token a won claim stores, so that a retry with the same idempotency key
 * can prove it was the winner. Only a hash is stored: the database never
 * holds a client's idempotency key.
 */
import { createHash } from 'node:crypto';
import type { RandomBytes } from './types';

/** Domain separation from every other hash of client input. */
const IDEMPOTENCY_DOMAIN = Buffer.from('claimcheck.idempotency.v1\0', 'utf8');
const RANDOM_TOKEN_BYTES = 32;

export function claimTokenHash(idempotencyKey: string): Buffer {
  return hashToken(Buffer.from(idempotencyKey, 'utf8'));
}

/** For a claim without an idempotency key: no later request can present a matching token, so none can replay it. */
export function randomClaimToken(random: RandomBytes): Buffer {
  return hashToken(random(RANDOM_TOKEN_BYTES));
}

function hashToken(token: Buffer): Buffer {
  return createHash('sha256').update(IDEMPOTENCY_DOMAIN).update(token).digest();
}
