import type { RowDataPacket } from 'mysql2';
import { openTestService, type TestService } from '../../support/service';

let env: TestService;

beforeAll(async () => {
  env = await openTestService();
});
afterAll(() => env.close());

test('no table holds a plaintext code in any column', async () => {
  const service = env.service();
  const issued = await service.issueMany(200, { purpose: 'invite', scope: 'scan', grant: 'seat-7', ttlSeconds: null });
  await service.redeem({
    code: issued[0]!.code,
    subject: 'scanner',
    purpose: 'invite',
    scope: 'scan',
    idempotencyKey: 'scan-idempotency-key',
    client: { clientKey: 'scan' },
  });
  const plaintexts = issued.flatMap(({ code }) => [code, code.replace('-', '')]);
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
