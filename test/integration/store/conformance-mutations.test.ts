/**
 * The conformance suite proves itself: each deliberately broken variant of
 * the MySQL adapter must fail the cases meant to catch it, and every case must
 * be meant to catch at least one variant (a case nothing can fail is no case).
 * Most variants rewrite one predicate of one statement into one that is always
 * true but takes the same placeholders; a few break the adapter at the port.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import { InvariantViolation } from '../../../src/store/errors';
import { MysqlCodeStore } from '../../../src/store/mysql/code-store';
import type { MysqlDatabase } from '../../../src/store/mysql/pool';
import type { ClaimOutcome, ClaimToken, CodeStore, NewCodeRecord } from '../../../src/store/port';
import { CASES } from '../../conformance/cases';
import { type AdapterVariant, createMysqlFixture, type MysqlFixture } from '../../conformance/mysql-fixture';
import { Moves, token } from '../../conformance/subject';

type Rewrite = (sql: string) => string;

/** A connection that runs `rewrite(sql)` instead of each statement it is given. */
function rewritingConnection(connection: PoolConnection, rewrite: Rewrite): PoolConnection {
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'execute' || property === 'query') {
        return (sql: string, values?: unknown) =>
          (target[property] as (sql: string, values?: unknown) => unknown).call(target, rewrite(sql), values);
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function rewritingPool(pool: Pool, rewrite: Rewrite): Pool {
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'getConnection') {
        return async () => rewritingConnection(await target.getConnection(), rewrite);
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Every statement of the variant's connections rewritten by `rewrite`. */
function rewritingAll(rewrite: Rewrite): AdapterVariant {
  return {
    database: (db: MysqlDatabase): MysqlDatabase => ({
      ...db,
      autocommit: rewritingPool(db.autocommit, rewrite),
      transactions: rewritingPool(db.transactions, rewrite),
    }),
  };
}

/** Rewrites `from` into `to` in statements that start with `statement`. */
function rewriting(statement: string, from: string | RegExp, to: string): AdapterVariant {
  return rewritingAll((sql) => (sql.startsWith(statement) ? sql.replace(from, to) : sql));
}

/** A code store whose methods are the real ones but for `override`. */
function codesWith(override: (real: CodeStore, db: MysqlDatabase) => Partial<CodeStore>): AdapterVariant {
  return {
    codes: (db) => {
      const real = new MysqlCodeStore(db);
      const replaced = override(real, db);
      return new Proxy(real, {
        get(target, property) {
          if (property in replaced) return replaced[property as keyof CodeStore];
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

/** Always true, and still takes one placeholder (the statement's values stay in place). */
const TRUE_ONE = '(? IS NULL OR TRUE)';
const CLAIM = 'UPDATE codes SET redemption_count = redemption_count + 1, used_at';
const HOLD = 'UPDATE codes SET hold_count = hold_count + 1';
const FIND = 'SELECT codes.id, codes.lookup_key';
const ATTEMPT = '(SELECT bucket_key';

/** Rewrites the locking read that a failure's count starts from (the attempt read and read() take no locks). */
function rewritingFailureCount(from: string | RegExp, to: string): AdapterVariant {
  return rewritingAll((sql) =>
    sql.startsWith('SELECT bucket_key') && sql.endsWith(' FOR UPDATE') ? sql.replace(from, to) : sql,
  );
}

interface Mutant {
  readonly name: string;
  readonly variant: AdapterVariant;
  /** The cases meant to catch it: each must fail against it. */
  readonly caughtBy: readonly string[];
}

/** The read-then-write claim of every race bug report: look whether a use is left, then write without a condition. */
const readThenWrite = codesWith((real, db) => ({
  claimCode: async (request): Promise<ClaimOutcome> => {
    const code = await real.getCode(request.codeId, request.scope, request.now);
    if (!code || code.redemptionCount + code.heldCount >= code.maxRedemptions || code.purpose !== request.purpose) {
      return { kind: 'lost' };
    }
    // Let the other racers look too before anyone writes, as a real request's other work would.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const id = Buffer.from(request.codeId.replaceAll('-', ''), 'hex');
    await db.autocommit.execute('UPDATE codes SET redemption_count = redemption_count + 1, used_by = ? WHERE id = ?', [
      request.subject,
      id,
    ]);
    await db.autocommit.execute(
      'INSERT INTO redemptions (id, code_id, subject, redeemed_at, claim_token_hash) VALUES (?, ?, ?, ?, ?)',
      [
        Buffer.from(request.redemptionId.replaceAll('-', ''), 'hex'),
        id,
        request.subject,
        request.now,
        request.claimToken,
      ],
    );
    return { kind: 'won' };
  },
}));

const MUTANTS: readonly Mutant[] = [
  {
    name: 'a read-then-write claim',
    variant: readThenWrite,
    caughtBy: ['claim-race', 'multi-use-race', 'per-subject-race'],
  },
  {
    name: 'a claim that ignores scope',
    variant: rewriting(CLAIM, 'codes.scope = CAST(? AS BINARY)', TRUE_ONE),
    caughtBy: ['scope'],
  },
  {
    name: 'a find that ignores scope',
    variant: rewritingAll((sql) =>
      sql.startsWith(FIND) || sql.startsWith(ATTEMPT) ? sql.replace('codes.scope = CAST(? AS BINARY)', TRUE_ONE) : sql,
    ),
    caughtBy: ['scope', 'injection'],
  },
  {
    name: 'an attempt read that returns buckets whose window ended',
    variant: rewriting(ATTEMPT, 'AND window_ends_at > ?', 'AND ? IS NOT NULL'),
    caughtBy: ['read-attempt'],
  },
  {
    name: 'a failure count that restarts on every failure',
    variant: rewritingFailureCount('WHERE bucket_key IN', 'WHERE FALSE AND bucket_key IN'),
    caughtBy: ['buckets-concurrent', 'buckets-window'],
  },
  {
    name: 'a window that never ends',
    variant: rewritingFailureCount(
      'SELECT bucket_key, failures, window_ends_at',
      "SELECT bucket_key, failures, GREATEST(window_ends_at, '9999-12-31') AS window_ends_at",
    ),
    caughtBy: ['buckets-window'],
  },
  {
    name: 'a failure count read without its row locks',
    variant: rewritingFailureCount(/ FOR UPDATE$/, ''),
    caughtBy: ['buckets-concurrent'],
  },
  {
    name: 'a claim that ignores purpose',
    variant: rewriting(CLAIM, 'codes.purpose <=> CAST(? AS BINARY)', TRUE_ONE),
    caughtBy: ['purpose'],
  },
  {
    name: 'a claim that trusts affectedRows when its COMMIT answer is lost',
    variant: rewriting('SELECT r.id FROM redemptions r WHERE r.id = ? FOR UPDATE', /.*/s, 'SELECT ? AS id'),
    caughtBy: ['lost-commit'],
  },
  {
    name: 'a claim that maps more than one changed row to a win',
    variant: codesWith((real) => ({
      claimCode: (request) =>
        real.claimCode(request).catch((error: unknown) => {
          if (error instanceof InvariantViolation) return { kind: 'won' };
          throw error;
        }),
    })),
    caughtBy: ['invariant'],
  },
  {
    name: 'a find that returns used and revoked codes',
    variant: rewritingAll((sql) =>
      sql.startsWith(FIND) || sql.startsWith(ATTEMPT)
        ? sql
            .replace('codes.revoked_at IS NULL', 'TRUE')
            .replace('< codes.max_redemptions', '< codes.max_redemptions + 1000000')
        : sql,
    ),
    caughtBy: ['find-live-only', 'hold-takes-use', 'multi-use-race'],
  },
  {
    name: 'a find that ignores the start time',
    variant: rewriting(FIND, 'codes.starts_at IS NULL OR codes.starts_at <= ?', 'TRUE OR codes.starts_at <= ?'),
    caughtBy: ['find-live-only'],
  },
  {
    name: 'a claim that ignores the per-subject limit',
    variant: rewriting(CLAIM, / < codes\.max_per_subject\)$/, ' < codes.max_per_subject + 1000000)'),
    caughtBy: ['per-subject-race', 'per-subject-rules', 'reverse-scope-and-subject'],
  },
  {
    name: 'a claim that lets a per-subject code redeem without a subject',
    variant: rewriting(CLAIM, /codes\.max_per_subject IS NULL$/, 'TRUE'),
    caughtBy: ['per-subject-rules'],
  },
  {
    name: 'a claim that ignores revocation',
    variant: rewriting(CLAIM, 'codes.revoked_at IS NULL', 'TRUE'),
    caughtBy: ['claim-lost'],
  },
  {
    name: 'a claim that ignores expiry and start',
    variant: rewriting(
      CLAIM,
      'codes.expires_at > ? AND (codes.starts_at IS NULL OR codes.starts_at <= ?)',
      '? < ? + INTERVAL 1 DAY',
    ),
    caughtBy: ['claim-lost'],
  },
  {
    name: 'a claim that ignores the lookup key',
    variant: rewriting(CLAIM, 'codes.lookup_key = ? AND', '(codes.lookup_key = ? OR TRUE) AND'),
    caughtBy: ['claim-foreign-key'],
  },
  {
    name: 'a claim that records no subject',
    variant: rewriting(CLAIM, 'used_by = ?', 'used_by = LEFT(?, 0)'),
    caughtBy: ['claim-record'],
  },
  {
    name: 'a claim that turns a missing subject into an empty one',
    variant: rewriting(CLAIM, 'used_by = ?', "used_by = COALESCE(?, '')"),
    caughtBy: ['claim-null-subject'],
  },
  {
    name: 'a redemption recorded without its subject',
    variant: rewriting('INSERT INTO redemptions', 'VALUES (?, ?, ?,', 'VALUES (?, ?, LEFT(?, 0),'),
    caughtBy: ['claim-race', 'claim-record', 'history'],
  },
  {
    name: 'claims that never repeat a token (no idempotency)',
    variant: codesWith((real) => ({
      claimCode: (request) => real.claimCode({ ...request, claimToken: token() as ClaimToken }),
    })),
    caughtBy: ['claim-token'],
  },
  {
    name: 'claims that ignore live holds',
    variant: rewriting(CLAIM, 'CASE WHEN codes.hold_count = 0 THEN 0 ELSE', 'CASE WHEN TRUE THEN 0 ELSE'),
    caughtBy: ['hold-takes-use', 'hold-race'],
  },
  {
    name: 'expired holds that still count',
    variant: rewritingAll((sql) =>
      sql.replaceAll(
        "h.status = 'active' AND h.expires_at > ?",
        "h.status = 'active' AND h.expires_at > ? - INTERVAL 1 DAY",
      ),
    ),
    caughtBy: ['hold-expiry-frees'],
  },
  {
    name: 'a hold that ignores the uses left',
    variant: rewriting(HOLD, '< codes.max_redemptions', '< codes.max_redemptions + 1000000'),
    caughtBy: ['hold-takes-use', 'hold-race'],
  },
  {
    name: 'a hold that ignores the per-subject limit',
    variant: rewriting(HOLD, / < codes\.max_per_subject\)$/, ' < codes.max_per_subject + 1000000)'),
    caughtBy: ['hold-per-subject'],
  },
  {
    name: 'a confirmation not conditional on the hold being active',
    variant: rewriting(
      "UPDATE holds SET status = 'confirmed'",
      "AND status = 'active'",
      "AND (status = 'active' OR TRUE)",
    ),
    caughtBy: ['hold-confirm', 'hold-release'],
  },
  {
    name: 'a confirmation that ignores the hold’s expiry',
    variant: rewriting(
      "UPDATE holds SET status = 'confirmed'",
      'AND expires_at > ?',
      'AND expires_at > ? - INTERVAL 1 DAY',
    ),
    caughtBy: ['hold-expiry-boundary'],
  },
  {
    name: 'a confirmation that does not check the use is still the hold’s',
    variant: rewriting(
      'UPDATE codes SET redemption_count = redemption_count + 1, hold_count',
      'h.id <> ?) < codes.max_redemptions',
      'h.id <> ?) < codes.max_redemptions + 1000000',
    ),
    caughtBy: ['hold-confirm-guarded'],
  },
  {
    name: 'a release not conditional on the hold being active',
    variant: rewriting('UPDATE holds SET status = ?', "AND status = 'active'", "AND (status = 'active' OR TRUE)"),
    caughtBy: ['hold-release', 'hold-confirm-release-race'],
  },
  {
    name: 'an expiry recorded more than once',
    variant: rewriting(
      "UPDATE holds SET status = 'expired'",
      "status = 'active' AND",
      "(status = 'active' OR TRUE) AND",
    ),
    caughtBy: ['hold-sweep', 'hold-expiry-boundary'],
  },
  {
    name: 'an expiry recorded before its time',
    variant: rewriting("UPDATE holds SET status = 'expired'", 'expires_at <= ?', 'expires_at <= ? + INTERVAL 1 DAY'),
    caughtBy: ['hold-expiry-boundary'],
  },
  {
    name: 'a hold lookup that ignores the key version',
    variant: rewriting('SELECT h.id', 'h.key_version = ?', TRUE_ONE),
    caughtBy: ['hold-lookup'],
  },
  {
    name: 'a code lookup that ignores the key version',
    variant: rewritingAll((sql) => sql.replaceAll('codes.key_version = ?', TRUE_ONE)),
    caughtBy: ['key-version'],
  },
  {
    name: 'a find that looks at its first candidate only',
    variant: codesWith((real) => ({
      findRedeemable: (candidates, now, criteria) => real.findRedeemable(candidates.slice(0, 1), now, criteria),
    })),
    caughtBy: ['find-among-candidates'],
  },
  {
    name: 'a find that answers something for no candidates',
    variant: codesWith((real) => ({
      findRedeemable: async (candidates, now, criteria) =>
        candidates.length > 0
          ? real.findRedeemable(candidates, now, criteria)
          : ((await real.listCodes({}, now, 1, null)).items.map((code) => ({
              ...code,
              lookupKey: Buffer.alloc(32) as never,
            }))[0] ?? null),
    })),
    caughtBy: ['find-unknown'],
  },
  {
    name: 'a find that drops the limits from what it returns',
    variant: rewriting(FIND, 'codes.max_per_subject FROM', 'NULL AS max_per_subject FROM'),
    caughtBy: ['find-fields'],
  },
  {
    name: 'an insert that loses the start time',
    variant: codesWith((real) => ({
      insertCode: (record, issued) => real.insertCode({ ...record, startsAt: null }, issued),
    })),
    caughtBy: ['insert-fields', 'find-live-only'],
  },
  {
    name: 'an insert that lets a stored lookup key pass',
    variant: codesWith((real) => ({
      insertCode: (record, issued) => real.insertCode(record, issued).catch(() => undefined),
    })),
    caughtBy: ['insert-duplicate'],
  },
  {
    name: 'a batch inserted code by code, not whole',
    variant: codesWith((real) => ({
      insertCodes: async (records: readonly NewCodeRecord[], issued) => {
        for (const record of records) await real.insertCode(record, issued);
      },
    })),
    caughtBy: ['insert-batch-atomic', 'insert-batch-journal'],
  },
  {
    name: 'an issuance journal entry without its count',
    variant: codesWith((real) => ({
      insertCodes: (records, issued) => real.insertCodes(records, { ...issued, count: null }),
    })),
    caughtBy: ['insert-batch-journal'],
  },
  {
    name: 'a revocation that ignores scope',
    variant: rewriting('UPDATE codes SET revoked_at', 'codes.scope = CAST(? AS BINARY)', TRUE_ONE),
    caughtBy: ['revoke'],
  },
  {
    name: 'a revocation of used-up codes',
    variant: rewriting('UPDATE codes SET revoked_at', 'codes.redemption_count < codes.max_redemptions', 'TRUE'),
    caughtBy: ['revoke-refused'],
  },
  {
    name: 'a reversal not conditional on the redemption being active',
    variant: rewriting('UPDATE redemptions SET reversed_at', 'AND reversed_at IS NULL', ''),
    caughtBy: ['reverse', 'reverse-race'],
  },
  {
    name: 'a reversal that ignores scope',
    variant: rewriting(
      'SELECT codes.id, codes.lookup_key FROM redemptions',
      'codes.scope = CAST(? AS BINARY)',
      TRUE_ONE,
    ),
    caughtBy: ['reverse-scope-and-subject'],
  },
  {
    name: 'a history oldest first',
    variant: rewriting('SELECT r.id', 'ORDER BY r.id DESC', 'ORDER BY r.id'),
    caughtBy: ['history'],
  },
  {
    name: 'a read by id that ignores scope',
    variant: rewriting('SELECT codes.id, codes.key_version', 'codes.scope = CAST(? AS BINARY)', TRUE_ONE),
    caughtBy: ['get-scope'],
  },
  {
    name: 'a listing oldest first',
    variant: rewriting('SELECT codes.id, codes.key_version', 'ORDER BY codes.id DESC', 'ORDER BY codes.id'),
    caughtBy: ['list'],
  },
  {
    name: 'counts that miss the redemptions of multi-use codes',
    variant: rewriting('SELECT SUM(CASE', 'SUM(codes.redemption_count)', 'SUM(LEAST(codes.redemption_count, 1))'),
    caughtBy: ['count'],
  },
  {
    name: 'a ping that does not reach the database',
    variant: rewriting('SELECT 1', 'SELECT 1', 'SELECT no_such_column'),
    caughtBy: ['ping'],
  },
  {
    name: 'an adapter that splices values into its SQL',
    variant: {
      database: (db) => {
        const splicing = (pool: Pool): Pool =>
          new Proxy(pool, {
            get(target, property) {
              if (property !== 'getConnection') {
                const value = Reflect.get(target, property, target) as unknown;
                return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
              }
              return async () => {
                const connection = await target.getConnection();
                return new Proxy(connection, {
                  get(conn, name) {
                    if (name === 'execute' || name === 'query') {
                      return (sql: string, values: unknown[] = []) => {
                        let index = 0;
                        const kept: unknown[] = [];
                        // Strings go into the text as they are, between quotes: the classic mistake.
                        const text = sql.replace(/\?/g, () => {
                          const value = values[index++];
                          if (typeof value === 'string') return `'${value}'`;
                          kept.push(value);
                          return '?';
                        });
                        return (conn[name] as (sql: string, values: unknown[]) => unknown).call(conn, text, kept);
                      };
                    }
                    const value = Reflect.get(conn, name, conn) as unknown;
                    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(conn) : value;
                  },
                });
              };
            },
          });
        return { ...db, autocommit: splicing(db.autocommit), transactions: splicing(db.transactions) };
      },
    },
    caughtBy: ['injection'],
  },
];

let fixture: MysqlFixture;

beforeAll(async () => {
  fixture = await createMysqlFixture({ connectionLimit: 55 });
});

afterAll(async () => {
  await fixture.close();
});

it('meets every case with a variant meant to fail it', () => {
  const meant = new Set(MUTANTS.flatMap((mutant) => mutant.caughtBy));
  const unknown = [...meant].filter((id) => !CASES.some((conformance) => conformance.id === id));
  expect(unknown).toEqual([]);
  expect(CASES.map((conformance) => conformance.id).filter((id) => !meant.has(id))).toEqual([]);
});

it('passes every case with the real adapter it checks the variants against', async () => {
  // A variant's failures mean something only if the same cases pass unbroken (store-conformance runs them all too).
  for (const id of ['claim-race', 'injection']) {
    await CASES.find((conformance) => conformance.id === id)!.run(new Moves(await fixture.subject()));
  }
}, 120_000);

const summary: string[] = [];

afterAll(() => {
  process.stdout.write(`\nconformance mutation checks: ${MUTANTS.length} broken variants\n${summary.join('\n')}\n`);
});

describe.each(MUTANTS.map((mutant) => [mutant.name, mutant] as const))('broken variant: %s', (_name, mutant) => {
  it('fails each case meant to catch it', async () => {
    const failing: string[] = [];
    for (const id of mutant.caughtBy) {
      const conformance = CASES.find((candidate) => candidate.id === id)!;
      const moves = new Moves(await fixture.subject(mutant.variant));
      const failed = await conformance.run(moves).then(
        () => false,
        () => true,
      );
      if (failed) failing.push(id);
    }
    summary.push(`  ${mutant.name} → caught by ${failing.join(', ') || 'nothing'}`);
    expect(failing).toEqual(mutant.caughtBy);
  }, 180_000);
});
