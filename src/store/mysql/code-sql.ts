/**
 * The SQL form of the state rule in src/codes/state.ts, shared by every
 * statement that reads, claims or counts codes. Each fragment names the
 * values of its placeholders, in order. A test evaluates these predicates and
 * codeState() on the same rows (test/integration/store/state-agreement).
 */
import type { CodeState, MatchCriteria } from '../port';
import type { SqlValue } from './session';

/** A piece of SQL and the values of its placeholders, in order. */
export interface Sql {
  readonly text: string;
  readonly values: readonly SqlValue[];
}

export function sql(text: string, ...values: SqlValue[]): Sql {
  return { text, values };
}

/** The fragments joined by AND (nulls left out); an empty text when none is left. */
export function allOf(fragments: readonly (Sql | null)[]): Sql {
  const present = fragments.filter((fragment): fragment is Sql => fragment !== null);
  return {
    text: present.map((fragment) => fragment.text).join(' AND '),
    values: present.flatMap((fragment) => fragment.values),
  };
}

export function where(fragments: readonly (Sql | null)[]): Sql {
  const conditions = allOf(fragments);
  return conditions.text === '' ? conditions : { text: ` WHERE ${conditions.text}`, values: conditions.values };
}

/**
 * Uses held at `now` by unexpired holds. hold_count counts the holds not yet
 * settled, so it is 0 for nearly every code, and then the holds are not read
 * at all: the claim of a code that was never held costs what it did before holds.
 */
const LIVE_HOLDS =
  "(CASE WHEN codes.hold_count = 0 THEN 0 ELSE (SELECT COUNT(*) FROM holds h WHERE h.code_id = codes.id AND h.status = 'active' AND h.expires_at > ?) END)";

export function liveHolds(now: Date): Sql {
  return sql(LIVE_HOLDS, now);
}

export function usesLeft(now: Date): Sql {
  return sql(`codes.redemption_count + ${LIVE_HOLDS} < codes.max_redemptions`, now);
}

/** Active redemptions and unexpired holds of `subject` on the code; `exceptHold` leaves one hold out. */
function subjectTaken(subject: string, now: Date, exceptHold: Buffer | null): Sql {
  const redeemed =
    'SELECT COUNT(*) FROM redemptions r WHERE r.code_id = codes.id AND r.subject = ? AND r.reversed_at IS NULL';
  const held = `SELECT COUNT(*) FROM holds h WHERE h.code_id = codes.id AND h.subject = ? AND h.status = 'active' AND h.expires_at > ?${exceptHold ? ' AND h.id <> ?' : ''}`;
  return {
    text: `((${redeemed}) + (CASE WHEN codes.hold_count = 0 THEN 0 ELSE (${held}) END))`,
    values: exceptHold ? [subject, subject, now, exceptHold] : [subject, subject, now],
  };
}

/**
 * The per-subject limit: a code with one takes a use only for a request that
 * names a subject with uses left to it. Subjects are VARBINARY: exact.
 */
export function subjectWithinLimit(subject: string | null, now: Date, exceptHold: Buffer | null = null): Sql {
  if (subject === null) return sql('codes.max_per_subject IS NULL');
  const taken = subjectTaken(subject, now, exceptHold);
  return { text: `(codes.max_per_subject IS NULL OR ${taken.text} < codes.max_per_subject)`, values: taken.values };
}

/** Subject's uses taken, as a column (inspect). */
export function subjectTakenColumn(subject: string | null, now: Date): Sql {
  return subject === null ? sql('0') : subjectTaken(subject, now, null);
}

/** Live holds other than `hold`, against the code's total: whether the hold's use is still its own to confirm. */
export function usesLeftBesides(hold: Buffer, now: Date): Sql {
  return sql(
    "codes.redemption_count + (SELECT COUNT(*) FROM holds h WHERE h.code_id = codes.id AND h.status = 'active' AND h.expires_at > ? AND h.id <> ?) < codes.max_redemptions",
    now,
    hold,
  );
}

/** The state rule of src/codes/state.ts, state by state, each excluding the ones that precede it. */
export function statePredicate(state: CodeState, now: Date): Sql {
  const notRevoked = sql('codes.revoked_at IS NULL');
  const alive = allOf([notRevoked, usesLeft(now)]);
  switch (state) {
    case 'REVOKED':
      return sql('codes.revoked_at IS NOT NULL');
    case 'USED':
      return { text: `codes.revoked_at IS NULL AND NOT (${usesLeft(now).text})`, values: [now] };
    case 'EXPIRED':
      return allOf([alive, sql('codes.expires_at <= ?', now)]);
    case 'SCHEDULED':
      return allOf([alive, sql('codes.expires_at > ?', now), sql('codes.starts_at > ?', now)]);
    case 'REDEEMABLE':
      return allOf([
        alive,
        sql('codes.expires_at > ? AND (codes.starts_at IS NULL OR codes.starts_at <= ?)', now, now),
      ]);
  }
}

/**
 * Purpose and scope, compared as bytes: the columns' utf8mb4_bin collation
 * pads trailing spaces, which would let "team " match "team".
 */
export function matching(criteria: MatchCriteria): Sql {
  const purpose = sql('codes.purpose <=> CAST(? AS BINARY)', criteria.purpose);
  return criteria.scope === null ? purpose : allOf([purpose, exactScope(criteria.scope)]);
}

/** A code of exactly this scope, for statements that find the code by its key or id. */
export function exactScope(scope: string): Sql {
  return sql('codes.scope = CAST(? AS BINARY)', scope);
}

/** An exact scope filter that can still use the (scope, purpose, id) index: the collation narrows, the bytes decide. */
export function inScope(scope: string): Sql {
  return sql('codes.scope = ? AND codes.scope = CAST(? AS BINARY)', scope, scope);
}

export function withPurpose(purpose: string): Sql {
  return sql('codes.purpose = ? AND codes.purpose = CAST(? AS BINARY)', purpose, purpose);
}
