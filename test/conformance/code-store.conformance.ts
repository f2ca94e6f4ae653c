/**
 * What every CodeStore adapter must do, as a describe block an adapter's test
 * file runs with its own factory. The factory is called before each case and
 * must hand out an empty store; the exactly-one-winner case needs the store to
 * serve at least 50 claims at once on separate connections.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { DuplicateLookupKey } from '../../src/store/errors';
import type {
  AuditEvent,
  AuditEventType,
  ClaimRequest,
  CodeStore,
  LookupCandidate,
  MatchCriteria,
  NewCodeRecord,
} from '../../src/store/port';

export interface ConformanceSubject {
  readonly store: CodeStore;
  close(): Promise<void>;
}

const NOW = new Date('2030-06-01T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const ANY: MatchCriteria = { scope: null, purpose: null };
const RACERS = 50;
const RACE_ROUNDS = 20;

function at(offsetMs: number): Date {
  return new Date(NOW.getTime() + offsetMs);
}

export function newRecord(overrides: Partial<NewCodeRecord> = {}): NewCodeRecord {
  return {
    id: uuidv7(),
    lookupKey: randomBytes(32),
    keyVersion: 'v1',
    purpose: null,
    scope: null,
    grant: null,
    createdAt: at(-HOUR_MS),
    expiresAt: at(HOUR_MS),
    ...overrides,
  };
}

export function event(type: AuditEventType, codeId: string | null, extra: Partial<AuditEvent> = {}): AuditEvent {
  return { type, at: NOW, codeId, subject: null, scope: null, purpose: null, reason: null, ...extra };
}

function candidate(record: NewCodeRecord): LookupCandidate {
  return { lookupKey: record.lookupKey, keyVersion: record.keyVersion };
}

function strangerCandidate(): LookupCandidate {
  return { lookupKey: randomBytes(32), keyVersion: 'v1' };
}

export function claimOf(record: NewCodeRecord, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    codeId: record.id,
    lookupKey: record.lookupKey,
    now: NOW,
    subject: 'user-1',
    claimTokenHash: randomBytes(32),
    scope: record.scope,
    purpose: record.purpose,
    redeemedEvent: event('redeemed', record.id),
    ...overrides,
  };
}

export function defineCodeStoreConformance(name: string, factory: () => Promise<ConformanceSubject>): void {
  describe(`CodeStore conformance: ${name}`, () => {
    let subject: ConformanceSubject;
    let store: CodeStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    async function insert(overrides: Partial<NewCodeRecord> = {}): Promise<NewCodeRecord> {
      const record = newRecord(overrides);
      await store.insertCode(record, event('issued', record.id));
      return record;
    }

    async function claim(record: NewCodeRecord, overrides: Partial<ClaimRequest> = {}): Promise<string> {
      return (await store.claimCode(claimOf(record, overrides))).kind;
    }

    async function revoke(record: NewCodeRecord, scope: string | null = null): Promise<boolean> {
      return store.revokeCode(record.id, scope, NOW, event('revoked', record.id));
    }

    async function findOne(record: NewCodeRecord, criteria: MatchCriteria = ANY, now = NOW): Promise<string | null> {
      return (await store.findRedeemable([candidate(record)], now, criteria))?.id ?? null;
    }

    describe('find', () => {
      it('finds an inserted code with everything a redemption needs', async () => {
        const record = await insert({
          purpose: 'invite',
          scope: 'team-a',
          grant: '{"role":"editor"}',
          keyVersion: 'k7',
        });
        const found = await store.findRedeemable([candidate(record)], NOW, { scope: 'team-a', purpose: 'invite' });
        expect(found).toEqual({
          id: record.id,
          lookupKey: record.lookupKey,
          keyVersion: 'k7',
          purpose: 'invite',
          scope: 'team-a',
          grant: '{"role":"editor"}',
          expiresAt: record.expiresAt,
        });
      });

      it('returns null for an unknown lookup key and for no candidates', async () => {
        await insert();
        expect(await store.findRedeemable([strangerCandidate()], NOW, ANY)).toBeNull();
        expect(await store.findRedeemable([], NOW, ANY)).toBeNull();
        expect(await store.inspect([strangerCandidate()])).toBeNull();
      });

      it('never returns an expired, used or revoked code', async () => {
        const expired = await insert({ expiresAt: at(-1) });
        const expiringNow = await insert({ expiresAt: NOW });
        const used = await insert();
        const revoked = await insert();
        expect(await claim(used)).toBe('won');
        expect(await revoke(revoked)).toBe(true);
        for (const record of [expired, expiringNow, used, revoked]) expect(await findOne(record)).toBeNull();
        expect(await findOne(expiringNow, ANY, at(-1))).toBe(expiringNow.id);
      });

      it('finds the one matching record among several candidates in one call', async () => {
        const record = await insert();
        await insert();
        const found = await store.findRedeemable(
          [strangerCandidate(), candidate(record), strangerCandidate()],
          NOW,
          ANY,
        );
        expect(found?.id).toBe(record.id);
      });

      it('reads an attempt: the record findRedeemable finds, and no bucket that was never counted', async () => {
        const record = await insert({ purpose: 'promo' });
        const used = await insert({ purpose: 'promo' });
        await store.claimCode(claimOf(used));
        const criteria = { scope: null, purpose: 'promo' };
        for (const wanted of [record, used]) {
          const candidates = [strangerCandidate(), candidate(wanted)];
          const snapshot = await store.readAttempt([randomBytes(32)], candidates, NOW, criteria);
          expect(snapshot).toEqual({ buckets: [], code: await store.findRedeemable(candidates, NOW, criteria) });
        }
        expect((await store.readAttempt([], [candidate(record)], NOW, criteria)).code?.id).toBe(record.id);
        expect(await store.readAttempt([], [candidate(record)], NOW, ANY)).toEqual({ buckets: [], code: null });
      });

      it('matches a record only through the key version that produced it', async () => {
        const record = await insert({ keyVersion: 'v2' });
        const otherVersion = { lookupKey: record.lookupKey, keyVersion: 'v1' };
        expect(await store.findRedeemable([otherVersion], NOW, ANY)).toBeNull();
        expect(await store.inspect([otherVersion])).toBeNull();
        expect((await store.findRedeemable([otherVersion, candidate(record)], NOW, ANY))?.keyVersion).toBe('v2');
      });

      it('never matches another purpose; a null purpose matches only a code without one', async () => {
        const invite = await insert({ purpose: 'invite' });
        const plain = await insert({ purpose: null });
        expect(await findOne(invite, { scope: null, purpose: 'promo' })).toBeNull();
        expect(await findOne(invite, { scope: null, purpose: null })).toBeNull();
        expect(await findOne(plain, { scope: null, purpose: 'invite' })).toBeNull();
        expect(await findOne(plain, { scope: null, purpose: null })).toBe(plain.id);
        expect(await claim(invite, { purpose: 'promo' })).toBe('lost');
        expect(await claim(invite, { purpose: null })).toBe('lost');
        expect(await claim(invite, { purpose: 'invite' })).toBe('won');
      });

      it('requires a given scope to match and lets a null scope match any', async () => {
        const scoped = await insert({ scope: 'team-a' });
        const unscoped = await insert({ scope: null });
        expect(await findOne(scoped, { scope: 'team-b', purpose: null })).toBeNull();
        expect(await findOne(unscoped, { scope: 'team-a', purpose: null })).toBeNull();
        expect(await findOne(scoped, { scope: 'team-a', purpose: null })).toBe(scoped.id);
        expect(await findOne(scoped, ANY)).toBe(scoped.id);
        expect(await claim(scoped, { scope: 'team-b' })).toBe('lost');
        expect(await claim(scoped, { scope: null })).toBe('won');
      });
    });

    describe('claim', () => {
      it('lets exactly one of 50 concurrent claims win, every round', async () => {
        for (let round = 0; round < RACE_ROUNDS; round += 1) {
          const record = await insert();
          const requests = Array.from({ length: RACERS }, (_, i) => claimOf(record, { subject: `racer-${i}` }));
          const outcomes = await Promise.all(requests.map((request) => store.claimCode(request)));
          const winners = outcomes.flatMap((outcome, i) => (outcome.kind === 'won' ? [requests[i]] : []));
          expect(winners).toHaveLength(1);
          const inspected = await store.inspect([candidate(record)]);
          expect(inspected?.claimTokenHash).toEqual(winners[0].claimTokenHash);
          expect(inspected?.usedBy).toBe(winners[0].subject);
        }
      }, 60_000);

      it('records the winner: used time, subject and claim token hash', async () => {
        const record = await insert();
        expect((await store.inspect([candidate(record)]))?.claimTokenHash).toBeNull();
        const request = claimOf(record, { subject: 'alice', now: at(1000) });
        expect((await store.claimCode(request)).kind).toBe('won');
        const inspected = await store.inspect([candidate(record)]);
        expect(inspected).toMatchObject({ id: record.id, usedAt: at(1000), usedBy: 'alice', revokedAt: null });
        expect(inspected?.claimTokenHash).toEqual(request.claimTokenHash);
        expect(inspected?.lookupKey).toEqual(record.lookupKey);
      });

      it('loses a second claim, and a claim after revocation or expiry', async () => {
        const used = await insert();
        const revoked = await insert();
        const expiring = await insert({ expiresAt: at(1000) });
        expect(await claim(used)).toBe('won');
        expect(await claim(used)).toBe('lost');
        expect(await revoke(revoked)).toBe(true);
        expect(await claim(revoked)).toBe('lost');
        expect(await claim(expiring, { now: at(1000) })).toBe('lost');
        expect((await store.inspect([candidate(expiring)]))?.usedAt).toBeNull();
      });

      it('loses a claim whose lookup key does not belong to the code', async () => {
        const record = await insert();
        expect(await claim(record, { lookupKey: randomBytes(32) })).toBe('lost');
        expect(await claim(record)).toBe('won');
      });

      it('keeps nullable subjects', async () => {
        const record = await insert();
        expect(await claim(record, { subject: null })).toBe('won');
        expect((await store.getCode(record.id, null))?.usedBy).toBeNull();
      });
    });

    describe('insert', () => {
      it('round-trips every field, the key version included', async () => {
        const record = await insert({ purpose: 'promo', scope: 's', grant: 'g'.repeat(4096), keyVersion: '2031-01' });
        expect(await store.getCode(record.id, null)).toEqual({
          id: record.id,
          keyVersion: '2031-01',
          purpose: 'promo',
          scope: 's',
          grant: 'g'.repeat(4096),
          createdAt: record.createdAt,
          expiresAt: record.expiresAt,
          usedAt: null,
          usedBy: null,
          revokedAt: null,
        });
        expect((await store.inspect([candidate(record)]))?.keyVersion).toBe('2031-01');
      });

      it('rejects a stored lookup key, naming the new record', async () => {
        const first = await insert();
        const second = newRecord({ lookupKey: first.lookupKey });
        const error = await store.insertCode(second, event('issued', second.id)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateLookupKey);
        expect((error as DuplicateLookupKey).codeIds).toEqual([second.id]);
        expect(await store.getCode(second.id, null)).toBeNull();
      });

      it('keeps nothing of a batch in which one record collides with a stored one', async () => {
        const stored = await insert();
        const batch = [newRecord(), newRecord(), newRecord({ lookupKey: stored.lookupKey }), newRecord()];
        const error = await store
          .insertCodes(
            batch,
            batch.map((record) => event('issued', record.id)),
          )
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateLookupKey);
        expect((error as DuplicateLookupKey).codeIds).toEqual([batch[2].id]);
        for (const record of batch) expect(await store.getCode(record.id, null)).toBeNull();
      });

      it('keeps nothing of a batch that repeats a lookup key', async () => {
        const first = newRecord();
        const batch = [first, newRecord(), newRecord({ lookupKey: first.lookupKey })];
        const error = await store.insertCodes(batch, []).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateLookupKey);
        expect((error as DuplicateLookupKey).codeIds).toEqual([batch[2].id]);
        for (const record of batch) expect(await store.getCode(record.id, null)).toBeNull();
      });

      it('commits a large batch whole', async () => {
        const batch = Array.from({ length: 2500 }, () => newRecord({ scope: 'bulk' }));
        await store.insertCodes(
          batch,
          batch.map((record) => event('issued', record.id)),
        );
        expect((await store.countByState({ scope: 'bulk' }, NOW)).redeemable).toBe(2500);
        expect(await findOne(batch[2499])).toBe(batch[2499].id);
      });
    });

    describe('revoke', () => {
      it('revokes an unused code once, within its scope or with no scope given', async () => {
        const scoped = await insert({ scope: 'team-a' });
        const other = await insert({ scope: 'team-a' });
        expect(await revoke(scoped, 'team-b')).toBe(false);
        expect(await findOne(scoped)).toBe(scoped.id);
        expect(await revoke(scoped, 'team-a')).toBe(true);
        expect(await revoke(scoped, 'team-a')).toBe(false);
        expect(await revoke(other, null)).toBe(true);
        expect((await store.getCode(scoped.id, null))?.revokedAt).toEqual(NOW);
      });

      it('does not revoke a used code, an unknown id or a malformed one', async () => {
        const used = await insert();
        expect(await claim(used)).toBe('won');
        expect(await revoke(used)).toBe(false);
        expect((await store.getCode(used.id, null))?.revokedAt).toBeNull();
        expect(await store.revokeCode(uuidv7(), null, NOW, event('revoked', null))).toBe(false);
        expect(await store.revokeCode('not-a-uuid', null, NOW, event('revoked', null))).toBe(false);
      });
    });

    describe('admin reads', () => {
      it('gets a code within its scope or with no scope given, and nothing outside it', async () => {
        const record = await insert({ scope: 'team-a' });
        expect((await store.getCode(record.id, null))?.id).toBe(record.id);
        expect((await store.getCode(record.id, 'team-a'))?.id).toBe(record.id);
        expect(await store.getCode(record.id, 'team-b')).toBeNull();
        expect(await store.getCode(uuidv7(), null)).toBeNull();
        expect(await store.getCode('malformed', null)).toBeNull();
      });

      /** Oldest first: a (team-a, p) redeemable, b (team-a, q) used, c (team-b, p) revoked, d (team-a, p) expired, e (team-a, p) redeemable. */
      async function fiveCodes(): Promise<Record<'a' | 'b' | 'c' | 'd' | 'e', NewCodeRecord>> {
        const a = await insert({ scope: 'team-a', purpose: 'p' });
        const b = await insert({ scope: 'team-a', purpose: 'q' });
        const c = await insert({ scope: 'team-b', purpose: 'p' });
        const d = await insert({ scope: 'team-a', purpose: 'p', expiresAt: at(-1) });
        const e = await insert({ scope: 'team-a', purpose: 'p' });
        expect(await claim(b)).toBe('won');
        expect(await revoke(c)).toBe(true);
        return { a, b, c, d, e };
      }

      async function listIds(
        filter: Parameters<CodeStore['listCodes']>[0],
        first = 10,
        after: string | null = null,
      ): Promise<string[]> {
        return (await store.listCodes(filter, NOW, first, after)).items.map((item) => item.id);
      }

      it('lists newest first, page by page', async () => {
        const { a, b, c, d, e } = await fiveCodes();
        const page1 = await store.listCodes({}, NOW, 2, null);
        expect(page1.items.map((item) => item.id)).toEqual([e.id, d.id]);
        expect(page1.hasNextPage).toBe(true);
        const page2 = await store.listCodes({}, NOW, 2, d.id);
        expect(page2.items.map((item) => item.id)).toEqual([c.id, b.id]);
        expect(page2.hasNextPage).toBe(true);
        const page3 = await store.listCodes({}, NOW, 2, b.id);
        expect(page3.items.map((item) => item.id)).toEqual([a.id]);
        expect(page3.hasNextPage).toBe(false);
        expect(page1.items[0]).toMatchObject({ scope: 'team-a', purpose: 'p', keyVersion: 'v1' });
        expect(page1.items[0]).not.toHaveProperty('lookupKey');
      });

      it('lists by scope, purpose and state at the given time', async () => {
        const { a, b, c, d, e } = await fiveCodes();
        expect(await listIds({ scope: 'team-a' })).toEqual([e.id, d.id, b.id, a.id]);
        expect(await listIds({ scope: 'team-a', purpose: 'p' })).toEqual([e.id, d.id, a.id]);
        expect(await listIds({ scope: null, purpose: null, state: null })).toEqual([e.id, d.id, c.id, b.id, a.id]);
        expect(await listIds({ state: 'REDEEMABLE' })).toEqual([e.id, a.id]);
        expect(await listIds({ state: 'USED' })).toEqual([b.id]);
        expect(await listIds({ state: 'REVOKED' })).toEqual([c.id]);
        expect(await listIds({ state: 'EXPIRED' })).toEqual([d.id]);
        expect(await listIds({ state: 'REDEEMABLE', scope: 'team-b' })).toEqual([]);
        expect(await listIds({ state: 'REDEEMABLE' }, 1, e.id)).toEqual([a.id]);
        const empty = await store.listCodes({}, NOW, 0, null);
        expect(empty).toEqual({ items: [], hasNextPage: true });
      });

      it('counts codes by state at the given time', async () => {
        await fiveCodes();
        expect(await store.countByState({}, NOW)).toEqual({ redeemable: 2, used: 1, revoked: 1, expired: 1 });
        expect(await store.countByState({ scope: 'team-a' }, NOW)).toEqual({
          redeemable: 2,
          used: 1,
          revoked: 0,
          expired: 1,
        });
        expect(await store.countByState({ purpose: 'p' }, NOW)).toEqual({
          redeemable: 2,
          used: 0,
          revoked: 1,
          expired: 1,
        });
        // Used and revoked codes keep their state once their lifetime ends.
        expect(await store.countByState({}, at(2 * HOUR_MS))).toEqual({
          redeemable: 0,
          used: 1,
          revoked: 1,
          expired: 3,
        });
        expect(await store.countByState({ scope: 'nobody' }, NOW)).toEqual({
          redeemable: 0,
          used: 0,
          revoked: 0,
          expired: 0,
        });
      });

      it('answers a ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });
  });
}
