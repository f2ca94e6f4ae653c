/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret
 * is whsec_ followed by base64 key bytes; webhook-signature is "v1," and the
 * base64 HMAC-SHA256, under those bytes, of "<webhook-id>.<webhook-timestamp>.<body>".
 * Receivers verify with the published standardwebhooks libraries.
 */
import { createHmac } from 'node:crypto';
import type { RandomBytes } from '../types';

const PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function newSigningSecret(random: RandomBytes): string {
  return `${PREFIX}${Buffer.from(random(SECRET_BYTES)).toString('base64')}`;
}

export function secretKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

export interface SignatureHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers of one attempt; `at` is the attempt's time (receivers reject stale timestamps). */
export function signatureHeaders(secret: string, id: string, at: Date, body: string): SignatureHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = createHmac('sha256', secretKeyBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
