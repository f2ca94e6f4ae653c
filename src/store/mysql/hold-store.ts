/**
 * HoldStore on MySQL-compatible servers. Every transaction here locks the
 * code's row first (as claims do), then the hold's: writers of one code queue
 * on one row and cannot deadlock on each other.
 */
import type { ResultSetHeader } from 'mysql2/promise';
import { InvariantViolation } from '../errors';
import type {
  ClaimOutcome,
  ClaimToken,
  CodeId,
  ConfirmRequest,
  HoldCandidate,
  HoldOutcome,
  HoldRecord,
  HoldRef,
  HoldRequest,
  HoldStatus,
  HoldStore,
  JournalEntry,
  KeyVersion,
  LookupKey,
  RedemptionId,
  SettleHoldRequest,
} from '../port';
import { allOf, matching, sql, statePredicate, subjectWithinLimit, usesLeftBesides } from './code-sql';
import { isDuplicateKeyError, toStoreError } from './errors';
import { binaryToId, binaryToIdOrNull, idToBinary } from './ids';
import { writeEntries } from './journal';
import type { MysqlDatabase } from './pool';
import { changedOne, insertRedemption } from './redemptions';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import type { MysqlSession, Rows } from './session';

const WON: ClaimOutcome = { kind: 'won' };
const LOST: ClaimOutcome = { kind: 'lost' };
const TOKEN_TAKEN: ClaimOutcome = { kind: 'token_taken' };

const HOLD_COLUMNS =
  'h.id, h.code_id, codes.lookup_key, h.key_version, h.subject, h.created_at, h.expires_at, h.status, h.redemption_id, h.claim_token_hash, h.sealed_hold_id, codes.purpose, codes.scope, codes.grant_payload';
const SELECT_HOLDS = `SELECT ${HOLD_COLUMNS} FROM holds h JOIN codes ON codes.id = h.code_id`;
const INSERT_HOLD =
  "INSERT INTO holds (id, hold_key, key_version, code_id, subject, created_at, expires_at, status, claim_token_hash, sealed_hold_id) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)";
const HOLD_CANDIDATE = '(h.hold_key = ? AND h.key_version = ?)';
/** The one change of an active hold: to a final status, while it is (or, for the sweep, is no longer) unexpired. */
const SETTLE_UNEXPIRED =
  "UPDATE holds SET status = ?, settled_at = ? WHERE id = ? AND status = 'active' AND expires_at > ?";
const SETTLE_EXPIRED =
  "UPDATE holds SET status = 'expired', settled_at = ? WHERE id = ? AND status = 'active' AND expires_at <= ?";
const CONFIRM_HOLD =
  "UPDATE holds SET status = 'confirmed', settled_at = ?, redemption_id = ? WHERE id = ? AND status = 'active' AND expires_at > ?";
/** Gives a held use back to the code; hold_count counts exactly the holds whose status is active. */
const UNHOLD = 'UPDATE codes SET hold_count = hold_count - 1 WHERE lookup_key = ? AND id = ? AND hold_count > 0';

function toHold(row: Rows[number]): HoldRecord {
  return {
    ref: binaryToId<HoldRef>(row.id as Buffer),
    codeId: binaryToId<CodeId>(row.code_id as Buffer),
    lookupKey: row.lookup_key as LookupKey,
    keyVersion: String(row.key_version) as KeyVersion,
    subject: row.subject === null ? null : (row.subject as Buffer).toString('utf8'),
    createdAt: row.created_at as Date,
    expiresAt: row.expires_at as Date,
    status: String(row.status) as HoldStatus,
    redemptionId: binaryToIdOrNull<RedemptionId>(row.redemption_id),
    claimToken: row.claim_token_hash as ClaimToken,
    sealedHoldId: (row.sealed_hold_id as Buffer | null) ?? null,
    purpose: row.purpose === null ? null : String(row.purpose),
    scope: row.scope === null ? null : String(row.scope),
    grant: row.grant_payload === null ? null : String(row.grant_payload),
  };
}

export class MysqlHoldStore implements HoldStore {
  private readonly runner: MysqlRunner;

  constructor(database: MysqlDatabase, options: MysqlAdapterOptions = {}) {
    this.runner = new MysqlRunner(database, options);
  }

  async holdCode(request: HoldRequest, created: JournalEntry): Promise<HoldOutcome> {
    const codeId = idToBinary(request.codeId);
    const update = allOf([
      sql('codes.lookup_key = ? AND codes.id = ?', request.lookupKey, codeId),
      statePredicate('REDEEMABLE', request.now),
      matching(request),
      subjectWithinLimit(request.subject, request.now),
    ]);
    try {
      return await this.runner.attempts(async (session) => {
        try {
          const result = await session.execute<ResultSetHeader>(
            `UPDATE codes SET hold_count = hold_count + 1 WHERE ${update.text}`,
            update.values,
          );
          if (!changedOne('holdCode', request.codeId, result)) {
            await session.rollback();
            return LOST;
          }
          await session.execute(INSERT_HOLD, [
            idToBinary(request.ref),
            request.holdKey,
            request.keyVersion,
            codeId,
            request.subject,
            request.now,
            request.expiresAt,
            request.claimToken,
            request.sealedHoldId,
          ]);
          await writeEntries(session, [created]);
        } catch (error) {
          // The same token on the same code: a retry of a hold that was made.
          if (!isDuplicateKeyError(error)) return session.rollbackAfter(error);
          await session.rollbackQuietly();
          return TOKEN_TAKEN;
        }
        // A retryable COMMIT failure (a write conflict, a certification failure on Galera) runs the whole hold again.
        await session.commit();
        return WON;
      });
    } catch (error) {
      throw toStoreError(error, 'holdCode');
    }
  }

  async findHold(candidates: readonly HoldCandidate[]): Promise<HoldRecord | null> {
    if (candidates.length === 0) return null;
    const rows = await this.runner.autocommit('findHold', (session) =>
      session.execute<Rows>(
        `${SELECT_HOLDS} WHERE (${candidates.map(() => HOLD_CANDIDATE).join(' OR ')}) LIMIT 1`,
        candidates.flatMap((candidate) => [candidate.holdKey, candidate.keyVersion]),
      ),
    );
    return rows.length === 0 ? null : toHold(rows[0]);
  }

  async findHoldByToken(codeId: CodeId, token: ClaimToken): Promise<HoldRecord | null> {
    const rows = await this.runner.autocommit('findHoldByToken', (session) =>
      session.execute<Rows>(`${SELECT_HOLDS} WHERE h.code_id = ? AND h.claim_token_hash = ?`, [
        idToBinary(codeId),
        token,
      ]),
    );
    return rows.length === 0 ? null : toHold(rows[0]);
  }

  async confirmHold(request: ConfirmRequest): Promise<ClaimOutcome> {
    const { hold, now } = request;
    const ref = idToBinary(hold.ref);
    const code = allOf([
      sql(
        'codes.lookup_key = ? AND codes.id = ? AND codes.revoked_at IS NULL AND codes.hold_count > 0',
        hold.lookupKey,
        idToBinary(hold.codeId),
      ),
      // Still the hold's use: under clock skew another instance may already have counted the hold expired.
      usesLeftBesides(ref, now),
      subjectWithinLimit(hold.subject, now, ref),
    ]);
    try {
      return await this.runner.attempts(async (session) => {
        try {
          const moved = await session.execute<ResultSetHeader>(
            `UPDATE codes SET redemption_count = redemption_count + 1, hold_count = hold_count - 1, used_at = ?, used_by = ? WHERE ${code.text}`,
            [now, hold.subject, ...code.values],
          );
          const confirmed = changedOne('confirmHold', hold.codeId, moved)
            ? changedOne(
                'confirmHold',
                hold.codeId,
                await session.execute<ResultSetHeader>(CONFIRM_HOLD, [now, idToBinary(request.redemptionId), ref, now]),
              )
            : false;
          if (!confirmed) {
            await session.rollback();
            return LOST;
          }
          await insertRedemption(session, {
            id: request.redemptionId,
            codeId: hold.codeId,
            subject: hold.subject,
            redeemedAt: now,
            claimToken: request.claimToken,
            holdRef: hold.ref,
          });
        } catch (error) {
          return session.rollbackAfter(error);
        }
        // Retried as a whole on a write conflict; an unknown outcome is settled by the caller's retry, which finds the confirmed hold.
        await session.commit();
        return WON;
      });
    } catch (error) {
      throw toStoreError(error, 'confirmHold');
    }
  }

  releaseHold(request: SettleHoldRequest, released: JournalEntry): Promise<boolean> {
    return this.settle('releaseHold', request, released, (session) =>
      session.execute<ResultSetHeader>(SETTLE_UNEXPIRED, [
        'released',
        request.now,
        idToBinary(request.hold.ref),
        request.now,
      ]),
    );
  }

  expireHold(request: SettleHoldRequest, expired: JournalEntry): Promise<boolean> {
    return this.settle('expireHold', request, expired, (session) =>
      session.execute<ResultSetHeader>(SETTLE_EXPIRED, [request.now, idToBinary(request.hold.ref), request.now]),
    );
  }

  /**
   * A hold's use back to its code: the code's row first, then the hold's
   * conditional UPDATE, which decides. An active hold whose code counts no
   * held use means the counter and the holds disagree.
   */
  private settle(
    operation: string,
    { hold }: SettleHoldRequest,
    entry: JournalEntry,
    settleHold: (session: MysqlSession) => Promise<ResultSetHeader>,
  ): Promise<boolean> {
    return this.runner.transaction(operation, async (session) => {
      const unheld = changedOne(
        operation,
        hold.codeId,
        await session.execute<ResultSetHeader>(UNHOLD, [hold.lookupKey, idToBinary(hold.codeId)]),
      );
      const settled = changedOne(operation, hold.codeId, await settleHold(session));
      if (settled && !unheld) throw new InvariantViolation(operation, hold.codeId, 0);
      if (!settled) {
        await session.rollback();
        return false;
      }
      await writeEntries(session, [entry]);
      return true;
    });
  }

  async expiredHolds(now: Date, limit: number): Promise<HoldRecord[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    const rows = await this.runner.autocommit('expiredHolds', (session) =>
      session.query<Rows>(
        `${SELECT_HOLDS} WHERE h.status = 'active' AND h.expires_at <= ? ORDER BY h.expires_at LIMIT ?`,
        [now, limit],
      ),
    );
    return rows.map(toHold);
  }

  async activeHolds(codeId: CodeId, now: Date): Promise<HoldRecord[]> {
    const rows = await this.runner.autocommit('activeHolds', (session) =>
      session.execute<Rows>(
        `${SELECT_HOLDS} WHERE h.code_id = ? AND h.status = 'active' AND h.expires_at > ? ORDER BY h.expires_at`,
        [idToBinary(codeId), now],
      ),
    );
    return rows.map(toHold);
  }
}
