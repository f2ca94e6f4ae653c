import type { CodeAdmin } from '../../../src/codes/admin';
import { issueOptions, openTestService, type TestService } from '../../support/service';

let env: TestService;
let service: CodeAdmin;

beforeAll(async () => {
  env = await openTestService();
  service = env.services().admin;
});
afterAll(() => env.close());

const options = issueOptions({ purpose: 'invite', scope: 'club', grant: 'seat-7' });

describe('issuing', () => {
  test('issues distinct codes in display form with their metadata', async () => {
    const issued = await service.issueMany(500, options);
    const codes = new Set(issued.map((entry) => entry.code));
    expect(codes.size).toBe(500);
    for (const { code, record } of issued.slice(0, 20)) {
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
      expect(record).toMatchObject({ purpose: 'invite', scope: 'club', grant: 'seat-7', state: 'REDEEMABLE' });
      expect(record.expiresAt.getTime() - record.createdAt.getTime()).toBe(3600 * 1000);
    }
  });

  test.each([
    [0, 'count'],
    [10001, 'count'],
  ])('count %i is refused naming %s', async (count, field) => {
    await expect(service.issueMany(count, options)).rejects.toMatchObject({ name: 'InvalidInput', field });
  });

  test.each([
    [{ ...options, ttlSeconds: 0 }, 'ttlSeconds'],
    [{ ...options, purpose: 'p'.repeat(65) }, 'purpose'],
    [{ ...options, scope: 's'.repeat(65) }, 'scope'],
    [{ ...options, grant: 'g'.repeat(4097) }, 'grant'],
  ])('bad options are refused naming the field (%#)', async (bad, field) => {
    await expect(service.issue(bad)).rejects.toMatchObject({ name: 'InvalidInput', field });
  });
});

describe('the journal', () => {
  test('records one issued entry per call, naming its first and last code and how many', async () => {
    const issued = await service.issueMany(300, { ...options, scope: 'journal' });
    const [rows] = await env.pool.query<import('mysql2').RowDataPacket[]>(
      "SELECT HEX(code_id) AS first, HEX(last_code_id) AS last, item_count, scope, purpose, dispatch_pending FROM code_events WHERE event_type = 'issued' AND scope = 'journal'",
    );
    const hex = (id: string) => id.replaceAll('-', '').toUpperCase();
    expect(rows).toEqual([
      {
        first: hex(issued[0]!.record.id),
        last: hex(issued[299]!.record.id),
        item_count: 300,
        scope: 'journal',
        purpose: 'invite',
        dispatch_pending: 1,
      },
    ]);
  });
});

describe('admin reads', () => {
  test('revoke, get within a scope, list newest first with cursors, stats', async () => {
    const mine = await service.issueMany(5, { ...options, scope: 'admin-a' });
    await service.issue({ ...options, scope: 'admin-b' });
    expect(await service.get(mine[0]!.record.id, 'admin-b')).toBeNull();
    expect(await service.revoke(mine[0]!.record.id, 'admin-b')).toEqual({ revoked: false, code: null });
    const revoked = await service.revoke(mine[0]!.record.id, 'admin-a');
    expect(revoked.revoked).toBe(true);
    expect(revoked.code?.state).toBe('REVOKED');
    expect((await service.revoke(mine[0]!.record.id, null)).revoked).toBe(false);
    expect(await service.revoke('not-an-id', null)).toEqual({ revoked: false, code: null });
    const [revocations] = await env.pool.query<import('mysql2').RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM code_events WHERE event_type = 'revoked'",
    );
    expect(Number(revocations[0]!.n)).toBe(1);

    const first = await service.list({ filter: { scope: 'admin-a' }, first: 3, after: null });
    expect(first.items).toHaveLength(3);
    expect(first.hasNextPage).toBe(true);
    const second = await service.list({ filter: { scope: 'admin-a' }, first: 3, after: first.endCursor });
    expect(second.hasNextPage).toBe(false);
    const ids = [...first.items, ...second.items].map((item) => item.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(new Set(ids)).toEqual(new Set(mine.map((entry) => entry.record.id)));
    await expect(service.list({ filter: {}, first: 3, after: 'garbage' })).rejects.toMatchObject({ field: 'after' });
    await expect(service.list({ filter: {}, first: 501, after: null })).rejects.toMatchObject({ field: 'first' });

    const revokedOnly = await service.list({ filter: { scope: 'admin-a', state: 'REVOKED' }, first: 10, after: null });
    expect(revokedOnly.items.map((item) => item.id)).toEqual([mine[0]!.record.id]);
    expect(await service.stats({ scope: 'admin-a' })).toEqual({
      redeemable: 4,
      used: 0,
      revoked: 1,
      expired: 0,
      scheduled: 0,
      redemptions: 0,
    });
  });
});
