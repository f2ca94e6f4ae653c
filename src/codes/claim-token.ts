/**
 * The token each redemption and hold stores, so that a retry with the same
 * idempotency key can prove it made them. Only a hash is stored: the database
 * never holds a client's idempotency key.
 */
import { createHash } from 'node:crypto';
import type { ClaimToken, HoldRef } from '../store/port';
import type { RandomBytes } from './types';

/** Domain separation from every other hash of client input. */
const IDEMPOTENCY_DOMAIN = Buffer.from('claimcheck.idempotency.v1\0', 'utf8');
const CONFIRMATION_DOMAIN = Buffer.from('claimcheck.confirmation.v1\0', 'utf8');
const RANDOM_TOKEN_BYTES = 32;

export function claimTokenHash(idempotencyKey: string): ClaimToken {
  return hashToken(IDEMPOTENCY_DOMAIN, Buffer.from(idempotencyKey, 'utf8'));
}

/** For a claim without an idempotency key: no later request can present a matching token, so none can replay it. */
export function randomClaimToken(random: RandomBytes): ClaimToken {
  return hashToken(IDEMPOTENCY_DOMAIN, random(RANDOM_TOKEN_BYTES));
}

/** The token of the redemption that confirms a hold: one per hold, apart from any client's idempotency keys. */
export function confirmationToken(hold: HoldRef): ClaimToken {
  return hashToken(CONFIRMATION_DOMAIN, Buffer.from(hold, 'utf8'));
}

function hashToken(domain: Buffer, token: Buffer): ClaimToken {
  return createHash('sha256').update(domain).update(token).digest() as ClaimToken;
}
