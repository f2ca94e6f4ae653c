/** A code's state at one instant, derived from its timestamps: never stored, so it cannot go stale. */
import type { CodeState } from '../store/port';

export interface StateTimestamps {
  readonly usedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly expiresAt: Date;
}

/** Used and revoked win over expired: they are final facts, expiry is only the passing of time. */
export function codeState(record: StateTimestamps, now: Date): CodeState {
  if (record.usedAt) return 'USED';
  if (record.revokedAt) return 'REVOKED';
  if (record.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'REDEEMABLE';
}
