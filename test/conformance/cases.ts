/**
 * The cases every store adapter must pass, as data: the suite registers them
 * as tests (store-conformance.ts), and the mutation checks run them against
 * deliberately broken adapters to show that each case catches something
 * (mutations.test.ts). A case counts only once it has been seen failing.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { DuplicateLookupKey, InvariantViolation } from '../../src/store/errors';
import type { CodeId, CodeStore, HoldRef, LookupKey, RedemptionId } from '../../src/store/port';
import {
  ANY,
  at,
  candidate,
  claimOf,
  entry,
  holdOf,
  HOUR_MS,
  Moves,
  newRecord,
  NOW,
  strangerCandidate,
  token,
} from './subject';

export interface ConformanceCase {
  /** Stable name, used by the mutation checks. */
  readonly id: string;
  readonly title: string;
  run(moves: Moves): Promise<void>;
  readonly timeoutMs?: number;
}

const RACERS = 50;
const RACE_ROUNDS = 20;

function conformanceCase(id: string, title: string, run: (moves: Moves) => Promise<void>, timeoutMs?: number) {
  return { id, title, run, timeoutMs };
}

/** How many of `count` concurrent claims of `record` (made by `request(i)`) won. */
async function race(codes: CodeStore, requests: readonly ReturnType<typeof claimOf>[]): Promise<number> {
  const outcomes = await Promise.all(requests.map((request) => codes.claimCode(request)));
  return outcomes.filter((outcome) => outcome.kind === 'won').length;
}

/** Scopes, purposes and subjects a careless adapter would splice into its SQL. */
const HOSTILE = [
  "x' OR 1=1 -- ",
  "x\" OR id='OTHER' -- ",
  'x\\',
  "x\\' OR '1'='1",
  'x\0y',
  'x\u2019 OR 1=1 --',
  'x; DROP TABLE codes',
];

export const CASES: readonly ConformanceCase[] = [
  // --- find -------------------------------------------------------------------------------------------------------
  conformanceCase('find-fields', 'finds an inserted code with everything a redemption needs', async (moves) => {
    const record = await moves.insert({
      purpose: 'invite',
      scope: 'team-a',
      grant: '{"role":"editor"}',
      keyVersion: 'k7' as never,
      maxRedemptions: 5,
      maxRedemptionsPerSubject: 2,
    });
    expect(await moves.codes.findRedeemable([candidate(record)], NOW, { scope: 'team-a', purpose: 'invite' })).toEqual({
      id: record.id,
      lookupKey: record.lookupKey,
      keyVersion: 'k7',
      purpose: 'invite',
      scope: 'team-a',
      grant: '{"role":"editor"}',
      expiresAt: record.expiresAt,
      maxRedemptions: 5,
      maxRedemptionsPerSubject: 2,
    });
  }),

  conformanceCase('find-unknown', 'finds nothing for an unknown lookup key or no candidates', async (moves) => {
    await moves.insert();
    expect(await moves.codes.findRedeemable([strangerCandidate()], NOW, ANY)).toBeNull();
    expect(await moves.codes.findRedeemable([], NOW, ANY)).toBeNull();
    expect(await moves.codes.inspect([strangerCandidate()], NOW, { subject: null })).toBeNull();
  }),

  conformanceCase(
    'find-live-only',
    'never finds an expired, used-up, revoked or not yet started code',
    async (moves) => {
      const expired = await moves.insert({ expiresAt: at(-1) });
      const expiringNow = await moves.insert({ expiresAt: NOW });
      const used = await moves.insert();
      const revoked = await moves.insert();
      const scheduled = await moves.insert({ startsAt: at(1) });
      const startingNow = await moves.insert({ startsAt: NOW });
      expect(await moves.claim(used)).toBe('won');
      expect(await moves.revoke(revoked)).toBe(true);
      for (const record of [expired, expiringNow, used, revoked, scheduled])
        expect(await moves.find(record)).toBeNull();
      expect(await moves.find(expiringNow, ANY, at(-1))).toBe(expiringNow.id);
      expect(await moves.find(scheduled, ANY, at(1))).toBe(scheduled.id);
      expect(await moves.find(startingNow)).toBe(startingNow.id);
    },
  ),

  conformanceCase(
    'find-among-candidates',
    'finds the one matching record among several candidates in one call',
    async (moves) => {
      const record = await moves.insert();
      await moves.insert();
      const found = await moves.codes.findRedeemable(
        [strangerCandidate(), candidate(record), strangerCandidate()],
        NOW,
        ANY,
      );
      expect(found?.id).toBe(record.id);
    },
  ),

  conformanceCase(
    'read-attempt',
    'reads an attempt: the live buckets and the record findRedeemable finds',
    async (moves) => {
      const record = await moves.insert({ purpose: 'promo' });
      const used = await moves.insert({ purpose: 'promo' });
      await moves.codes.claimCode(claimOf(used));
      const [live, ended, never] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      await moves.rateLimits.recordFailure([live], NOW, at(300_000), 2);
      await moves.rateLimits.recordFailure([ended], at(-600_000), at(-300_000), 4);
      const criteria = { scope: null, purpose: 'promo' };
      for (const wanted of [record, used]) {
        const candidates = [strangerCandidate(), candidate(wanted)];
        const snapshot = await moves.codes.readAttempt([live, ended, never], candidates, NOW, criteria);
        expect(snapshot).toEqual({
          buckets: [{ key: live, failures: 2, windowEndsAt: at(300_000) }],
          code: await moves.codes.findRedeemable(candidates, NOW, criteria),
        });
      }
      expect((await moves.codes.readAttempt([], [candidate(record)], NOW, criteria)).code?.id).toBe(record.id);
      expect(await moves.codes.readAttempt([], [candidate(record)], NOW, ANY)).toEqual({ buckets: [], code: null });
      expect(await moves.codes.readAttempt([], [], NOW, ANY)).toEqual({ buckets: [], code: null });
    },
  ),

  conformanceCase('key-version', 'matches a record only through the key version that produced it', async (moves) => {
    const record = await moves.insert({ keyVersion: 'v2' as never });
    const otherVersion = { lookupKey: record.lookupKey, keyVersion: 'v1' as never };
    expect(await moves.codes.findRedeemable([otherVersion], NOW, ANY)).toBeNull();
    expect(await moves.codes.inspect([otherVersion], NOW, { subject: null })).toBeNull();
    expect((await moves.codes.findRedeemable([otherVersion, candidate(record)], NOW, ANY))?.keyVersion).toBe('v2');
  }),

  conformanceCase(
    'purpose',
    'never matches another purpose; a null purpose matches only a code without one',
    async (moves) => {
      const invite = await moves.insert({ purpose: 'invite' });
      const plain = await moves.insert({ purpose: null });
      expect(await moves.find(invite, { scope: null, purpose: 'promo' })).toBeNull();
      expect(await moves.find(invite, { scope: null, purpose: null })).toBeNull();
      expect(await moves.find(plain, { scope: null, purpose: 'invite' })).toBeNull();
      expect(await moves.find(plain, { scope: null, purpose: null })).toBe(plain.id);
      expect(await moves.claim(invite, { purpose: 'promo' })).toBe('lost');
      expect(await moves.claim(invite, { purpose: null })).toBe('lost');
      expect(await moves.claim(invite, { purpose: 'invite ' })).toBe('lost');
      expect(await moves.claim(invite, { purpose: 'invite' })).toBe('won');
    },
  ),

  conformanceCase('scope', 'requires a given scope to match exactly and lets a null scope match any', async (moves) => {
    const scoped = await moves.insert({ scope: 'team-a' });
    const unscoped = await moves.insert({ scope: null });
    expect(await moves.find(scoped, { scope: 'team-b', purpose: null })).toBeNull();
    expect(await moves.find(scoped, { scope: 'team-a ', purpose: null })).toBeNull();
    expect(await moves.find(unscoped, { scope: 'team-a', purpose: null })).toBeNull();
    expect(await moves.find(scoped, { scope: 'team-a', purpose: null })).toBe(scoped.id);
    expect(await moves.find(scoped, ANY)).toBe(scoped.id);
    expect(await moves.claim(scoped, { scope: 'team-b' })).toBe('lost');
    expect(await moves.claim(scoped, { scope: 'team-a ' })).toBe('lost');
    expect(await moves.claim(scoped, { scope: null })).toBe('won');
  }),

  // --- claim ------------------------------------------------------------------------------------------------------
  conformanceCase(
    'claim-race',
    `lets exactly one of ${RACERS} concurrent claims win, every round`,
    async (moves) => {
      for (let round = 0; round < RACE_ROUNDS; round += 1) {
        const record = await moves.insert();
        const requests = Array.from({ length: RACERS }, (_, i) => claimOf(record, { subject: `racer-${i}` }));
        const outcomes = await Promise.all(requests.map((request) => moves.codes.claimCode(request)));
        const winners = requests.filter((_, i) => outcomes[i]!.kind === 'won');
        expect(winners).toHaveLength(1);
        const history = await moves.codes.listRedemptions(record.id, 10, null);
        expect(history.items.map((item) => [item.id, item.subject])).toEqual([
          [winners[0]!.redemptionId, winners[0]!.subject],
        ]);
        expect(await moves.usage(record)).toEqual({ redemptionCount: 1, heldCount: 0 });
      }
    },
    60_000,
  ),

  conformanceCase(
    'claim-record',
    'records the winner: its redemption, and the code’s count, time and subject',
    async (moves) => {
      const record = await moves.insert();
      const request = claimOf(record, { subject: 'alice', now: at(1000) });
      expect((await moves.codes.claimCode(request)).kind).toBe('won');
      expect(await moves.codes.getCode(record.id, null, at(1000))).toMatchObject({
        id: record.id,
        usedAt: at(1000),
        usedBy: 'alice',
        revokedAt: null,
        redemptionCount: 1,
      });
      expect(await moves.codes.getRedemption(request.redemptionId, null)).toEqual({
        id: request.redemptionId,
        codeId: record.id,
        subject: 'alice',
        redeemedAt: at(1000),
        reversedAt: null,
        reversalReason: null,
        holdRef: null,
        purpose: null,
        scope: null,
        grant: null,
      });
      expect((await moves.codes.findRedemptionByToken(record.id, request.claimToken))?.id).toBe(request.redemptionId);
      const inspected = await moves.codes.inspect([candidate(record)], at(1000), { subject: 'alice' });
      expect(inspected).toMatchObject({ id: record.id, lookupKey: record.lookupKey, subjectTaken: 1 });
    },
  ),

  conformanceCase(
    'claim-lost',
    'loses a second claim, and a claim after revocation, after expiry or before the start',
    async (moves) => {
      const used = await moves.insert();
      const revoked = await moves.insert();
      const expiring = await moves.insert({ expiresAt: at(1000) });
      const scheduled = await moves.insert({ startsAt: at(1000) });
      expect(await moves.claim(used)).toBe('won');
      expect(await moves.claim(used)).toBe('lost');
      expect(await moves.revoke(revoked)).toBe(true);
      expect(await moves.claim(revoked)).toBe('lost');
      expect(await moves.claim(expiring, { now: at(1000) })).toBe('lost');
      expect(await moves.claim(scheduled, { now: at(999) })).toBe('lost');
      expect(await moves.usage(expiring)).toEqual({ redemptionCount: 0, heldCount: 0 });
      expect(await moves.claim(scheduled, { now: at(1000) })).toBe('won');
    },
  ),

  conformanceCase('claim-foreign-key', 'loses a claim whose lookup key does not belong to the code', async (moves) => {
    const record = await moves.insert();
    expect(await moves.claim(record, { lookupKey: randomBytes(32) as LookupKey })).toBe('lost');
    expect(await moves.claim(record)).toBe('won');
  }),

  conformanceCase('claim-null-subject', 'keeps a null subject', async (moves) => {
    const record = await moves.insert();
    expect(await moves.claim(record, { subject: null })).toBe('won');
    expect((await moves.codes.getCode(record.id, null, NOW))?.usedBy).toBeNull();
  }),

  conformanceCase(
    'multi-use-race',
    `gives a code of N uses to exactly N of ${RACERS} concurrent claims`,
    async (moves) => {
      for (const uses of [2, 7, 20]) {
        const record = await moves.insert({ maxRedemptions: uses });
        const won = await race(
          moves.codes,
          Array.from({ length: RACERS }, (_, i) => claimOf(record, { subject: `s-${i}` })),
        );
        expect(won).toBe(uses);
        expect(await moves.usage(record)).toEqual({ redemptionCount: uses, heldCount: 0 });
        expect((await moves.codes.listRedemptions(record.id, 100, null)).items).toHaveLength(uses);
        expect(await moves.find(record)).toBeNull();
      }
    },
    30_000,
  ),

  conformanceCase(
    'per-subject-race',
    `lets one subject take at most its k uses of a code, of ${RACERS} concurrent claims`,
    async (moves) => {
      for (const limit of [1, 3]) {
        const record = await moves.insert({ maxRedemptions: 100, maxRedemptionsPerSubject: limit });
        expect(
          await race(
            moves.codes,
            Array.from({ length: RACERS }, () => claimOf(record, { subject: 'greedy' })),
          ),
        ).toBe(limit);
        expect(await moves.claim(record, { subject: 'another' })).toBe('won');
        expect((await moves.codes.inspect([candidate(record)], NOW, { subject: 'greedy' }))?.subjectTaken).toBe(limit);
      }
    },
    30_000,
  ),

  conformanceCase(
    'per-subject-rules',
    'requires a subject for a per-subject limit, and compares subjects exactly',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 10, maxRedemptionsPerSubject: 1 });
      expect(await moves.claim(record, { subject: null })).toBe('lost');
      expect(await moves.claim(record, { subject: 'ann' })).toBe('won');
      expect(await moves.claim(record, { subject: 'ann' })).toBe('lost');
      for (const other of ['ann ', 'Ann', 'ANN', 'a\u0301nn'])
        expect(await moves.claim(record, { subject: other })).toBe('won');
    },
  ),

  conformanceCase(
    'claim-token',
    'refuses a second claim with the same token on one code as token_taken, taking no use',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 5 });
      const repeated = token();
      expect((await moves.codes.claimCode(claimOf(record, { claimToken: repeated }))).kind).toBe('won');
      expect((await moves.codes.claimCode(claimOf(record, { claimToken: repeated }))).kind).toBe('token_taken');
      expect(await moves.usage(record)).toEqual({ redemptionCount: 1, heldCount: 0 });
      const other = await moves.insert({ maxRedemptions: 5 });
      expect((await moves.codes.claimCode(claimOf(other, { claimToken: repeated }))).kind).toBe('won');
    },
  ),

  conformanceCase('lost-commit', 'decides a claim whose COMMIT answer was lost by what committed', async (moves) => {
    const landed = await moves.insert();
    const delivered = await moves.subject.losingNextCommit('delivered');
    expect((await delivered.claimCode(claimOf(landed))).kind).toBe('won');
    expect(await moves.usage(landed)).toEqual({ redemptionCount: 1, heldCount: 0 });
    const dropped = await moves.insert();
    const undelivered = await moves.subject.losingNextCommit('undelivered');
    expect((await undelivered.claimCode(claimOf(dropped))).kind).toBe('lost');
    expect(await moves.usage(dropped)).toEqual({ redemptionCount: 0, heldCount: 0 });
    expect((await moves.codes.listRedemptions(dropped.id, 10, null)).items).toEqual([]);
  }),

  conformanceCase(
    'invariant',
    'raises InvariantViolation when a claim changes two rows, and consumes nothing',
    async (moves) => {
      const record = await moves.insert();
      await moves.subject.duplicate(record);
      const error = await moves.codes.claimCode(claimOf(record)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvariantViolation);
      expect(error).toMatchObject({ operation: 'claimCode', codeId: record.id, rowCount: 2 });
      expect((await moves.codes.listRedemptions(record.id, 10, null)).items).toEqual([]);
    },
  ),

  // --- insert -----------------------------------------------------------------------------------------------------
  conformanceCase('insert-fields', 'round-trips every field, the key version included', async (moves) => {
    const record = await moves.insert({
      purpose: 'promo',
      scope: 's',
      grant: 'g'.repeat(4096),
      keyVersion: '2031-01' as never,
      startsAt: at(-10),
      maxRedemptions: 1_000_000_000,
      maxRedemptionsPerSubject: 3,
    });
    expect(await moves.codes.getCode(record.id, null, NOW)).toEqual({
      id: record.id,
      keyVersion: '2031-01',
      purpose: 'promo',
      scope: 's',
      grant: 'g'.repeat(4096),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      startsAt: at(-10),
      maxRedemptions: 1_000_000_000,
      maxRedemptionsPerSubject: 3,
      redemptionCount: 0,
      heldCount: 0,
      usedAt: null,
      usedBy: null,
      revokedAt: null,
    });
  }),

  conformanceCase('insert-duplicate', 'rejects a stored lookup key, naming the new record', async (moves) => {
    const first = await moves.insert();
    const second = newRecord({ lookupKey: first.lookupKey });
    const error = await moves.codes.insertCode(second, entry('issued', second.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateLookupKey);
    expect((error as DuplicateLookupKey).codeIds).toEqual([second.id]);
    expect(await moves.codes.getCode(second.id, null, NOW)).toBeNull();
  }),

  conformanceCase(
    'insert-batch-atomic',
    'keeps nothing of a batch in which one record collides, within it or with a stored one',
    async (moves) => {
      const stored = await moves.insert();
      const before = await moves.subject.journal();
      const batch = [newRecord(), newRecord(), newRecord({ lookupKey: stored.lookupKey }), newRecord()];
      const error = await moves.codes
        .insertCodes(batch, entry('issued', batch[0]!.id, { count: 4 }))
        .catch((e: unknown) => e);
      expect((error as DuplicateLookupKey).codeIds).toEqual([batch[2]!.id]);
      const first = newRecord();
      const repeating = [first, newRecord(), newRecord({ lookupKey: first.lookupKey })];
      const again = await moves.codes
        .insertCodes(repeating, entry('issued', first.id, { count: 3 }))
        .catch((e: unknown) => e);
      expect((again as DuplicateLookupKey).codeIds).toEqual([repeating[2]!.id]);
      for (const record of [...batch, ...repeating]) expect(await moves.codes.getCode(record.id, null, NOW)).toBeNull();
      expect(await moves.subject.journal()).toEqual(before);
    },
  ),

  conformanceCase(
    'insert-batch-journal',
    'commits a large batch whole, with one journal entry for the call',
    async (moves) => {
      const batch = Array.from({ length: 2500 }, () => newRecord({ scope: 'bulk' }));
      await moves.codes.insertCodes(
        batch,
        entry('issued', batch[0]!.id, { lastCodeId: batch[2499]!.id, count: 2500, scope: 'bulk' }),
      );
      expect((await moves.codes.countByState({ scope: 'bulk' }, NOW)).redeemable).toBe(2500);
      expect(await moves.find(batch[2499]!)).toBe(batch[2499]!.id);
      expect(await moves.subject.journal()).toEqual([
        expect.objectContaining({
          type: 'issued',
          codeId: batch[0]!.id,
          lastCodeId: batch[2499]!.id,
          count: 2500,
          pending: true,
        }),
      ]);
    },
  ),

  // --- revoke -----------------------------------------------------------------------------------------------------
  conformanceCase(
    'revoke',
    'revokes a code with a use left once, within its scope or with no scope given',
    async (moves) => {
      const scoped = await moves.insert({ scope: 'team-a' });
      const partly = await moves.insert({ maxRedemptions: 3 });
      expect(await moves.revoke(scoped, 'team-b')).toBe(false);
      expect(await moves.revoke(scoped, 'team-a ')).toBe(false);
      expect(await moves.find(scoped)).toBe(scoped.id);
      expect(await moves.revoke(scoped, 'team-a')).toBe(true);
      expect(await moves.revoke(scoped, 'team-a')).toBe(false);
      expect((await moves.codes.getCode(scoped.id, null, NOW))?.revokedAt).toEqual(NOW);
      expect(await moves.claim(partly)).toBe('won');
      expect(await moves.revoke(partly)).toBe(true);
      expect((await moves.subject.journal()).filter((row) => row.type === 'revoked').map((row) => row.codeId)).toEqual([
        scoped.id,
        partly.id,
      ]);
    },
  ),

  conformanceCase(
    'revoke-refused',
    'does not revoke a used-up code, an unknown id or a malformed one',
    async (moves) => {
      const used = await moves.insert();
      expect(await moves.claim(used)).toBe('won');
      expect(await moves.revoke(used)).toBe(false);
      expect((await moves.codes.getCode(used.id, null, NOW))?.revokedAt).toBeNull();
      expect(await moves.codes.revokeCode(uuidv7() as CodeId, null, NOW, entry('revoked', null))).toBe(false);
      expect(await moves.codes.revokeCode('not-a-uuid' as CodeId, null, NOW, entry('revoked', null))).toBe(false);
      expect((await moves.subject.journal()).filter((row) => row.type === 'revoked')).toEqual([]);
    },
  ),

  // --- reversal and history ---------------------------------------------------------------------------------------
  conformanceCase(
    'reverse',
    'reverses a redemption once: the use comes back, its time and reason are kept',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 2 });
      const first = claimOf(record, { subject: 'ann', now: at(1) });
      const second = claimOf(record, { subject: 'bob', now: at(2) });
      await moves.codes.claimCode(first);
      await moves.codes.claimCode(second);
      const reverse = { redemptionId: second.redemptionId, within: null, now: at(3), reason: 'cancelled' };
      expect(
        await moves.codes.reverseRedemption(
          reverse,
          entry('reversed', record.id, { redemptionId: second.redemptionId }),
        ),
      ).toBe(true);
      expect(await moves.codes.reverseRedemption(reverse, entry('reversed', record.id))).toBe(false);
      expect(await moves.codes.getRedemption(second.redemptionId, null)).toMatchObject({
        reversedAt: at(3),
        reversalReason: 'cancelled',
      });
      expect(await moves.codes.getCode(record.id, null, at(3))).toMatchObject({
        redemptionCount: 1,
        usedAt: at(1),
        usedBy: 'ann',
      });
      expect(await moves.claim(record, { subject: 'cat', now: at(4) })).toBe('won');
      expect((await moves.subject.journal()).filter((row) => row.type === 'reversed')).toEqual([
        expect.objectContaining({ codeId: record.id, redemptionId: second.redemptionId, pending: true }),
      ]);
    },
  ),

  conformanceCase(
    'reverse-race',
    'lets exactly one of many concurrent reversals of a redemption reverse it',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 2 });
      const claim = claimOf(record);
      await moves.codes.claimCode(claim);
      const reversals = await Promise.all(
        Array.from({ length: 20 }, () =>
          moves.codes.reverseRedemption(
            { redemptionId: claim.redemptionId, within: null, now: NOW, reason: null },
            entry('reversed', record.id),
          ),
        ),
      );
      expect(reversals.filter(Boolean)).toHaveLength(1);
      expect(await moves.usage(record)).toEqual({ redemptionCount: 0, heldCount: 0 });
    },
  ),

  conformanceCase(
    'reverse-scope-and-subject',
    'reverses only within a given scope, and gives the subject its slot back',
    async (moves) => {
      const record = await moves.insert({ scope: 'shop', maxRedemptions: 5, maxRedemptionsPerSubject: 1 });
      const claim = claimOf(record, { subject: 'ann' });
      await moves.codes.claimCode(claim);
      expect(await moves.claim(record, { subject: 'ann' })).toBe('lost');
      const request = (within: string | null) => ({ redemptionId: claim.redemptionId, within, now: NOW, reason: null });
      expect(await moves.codes.reverseRedemption(request('other'), entry('reversed', record.id))).toBe(false);
      expect(await moves.codes.getRedemption(claim.redemptionId, 'other')).toBeNull();
      expect(await moves.codes.reverseRedemption(request('shop'), entry('reversed', record.id))).toBe(true);
      expect(await moves.claim(record, { subject: 'ann' })).toBe('won');
      expect(await moves.codes.reverseRedemption(request(null), entry('reversed', record.id))).toBe(false);
    },
  ),

  conformanceCase(
    'history',
    'lists a code’s redemptions newest first, page by page, reversed ones included',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 5 });
      const claims = Array.from({ length: 5 }, (_, i) =>
        claimOf(record, { subject: `s${i}`, now: at(i), redemptionId: uuidv7() as RedemptionId }),
      );
      for (const claim of claims) await moves.codes.claimCode(claim);
      await moves.codes.reverseRedemption(
        { redemptionId: claims[1]!.redemptionId, within: null, now: at(9), reason: null },
        entry('reversed', record.id),
      );
      const page1 = await moves.codes.listRedemptions(record.id, 2, null);
      const page2 = await moves.codes.listRedemptions(record.id, 2, page1.items[1]!.id);
      const page3 = await moves.codes.listRedemptions(record.id, 2, page2.items[1]!.id);
      expect([page1.hasNextPage, page2.hasNextPage, page3.hasNextPage]).toEqual([true, true, false]);
      expect([...page1.items, ...page2.items, ...page3.items].map((item) => item.subject)).toEqual([
        's4',
        's3',
        's2',
        's1',
        's0',
      ]);
      expect(page2.items[1]!.reversedAt).toEqual(at(9));
      expect(await moves.codes.getRedemption(uuidv7() as RedemptionId, null)).toBeNull();
      expect(await moves.codes.findRedemptionByToken(record.id, token())).toBeNull();
    },
  ),

  // --- holds ------------------------------------------------------------------------------------------------------
  conformanceCase(
    'hold-takes-use',
    'a hold takes a use: the last use held makes the code unfindable and unclaimable',
    async (moves) => {
      const record = await moves.insert();
      const held = await moves.hold(record);
      expect(held).not.toBeNull();
      expect(await moves.usage(record)).toEqual({ redemptionCount: 0, heldCount: 1 });
      expect(await moves.find(record)).toBeNull();
      expect(await moves.claim(record)).toBe('lost');
      expect(await moves.hold(record)).toBeNull();
      expect((await moves.subject.journal()).filter((row) => row.type === 'hold_created')).toEqual([
        expect.objectContaining({ codeId: record.id, holdRef: held!.ref, pending: true }),
      ]);
    },
  ),

  conformanceCase(
    'hold-race',
    'gives 5 uses to exactly 5 of 100 concurrent holds, and the last use to one of holds and claims racing',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 5 });
      const holds = await Promise.all(Array.from({ length: 100 }, (_, i) => moves.hold(record, { subject: `c${i}` })));
      expect(holds.filter(Boolean)).toHaveLength(5);
      const last = await moves.insert();
      const racers = await Promise.all([
        ...Array.from({ length: 25 }, (_, i) => moves.hold(last, { subject: `h${i}` }).then(Boolean)),
        ...Array.from({ length: 25 }, (_, i) => moves.claim(last, { subject: `r${i}` }).then((kind) => kind === 'won')),
      ]);
      expect(racers.filter(Boolean)).toHaveLength(1);
    },
    30_000,
  ),

  conformanceCase(
    'hold-per-subject',
    'counts a subject’s holds toward its per-subject limit, and requires a subject',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 10, maxRedemptionsPerSubject: 2 });
      const holds = await Promise.all(Array.from({ length: 20 }, () => moves.hold(record, { subject: 'cart' })));
      expect(holds.filter(Boolean)).toHaveLength(2);
      expect(await moves.claim(record, { subject: 'cart' })).toBe('lost');
      expect(await moves.hold(record, { subject: null })).toBeNull();
      expect(await moves.claim(record, { subject: 'other' })).toBe('won');
    },
  ),

  conformanceCase(
    'hold-confirm',
    'confirms an active hold once: the held use becomes a redemption of the hold',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 3 });
      const held = (await moves.hold(record, { subject: 'order-1' }))!;
      // Another hold on the code keeps its held count above 0: only the hold's own status can refuse a second confirmation.
      await moves.hold(record, { subject: 'order-2' });
      const hold = await moves.storedHold(held);
      expect(hold).toMatchObject({
        ref: held.ref,
        codeId: record.id,
        subject: 'order-1',
        status: 'active',
        expiresAt: held.expiresAt,
      });
      const redemptionId = uuidv7() as RedemptionId;
      expect((await moves.holds.confirmHold({ hold, now: at(1), redemptionId, claimToken: token() })).kind).toBe('won');
      expect(
        (
          await moves.holds.confirmHold({
            hold,
            now: at(2),
            redemptionId: uuidv7() as RedemptionId,
            claimToken: token(),
          })
        ).kind,
      ).toBe('lost');
      expect(await moves.storedHold(held)).toMatchObject({ status: 'confirmed', redemptionId });
      expect(await moves.codes.getRedemption(redemptionId, null)).toMatchObject({
        holdRef: held.ref,
        subject: 'order-1',
        redeemedAt: at(1),
      });
      expect(await moves.usage(record, at(2))).toEqual({ redemptionCount: 1, heldCount: 1 });
      expect(await moves.codes.getCode(record.id, null, at(1))).toMatchObject({ usedAt: at(1), usedBy: 'order-1' });
    },
  ),

  conformanceCase(
    'hold-confirm-release-race',
    'lets exactly one of a concurrent confirmation and release of a hold win',
    async (moves) => {
      for (let round = 0; round < 10; round++) {
        const record = await moves.insert();
        const hold = await moves.storedHold((await moves.hold(record))!);
        const [confirmed, released] = await Promise.all([
          moves.holds.confirmHold({ hold, now: NOW, redemptionId: uuidv7() as RedemptionId, claimToken: token() }),
          moves.holds.releaseHold(
            { hold, now: NOW },
            entry('hold_released', record.id, { holdRef: hold.ref, reason: 'released' }),
          ),
        ]);
        expect([confirmed.kind === 'won', released].filter(Boolean)).toHaveLength(1);
        const usage = await moves.usage(record);
        expect(usage).toEqual(
          confirmed.kind === 'won' ? { redemptionCount: 1, heldCount: 0 } : { redemptionCount: 0, heldCount: 0 },
        );
      }
    },
  ),

  conformanceCase(
    'hold-expiry-boundary',
    'a hold confirms until its expiresAt, and from that instant only its expiry can be recorded',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 2 });
      const early = await moves.storedHold((await moves.hold(record, { subject: 'a', expiresAt: at(1000) }))!);
      const late = await moves.storedHold((await moves.hold(record, { subject: 'b', expiresAt: at(1000) }))!);
      const expire = (hold: typeof early, now: Date) =>
        moves.holds.expireHold(
          { hold, now },
          entry('hold_released', record.id, { holdRef: hold.ref, reason: 'expired' }),
        );
      expect(await expire(early, at(999))).toBe(false);
      expect(
        (
          await moves.holds.confirmHold({
            hold: early,
            now: at(999),
            redemptionId: uuidv7() as RedemptionId,
            claimToken: token(),
          })
        ).kind,
      ).toBe('won');
      expect(
        (
          await moves.holds.confirmHold({
            hold: late,
            now: at(1000),
            redemptionId: uuidv7() as RedemptionId,
            claimToken: token(),
          })
        ).kind,
      ).toBe('lost');
      expect(await moves.holds.releaseHold({ hold: late, now: at(1000) }, entry('hold_released', record.id))).toBe(
        false,
      );
      expect(await expire(late, at(1000))).toBe(true);
      expect(await expire(late, at(1001))).toBe(false);
      expect(await moves.usage(record, at(1000))).toEqual({ redemptionCount: 1, heldCount: 0 });
    },
  ),

  conformanceCase(
    'hold-expiry-frees',
    'an expired hold’s use is free at once, with no write, for claims, holds and counts',
    async (moves) => {
      const record = await moves.insert();
      await moves.hold(record, { expiresAt: at(500) });
      expect(await moves.find(record, ANY, at(499))).toBeNull();
      expect(await moves.codes.getCode(record.id, null, at(500))).toMatchObject({ heldCount: 0, redemptionCount: 0 });
      expect(await moves.find(record, ANY, at(500))).toBe(record.id);
      expect((await moves.codes.countByState({}, at(500))).redeemable).toBe(1);
      expect(await moves.hold(record, { now: at(500) })).not.toBeNull();
      const other = await moves.insert();
      await moves.hold(other, { expiresAt: at(500) });
      expect(await moves.claim(other, { now: at(500) })).toBe('won');
    },
  ),

  conformanceCase(
    'hold-sweep',
    'lists the holds due for their expiry, and records each expiry once however many sweepers race',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 6 });
      const refs: HoldRef[] = [];
      for (let i = 0; i < 6; i++)
        refs.push((await moves.hold(record, { subject: `s${i}`, expiresAt: at(i < 4 ? 100 : 10_000) }))!.ref);
      const due = await moves.holds.expiredHolds(at(100), 10);
      expect(due.map((hold) => hold.ref).sort()).toEqual(refs.slice(0, 4).sort());
      const results = await Promise.all(
        [...due, ...due, ...due].map((hold) =>
          moves.holds.expireHold(
            { hold, now: at(100) },
            entry('hold_released', record.id, { holdRef: hold.ref, reason: 'expired' }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(4);
      expect(await moves.holds.expiredHolds(at(100), 10)).toEqual([]);
      expect(await moves.usage(record, at(100))).toEqual({ redemptionCount: 0, heldCount: 2 });
      expect(
        (await moves.subject.journal())
          .filter((row) => row.reason === 'expired')
          .map((row) => row.holdRef)
          .sort(),
      ).toEqual(refs.slice(0, 4).sort());
      expect((await moves.holds.activeHolds(record.id, at(100))).map((hold) => hold.ref).sort()).toEqual(
        refs.slice(4).sort(),
      );
    },
  ),

  conformanceCase('hold-release', 'releases an active hold once, giving its use back', async (moves) => {
    const record = await moves.insert({ maxRedemptions: 2 });
    const hold = await moves.storedHold((await moves.hold(record))!);
    // Another hold keeps the code's held count above 0: only the hold's own status can refuse a second settlement.
    await moves.hold(record, { subject: 'other-cart' });
    const release = () =>
      moves.holds.releaseHold(
        { hold, now: NOW },
        entry('hold_released', record.id, { holdRef: hold.ref, reason: 'released' }),
      );
    expect(await release()).toBe(true);
    expect(await release()).toBe(false);
    expect(await moves.usage(record)).toEqual({ redemptionCount: 0, heldCount: 1 });
    expect(
      (await moves.holds.confirmHold({ hold, now: NOW, redemptionId: uuidv7() as RedemptionId, claimToken: token() }))
        .kind,
    ).toBe('lost');
    expect(await moves.usage(record)).toEqual({ redemptionCount: 0, heldCount: 1 });
    expect(await moves.claim(record)).toBe('won');
  }),

  conformanceCase(
    'hold-lookup',
    'finds a hold only by its key and version, and by its token on its code',
    async (moves) => {
      const record = await moves.insert({ maxRedemptions: 3 });
      const held = (await moves.hold(record, { keyVersion: 'v2' as never }))!;
      expect(await moves.holds.findHold([{ holdKey: held.holdKey, keyVersion: 'v1' as never }])).toBeNull();
      expect(await moves.holds.findHold([])).toBeNull();
      expect((await moves.holds.findHold([{ holdKey: held.holdKey, keyVersion: 'v2' as never }]))?.ref).toBe(held.ref);
      expect((await moves.holds.findHoldByToken(record.id, held.claimToken))?.ref).toBe(held.ref);
      expect(await moves.holds.findHoldByToken(record.id, token())).toBeNull();
      const retry = holdOf(record, { claimToken: held.claimToken });
      expect((await moves.holds.holdCode(retry, entry('hold_created', record.id))).kind).toBe('token_taken');
      expect(await moves.usage(record)).toEqual({ redemptionCount: 0, heldCount: 1 });
    },
  ),

  conformanceCase(
    'hold-confirm-guarded',
    'refuses to confirm a hold of a revoked code, or one whose use another took meanwhile',
    async (moves) => {
      const revoked = await moves.insert({ maxRedemptions: 2 });
      const onRevoked = await moves.storedHold((await moves.hold(revoked))!);
      expect(await moves.revoke(revoked)).toBe(true);
      expect(
        (
          await moves.holds.confirmHold({
            hold: onRevoked,
            now: NOW,
            redemptionId: uuidv7() as RedemptionId,
            claimToken: token(),
          })
        ).kind,
      ).toBe('lost');
      // Clock skew: by a later clock the hold expired and its use was claimed; an earlier clock still sees the hold live.
      const skewed = await moves.insert();
      const hold = await moves.storedHold((await moves.hold(skewed, { expiresAt: at(100) }))!);
      expect(await moves.claim(skewed, { now: at(100) })).toBe('won');
      expect(
        (
          await moves.holds.confirmHold({
            hold,
            now: at(99),
            redemptionId: uuidv7() as RedemptionId,
            claimToken: token(),
          })
        ).kind,
      ).toBe('lost');
      expect(await moves.usage(skewed, at(99))).toMatchObject({ redemptionCount: 1 });
    },
  ),

  // --- admin reads ------------------------------------------------------------------------------------------------
  conformanceCase(
    'get-scope',
    'gets a code within its scope or with no scope given, and nothing outside it',
    async (moves) => {
      const record = await moves.insert({ scope: 'team-a' });
      expect((await moves.codes.getCode(record.id, null, NOW))?.id).toBe(record.id);
      expect((await moves.codes.getCode(record.id, 'team-a', NOW))?.id).toBe(record.id);
      expect(await moves.codes.getCode(record.id, 'team-b', NOW)).toBeNull();
      expect(await moves.codes.getCode(record.id, 'team-a ', NOW)).toBeNull();
      expect(await moves.codes.getCode(uuidv7() as CodeId, null, NOW)).toBeNull();
      expect(await moves.codes.getCode('malformed' as CodeId, null, NOW)).toBeNull();
    },
  ),

  conformanceCase(
    'list',
    'lists newest first, page by page, by scope, purpose and state at the given time',
    async (moves) => {
      const a = await moves.insert({ scope: 'team-a', purpose: 'p' });
      const b = await moves.insert({ scope: 'team-a', purpose: 'q' });
      const c = await moves.insert({ scope: 'team-b', purpose: 'p' });
      const d = await moves.insert({ scope: 'team-a', purpose: 'p', expiresAt: at(-1) });
      const e = await moves.insert({ scope: 'team-a', purpose: 'p', startsAt: at(HOUR_MS / 2) });
      const f = await moves.insert({ scope: 'team-a', purpose: 'p', maxRedemptions: 2 });
      expect(await moves.claim(b)).toBe('won');
      expect(await moves.revoke(c)).toBe(true);
      expect(await moves.claim(f)).toBe('won');
      const ids = async (filter: Parameters<CodeStore['listCodes']>[0], first = 10, after: CodeId | null = null) =>
        (await moves.codes.listCodes(filter, NOW, first, after)).items.map((item) => item.id);
      const page1 = await moves.codes.listCodes({}, NOW, 2, null);
      expect(page1.items.map((item) => item.id)).toEqual([f.id, e.id]);
      expect(page1.hasNextPage).toBe(true);
      expect(await ids({}, 10, e.id)).toEqual([d.id, c.id, b.id, a.id]);
      expect(page1.items[0]).not.toHaveProperty('lookupKey');
      expect(await ids({ scope: 'team-a' })).toEqual([f.id, e.id, d.id, b.id, a.id]);
      expect(await ids({ scope: 'team-a', purpose: 'p' })).toEqual([f.id, e.id, d.id, a.id]);
      expect(await ids({ state: 'REDEEMABLE' })).toEqual([f.id, a.id]);
      expect(await ids({ state: 'USED' })).toEqual([b.id]);
      expect(await ids({ state: 'REVOKED' })).toEqual([c.id]);
      expect(await ids({ state: 'EXPIRED' })).toEqual([d.id]);
      expect(await ids({ state: 'SCHEDULED' })).toEqual([e.id]);
      expect(await ids({ state: 'REDEEMABLE', scope: 'team-b' })).toEqual([]);
      expect(await ids({ scope: 'team-a ' })).toEqual([]);
      expect(await ids({ state: 'REDEEMABLE' }, 1, f.id)).toEqual([a.id]);
      expect(await moves.codes.listCodes({}, NOW, 0, null)).toEqual({ items: [], hasNextPage: true });
    },
  ),

  conformanceCase('count', 'counts codes by state at the given time, and their active redemptions', async (moves) => {
    await moves.insert({ scope: 'team-a', purpose: 'p' });
    const used = await moves.insert({ scope: 'team-a', purpose: 'q' });
    const revoked = await moves.insert({ scope: 'team-b', purpose: 'p' });
    await moves.insert({ scope: 'team-a', purpose: 'p', expiresAt: at(-1) });
    await moves.insert({ scope: 'team-a', purpose: 'p', startsAt: at(HOUR_MS / 2) });
    const multi = await moves.insert({ scope: 'team-a', purpose: 'p', maxRedemptions: 3 });
    await moves.claim(used);
    await moves.revoke(revoked);
    await moves.claim(multi, { subject: 'x' });
    await moves.claim(multi, { subject: 'y' });
    const counts = (
      redeemable: number,
      used: number,
      revoked: number,
      expired: number,
      scheduled: number,
      redemptions: number,
    ) => ({
      redeemable,
      used,
      revoked,
      expired,
      scheduled,
      redemptions,
    });
    expect(await moves.codes.countByState({}, NOW)).toEqual(counts(2, 1, 1, 1, 1, 3));
    expect(await moves.codes.countByState({ scope: 'team-a' }, NOW)).toEqual(counts(2, 1, 0, 1, 1, 3));
    expect(await moves.codes.countByState({ purpose: 'p' }, NOW)).toEqual(counts(2, 0, 1, 1, 1, 2));
    // Used and revoked codes keep their state once their lifetime ends.
    expect(await moves.codes.countByState({}, at(2 * HOUR_MS))).toEqual(counts(0, 1, 1, 4, 0, 3));
    expect(await moves.codes.countByState({ scope: 'nobody' }, NOW)).toEqual(counts(0, 0, 0, 0, 0, 0));
  }),

  conformanceCase('ping', 'answers a ping', async (moves) => {
    await expect(moves.codes.ping()).resolves.toBeUndefined();
  }),

  // --- rate-limit buckets ---------------------------------------------------------------------------------------
  conformanceCase(
    'buckets-concurrent',
    'counts concurrent failures of one bucket atomically, each seeing its own count',
    async (moves) => {
      const key = randomBytes(32);
      const seen = await Promise.all(
        Array.from(
          { length: 30 },
          async () => (await moves.rateLimits.recordFailure([key], NOW, at(300_000), 1))[0]!.failures,
        ),
      );
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(await moves.rateLimits.read([key], NOW)).toEqual([{ key, failures: 30, windowEndsAt: at(300_000) }]);
    },
  ),

  conformanceCase(
    'buckets-window',
    'restarts a bucket whose window ended, reads live ones only, clears and purges',
    async (moves) => {
      const [kept, cleared] = [randomBytes(32), randomBytes(32)];
      await moves.rateLimits.recordFailure([kept, cleared], NOW, at(1000), 3);
      expect(await moves.rateLimits.recordFailure([kept], at(500), at(1500), 1)).toEqual([
        { key: kept, failures: 4, windowEndsAt: at(1000) },
      ]);
      expect(await moves.rateLimits.recordFailure([kept], at(1000), at(2000), 2)).toEqual([
        { key: kept, failures: 2, windowEndsAt: at(2000) },
      ]);
      await moves.rateLimits.clear(cleared);
      expect(await moves.rateLimits.read([kept, cleared], at(1000))).toEqual([
        { key: kept, failures: 2, windowEndsAt: at(2000) },
      ]);
      expect(await moves.rateLimits.read([kept], at(2000))).toEqual([]);
      expect(await moves.rateLimits.purgeExpired(at(1999), 10)).toBe(0);
      expect(await moves.rateLimits.purgeExpired(at(2001), 10)).toBe(1);
    },
  ),

  // --- hostile input ----------------------------------------------------------------------------------------------
  conformanceCase(
    'injection',
    'treats SQL metacharacters in scope, purpose and subject as plain values: they win nothing and change no other row',
    async (moves) => {
      const victims = [
        await moves.insert({ scope: 'victim' }),
        await moves.insert({ purpose: 'victim' }),
        await moves.insert({ maxRedemptions: 3 }),
      ];
      for (const hostile of HOSTILE) {
        const own = await moves.insert({
          scope: hostile,
          purpose: hostile,
          maxRedemptions: 2,
          maxRedemptionsPerSubject: 1,
        });
        const withOther = HOSTILE.filter((other) => other !== hostile)[0]!;
        for (const victim of victims) {
          const before = await moves.subject.rows();
          const tricked = { scope: hostile.replace('OTHER', victim.id), purpose: hostile, subject: hostile };
          expect(await moves.find(victim, tricked)).toBeNull();
          expect(await moves.claim(victim, tricked)).toBe('lost');
          expect(await moves.hold(victim, tricked)).toBeNull();
          expect(await moves.codes.revokeCode(victim.id, tricked.scope, NOW, entry('revoked', victim.id))).toBe(false);
          expect(await moves.codes.getCode(victim.id, tricked.scope, NOW)).toBeNull();
          expect(
            (await moves.codes.listCodes({ scope: tricked.scope }, NOW, 10, null)).items.map((item) => item.id),
          ).not.toContain(victim.id);
          expect(await moves.subject.rows()).toEqual(before);
        }
        expect(await moves.find(own, { scope: withOther, purpose: hostile })).toBeNull();
        expect(await moves.find(own, { scope: hostile, purpose: hostile })).toBe(own.id);
        expect(await moves.claim(own, { scope: hostile, purpose: hostile, subject: hostile })).toBe('won');
        expect(await moves.claim(own, { scope: hostile, purpose: hostile, subject: hostile })).toBe('lost');
        expect(
          (await moves.codes.listCodes({ scope: hostile, purpose: hostile }, NOW, 10, null)).items.map(
            (item) => item.id,
          ),
        ).toEqual([own.id]);
      }
      for (const victim of victims) expect(await moves.usage(victim)).toEqual({ redemptionCount: 0, heldCount: 0 });
    },
    60_000,
  ),
];
