/** Page cursors: opaque to clients, so the paging key can change without breaking them. */
import { isCodeId } from './ids';

/** A 36-character code id encodes to exactly 48 base64url characters; anything else is rejected before decoding. */
const CURSOR = /^[A-Za-z0-9_-]{48}$/;

export function encodeCursor(codeId: string): string {
  return Buffer.from(codeId, 'utf8').toString('base64url');
}

/** The code id inside a cursor, or null when the cursor is not one we made. */
export function decodeCursor(cursor: string): string | null {
  if (!CURSOR.test(cursor)) return null;
  const codeId = Buffer.from(cursor, 'base64url').toString('utf8');
  return isCodeId(codeId) ? codeId : null;
}
