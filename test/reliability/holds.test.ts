/**
 * kill -9 between hold and confirm, over two instances on one database: the
 * holds the dead instance made stay holds; a cart that moves to the survivor
 * confirms its hold there; the rest expire by themselves, their uses come
 * back without anybody sweeping, and the sweeps of both instances (the
 * survivor and the restarted one) record each expiry exactly once. At no
 * point do holds and redemptions together exceed the code's uses.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  Fleet,
  type HttpClient,
  type ServerInstance,
  fromAddress,
  idempotencyKey,
  redeem,
  serverErrors,
  sleep,
  tally,
  testNoSecretLeaks,
  uniqueAddress,
  waitUntil,
  withConnection,
} from '../support/processes';

const SERVER_ENV = { TRUST_PROXY: 'true', RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000', DB_POOL_SIZE: '8' };
const USES = 50;
const HOLDS = 40;
const CONFIRMED = 10;
const HOLD_TTL_SECONDS = 4;
/** The server sweeps every 15 s; the issue allows a minute. */
const SWEEP_WITHIN_MS = 60_000;

const ISSUE = `mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code record { id } } }`;
const HOLD = `mutation Hold($input: HoldCodeInput!) {
  holdCode(input: $input) { __typename ... on Hold { holdId expiresAt } ... on RedeemFailure { reason } }
}`;
const CONFIRM = `mutation Confirm($holdId: ID!) {
  confirmHold(holdId: $holdId) { __typename ... on Redemption { id codeId } ... on RedeemFailure { reason } }
}`;
const COUNTS = `query Code($id: ID!) { code(id: $id) { state redemptionCount heldCount } }`;

let database: TestDatabase;
let fleet: Fleet;
let survivor: ServerInstance;
let victim: ServerInstance;
const issued: { code: string; grant: string }[] = [];

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_holds');
  fleet = new Fleet('holds', database);
  [survivor, victim] = await Promise.all(['survivor', 'victim'].map((name) => fleet.start(name, { env: SERVER_ENV })));
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  await database?.drop();
  fleet?.figures.report('holds');
});

interface Answer {
  readonly status: number;
  readonly typename: string;
  readonly value: Record<string, unknown>;
}

async function call(client: HttpClient, query: string, variables: Record<string, unknown>, headers = {}) {
  const response = await client.graphql(query, variables, headers);
  const value = (Object.values(response.body.data ?? {})[0] ?? {}) as Record<string, unknown>;
  return { status: response.status, typename: String(value.__typename ?? response.body.errors?.[0]?.message), value };
}

const hold = (client: HttpClient, code: string, cart: number): Promise<Answer> =>
  call(
    client,
    HOLD,
    { input: { code, subject: `cart-${cart}`, ttlSeconds: HOLD_TTL_SECONDS, idempotencyKey: idempotencyKey() } },
    fromAddress(uniqueAddress()),
  );

const confirm = (client: HttpClient, holdId: string): Promise<Answer> =>
  call(client, CONFIRM, { holdId }, fromAddress(uniqueAddress()));

async function counts(id: string): Promise<{ state: string; redemptionCount: number; heldCount: number }> {
  const answer = await call(survivor.client, COUNTS, { id }, fleet.adminHeaders);
  return answer.value as never;
}

async function redeemAll(code: string, count: number) {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      redeem(survivor.client, { code, subject: `walk-in-${index}`, idempotencyKey: idempotencyKey() }, uniqueAddress()),
    ),
  );
  return { answers, won: answers.filter((answer) => answer.outcome.kind === 'redeemed').length };
}

/** The code's holds by stored status; the code is found by its grant, unique to this file. */
async function holdRows(grant: string): Promise<Record<string, number>> {
  return withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT status, COUNT(*) AS n FROM holds WHERE code_id = (SELECT id FROM codes WHERE grant_payload = ?) GROUP BY status',
      [grant],
    );
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  });
}

test('kill -9 between hold and confirm: confirmed holds count once, the rest expire and give their uses back, each expiry recorded once', async () => {
  const grant = `holds-grant-${idempotencyKey()}`;
  const created = await call(
    survivor.client,
    ISSUE,
    { input: { purpose: null, grant, maxRedemptions: USES } },
    fleet.adminHeaders,
  );
  const { code, record } = created.value as { code: string; record: { id: string } };
  issued.push({ code, grant });

  const holds = await Promise.all(Array.from({ length: HOLDS }, (_, cart) => hold(victim.client, code, cart)));
  expect(holds.map((answer) => answer.typename)).toEqual(holds.map(() => 'Hold'));
  const holdIds = holds.map((answer) => String(answer.value.holdId));
  await victim.kill();
  fleet.figures.add('faultsInjected');

  // The carts of the dead instance move to the survivor: a holdId works on any instance.
  const confirmations = await Promise.all(
    holdIds.slice(0, CONFIRMED).map((holdId) => confirm(survivor.client, holdId)),
  );
  expect(confirmations.map((answer) => answer.typename)).toEqual(confirmations.map(() => 'Redemption'));
  const again = await confirm(survivor.client, holdIds[0]!);
  expect(again.value.id).toBe(confirmations[0]!.value.id);
  expect(await counts(record.id)).toMatchObject({ redemptionCount: CONFIRMED, heldCount: HOLDS - CONFIRMED });

  // While the other holds are live, only the uses nobody holds can be won.
  const whileHeld = await redeemAll(code, 30);
  expect(whileHeld.won).toBe(USES - HOLDS);

  await sleep(HOLD_TTL_SECONDS * 1000 + 200);
  const late = await Promise.all(
    holdIds.slice(CONFIRMED, CONFIRMED + 5).map((holdId) => confirm(survivor.client, holdId)),
  );
  expect(late.map((answer) => answer.value.reason)).toEqual(late.map(() => 'INVALID_OR_EXPIRED'));
  // Expired holds are free at once, before any sweep has recorded them.
  expect(await counts(record.id)).toMatchObject({ heldCount: 0, redemptionCount: USES - HOLDS + CONFIRMED });
  const afterExpiry = await redeemAll(code, 60);
  expect(afterExpiry.won).toBe(HOLDS - CONFIRMED);
  expect(await counts(record.id)).toMatchObject({ state: 'USED', redemptionCount: USES, heldCount: 0 });

  // The restarted instance sweeps alongside the survivor; each expiry is recorded once.
  victim = await fleet.start('victim', { env: SERVER_ENV, port: victim.port });
  const expired = HOLDS - CONFIRMED;
  const sweepStarted = Date.now();
  await waitUntil(SWEEP_WITHIN_MS, 'every expiry recorded', async () => (await holdRows(grant)).expired === expired);
  const expiryEntries = await withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      "SELECT hold_ref, COUNT(*) AS n FROM code_events WHERE event_type = 'hold_released' AND reason = 'expired' GROUP BY hold_ref",
    );
    return rows.map((row) => Number(row.n));
  });
  expect(expiryEntries).toHaveLength(expired);
  expect(expiryEntries.every((n) => n === 1)).toBe(true);
  expect(await holdRows(grant)).toEqual({ confirmed: CONFIRMED, expired });

  const redemptions = await withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM redemptions r JOIN codes c ON c.id = r.code_id WHERE c.grant_payload = ? AND r.reversed_at IS NULL',
      [grant],
    );
    return Number(rows[0]!.n);
  });
  expect(redemptions).toBe(USES);
  fleet.figures.add('codesLost', USES - Math.min(redemptions, USES));
  fleet.figures.add('codesWonTwice', Math.max(0, redemptions - USES));

  const answers = [...whileHeld.answers, ...afterExpiry.answers];
  expect(serverErrors([...answers, ...holds, ...confirmations, ...late])).toEqual([]);
  fleet.figures.note('holds made, then kill -9 of their instance', HOLDS);
  fleet.figures.note('holds confirmed on the survivor', CONFIRMED);
  fleet.figures.note('holds expired, each recorded once', expired);
  fleet.figures.note('expiries recorded within (s)', ((Date.now() - sweepStarted) / 1000).toFixed(1));
  fleet.figures.note('redeem: outcomes', JSON.stringify(tally(answers.map((answer) => answer.outcome))));
  fleet.figures.note('uses redeemed of the code', `${redemptions} of ${USES}`);
}, 120_000);

testNoSecretLeaks(
  () => fleet,
  () => issued,
);
