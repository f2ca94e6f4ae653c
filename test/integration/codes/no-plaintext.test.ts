import type { RowDataPacket } from 'mysql2';
import { issueOptions, openTestService, type TestService } from '../../support/service';

let env: TestService;

beforeAll(async () => {
  env = await openTestService();
});
afterAll(() => env.close());

test('no table holds a plaintext code in any column', async () => {
  const services = env.services();
  const issued = await services.admin.issueMany(
    200,
    issueOptions({ purpose: 'invite', scope: 'scan', grant: 'seat-7', maxRedemptions: 3 }),
  );
  await services.redeemer.redeem({
    code: issued[0]!.code,
    subject: 'scanner',
    purpose: 'invite',
    scope: 'scan',
    idempotencyKey: 'scan-idempotency-key',
    client: { clientKey: 'scan' },
  });
  const held = await services.holds.hold({
    code: issued[1]!.code,
    subject: 'scanner',
    purpose: 'invite',
    scope: 'scan',
    idempotencyKey: 'scan-hold-idempotency-key',
    ttlSeconds: null,
    client: { clientKey: 'scan' },
  });
  if (held.kind !== 'held') throw new Error('expected a hold');
  await services.holds.confirm({ holdId: held.hold.holdId, client: { clientKey: 'scan' } });
  // The holdId is a capability like a code: stored only as a keyed hash, and never in the clear.
  const plaintexts = [
    ...issued.flatMap(({ code }) => [code, code.replace('-', '')]),
    held.hold.holdId,
    held.hold.holdId.slice('hold_'.length),
    Buffer.from(held.hold.holdId.slice('hold_'.length), 'base64url').toString('latin1'),
    'scan-idempotency-key',
    'scan-hold-idempotency-key',
  ];
  const [tables] = await env.pool.query<RowDataPacket[]>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
  );
  expect(tables.length).toBeGreaterThanOrEqual(4);
  for (const { name } of tables) {
    const [rows] = await env.pool.query<RowDataPacket[]>(`SELECT * FROM \`${String(name)}\``);
    for (const row of rows) {
      for (const value of Object.values(row)) {
        const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
        const leaked = plaintexts.find((plaintext) => text.includes(plaintext));
        expect(leaked).toBeUndefined();
      }
    }
  }
});
