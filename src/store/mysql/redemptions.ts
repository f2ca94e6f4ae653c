/** The redemptions table's rows, shared by the claim (code-store) and the confirmation of a hold (hold-store). */
import type { ResultSetHeader } from 'mysql2/promise';
import { InvariantViolation } from '../errors';
import type { ClaimToken, CodeId, HoldRef, RedemptionId, RedemptionRecord } from '../port';
import { binaryToId, binaryToIdOrNull, idToBinary, idToBinaryOrNull } from './ids';
import { DISPATCH_PENDING } from './journal';
import type { MysqlSession, Rows } from './session';

export const REDEMPTION_COLUMNS =
  'r.id, r.code_id, r.subject, r.redeemed_at, r.reversed_at, r.reversal_reason, r.hold_ref';

const INSERT_REDEMPTION =
  'INSERT INTO redemptions (id, code_id, subject, redeemed_at, claim_token_hash, hold_ref, dispatch_pending) VALUES (?, ?, ?, ?, ?, ?, ?)';

export interface NewRedemption {
  readonly id: RedemptionId;
  readonly codeId: CodeId;
  readonly subject: string | null;
  readonly redeemedAt: Date;
  readonly claimToken: ClaimToken;
  readonly holdRef: HoldRef | null;
}

/**
 * The redemption's row, in the claim's transaction: its history entry and the
 * outbox entry of its code.redeemed event at once, so the claim costs one
 * INSERT. A second redemption with the same claim token on the same code
 * fails here with a duplicate key (a retry), rolling the claim back.
 */
export async function insertRedemption(session: MysqlSession, redemption: NewRedemption): Promise<void> {
  await session.execute(INSERT_REDEMPTION, [
    idToBinary(redemption.id),
    idToBinary(redemption.codeId),
    redemption.subject,
    redemption.redeemedAt,
    redemption.claimToken,
    idToBinaryOrNull(redemption.holdRef),
    DISPATCH_PENDING,
  ]);
}

export function toRedemption(row: Rows[number]): RedemptionRecord {
  return {
    id: binaryToId<RedemptionId>(row.id as Buffer),
    codeId: binaryToId<CodeId>(row.code_id as Buffer),
    // VARBINARY, so that subjects compare exactly: bytes back to text here.
    subject: row.subject === null ? null : (row.subject as Buffer).toString('utf8'),
    redeemedAt: row.redeemed_at as Date,
    reversedAt: (row.reversed_at as Date | null) ?? null,
    reversalReason: (row.reversal_reason as string | null) ?? null,
    holdRef: binaryToIdOrNull<HoldRef>(row.hold_ref),
  };
}

/** Whether a single-row UPDATE changed its row; more than one row means the keys that make ids unique are gone. */
export function changedOne(operation: string, codeId: string, result: ResultSetHeader): boolean {
  if (result.affectedRows > 1) throw new InvariantViolation(operation, codeId, result.affectedRows);
  return result.affectedRows === 1;
}
