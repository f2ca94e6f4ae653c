/** Page cursors: opaque to clients, so that the paging key can change without breaking them. */
import { isUuidV7 } from './ids';

/** A 36-character record id encodes to exactly 48 base64url characters; anything else is rejected before decoding. */
const CURSOR = /^[A-Za-z0-9_-]{48}$/;

/** The cursor after the record `id` (a code's, a redemption's, a delivery's). */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The record id inside a cursor, or null when the cursor is not one we made. */
export function decodeCursor(cursor: string): string | null {
  if (!CURSOR.test(cursor)) return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isUuidV7(id) ? id : null;
}
