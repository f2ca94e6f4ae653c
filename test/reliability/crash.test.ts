/**
 * kill -9 of a server process, twice over:
 * - under redeem load spread over two instances: the survivor carries on, a
 *   restarted instance serves, and no code is won twice or lost. A redeemer
 *   whose request died with its instance resends it to the survivor with the
 *   same idempotencyKey, as a real client would: if the dead instance's claim
 *   had committed, the survivor replays that Redemption instead.
 * - in the middle of issueCodes batches: a batch is in the database whole or
 *   not at all. "In the middle" is seen in MySQL itself: the kill comes once
 *   an issuing transaction has written rows but not yet committed.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  Fleet,
  type IssuedCode,
  type RedeemAnswer,
  type ServerInstance,
  WinLedger,
  batchGrant,
  codeRows,
  idempotencyKey,
  issueBatch,
  issueWaves,
  testNoSecretLeaks,
  outcomeName,
  redeem,
  serverErrors,
  sleep,
  tally,
  uniqueAddress,
  waitUntil,
  withConnection,
} from '../support/processes';

const SERVER_ENV = { TRUST_PROXY: 'true', RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000', DB_POOL_SIZE: '8' };
const CODES_PER_WAVE = 20;
/** Two redeemers per code on each instance. */
const REDEEMERS_PER_CODE = 4;
const WAVES_PER_PHASE = 5;
const BATCH = 5_000;
const KILL_CYCLES = 2;
const ANSWERS = ['redeemed', 'INVALID_OR_EXPIRED', 'RATE_LIMITED'];

let database: TestDatabase;
let fleet: Fleet;
let survivor: ServerInstance;
let victim: ServerInstance;
const issued: IssuedCode[] = [];

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_crash');
  fleet = new Fleet('crash', database);
  [survivor, victim] = await Promise.all(['survivor', 'victim'].map((name) => fleet.start(name, { env: SERVER_ENV })));
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  await database?.drop();
  fleet?.figures.report('crash');
});

async function killVictim(): Promise<void> {
  await victim.kill();
  fleet.figures.add('faultsInjected');
}

async function restartVictim(): Promise<void> {
  victim = await fleet.start('victim', { env: SERVER_ENV, port: victim.port });
}

interface Attempt {
  readonly instance: ServerInstance;
  readonly answer: RedeemAnswer;
  /** The first instance died under this request; `answer` is the survivor's. */
  readonly resent: boolean;
}

/** One redeemer: its own address, subject and idempotencyKey; resent to the survivor if its instance dies. */
async function attempt(instance: ServerInstance, code: string): Promise<Attempt> {
  const address = uniqueAddress();
  const input = { code, subject: `redeemer ${address}`, idempotencyKey: idempotencyKey() };
  try {
    return { instance, answer: await redeem(instance.client, input, address), resent: false };
  } catch (transportFailure) {
    if (!(await instance.exitsWithin(2_000))) throw transportFailure;
    return { instance: survivor, answer: await redeem(survivor.client, input, address), resent: true };
  }
}

/** A wave of codes, each contested by redeemers on both instances at once. */
function wave(codes: readonly IssuedCode[]): Promise<Attempt[]> {
  const instances = [survivor, victim];
  return Promise.all(
    codes.flatMap(({ code }) =>
      Array.from({ length: REDEEMERS_PER_CODE }, (_, redeemer) => attempt(instances[redeemer % 2]!, code)),
    ),
  );
}

/** The next WAVES_PER_PHASE waves of `queue`, one after another; `during` runs while the first is in flight. */
async function phase(queue: IssuedCode[][], during?: () => Promise<void>): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (const [index, codes] of queue.splice(0, WAVES_PER_PHASE).entries()) {
    const running = wave(codes);
    if (index === 0) await during?.();
    attempts.push(...(await running));
  }
  return attempts;
}

test('kill -9 of one of two instances under redeem load: the other carries on, a restarted one serves, no code won twice', async () => {
  const queue = await issueWaves(fleet, [survivor.client], {
    scopes: CODES_PER_WAVE,
    perScope: 3 * WAVES_PER_PHASE,
    grantPrefix: 'crash-redeem',
  });
  const contested = queue.flat();
  issued.push(...contested);

  const before = await phase(queue);
  // Killed while the first wave of this phase is in flight on it.
  const during = await phase(queue, async () => {
    await sleep(30);
    await killVictim();
  });
  await restartVictim();
  const after = await phase(queue);

  const all = [...before, ...during, ...after];
  const ledger = new WinLedger();
  all.forEach(({ answer }) => ledger.record(answer.outcome));
  const verdict = ledger.verify(contested, await codeRows(database));
  const answers = all.map(({ answer }) => answer);
  fleet.figures.add('codesLost', verdict.lost);
  fleet.figures.add('codesWonTwice', verdict.wonTwice);
  fleet.figures.note('redeem: outcomes', JSON.stringify(tally(answers.map((answer) => answer.outcome))));
  fleet.figures.note('redeem: requests resent after the kill', all.filter((entry) => entry.resent).length);

  expect(serverErrors(answers)).toEqual([]);
  expect(answers.map((answer) => outcomeName(answer.outcome)).filter((name) => !ANSWERS.includes(name))).toEqual([]);
  // Some requests did die with the victim (else the kill proved nothing), and every one of them was answered by the survivor.
  expect(during.some((entry) => entry.resent)).toBe(true);
  expect(after.filter((entry) => entry.instance === victim).length).toBe(after.length / 2);
  expect(after.every((entry) => !entry.resent)).toBe(true);
  expect(verdict.problems).toEqual([]);
  const used = [...(await codeRows(database)).values()].filter((row) => row.usedAt !== null);
  expect(used.length).toBe(contested.length);
}, 120_000);

/**
 * InnoDB refreshes what information_schema.innodb_trx shows only after 0.1 s
 * without a read of it: polled faster, it would show the same stale rows forever.
 */
const INNODB_TRX_POLL_MS = 120;

/**
 * Waits until `accept` holds for this file's open transactions (how many rows
 * each has written so far), or until `settled()` says there is nothing left
 * to wait for.
 */
async function awaitTransactions(
  what: string,
  accept: (rowsWritten: number[]) => boolean,
  settled: () => boolean = () => false,
): Promise<void> {
  await withConnection(database, (connection) =>
    waitUntil(
      15_000,
      what,
      async () => {
        const [rows] = await connection.query<RowDataPacket[]>(
          `SELECT t.trx_rows_modified AS modified FROM information_schema.innodb_trx t
             JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = ?`,
          [database.name],
        );
        return settled() || accept(rows.map((row) => Number(row.modified)));
      },
      INNODB_TRX_POLL_MS,
    ),
  );
}

/**
 * Starts batches on the victim until one is seen writing rows before its
 * COMMIT, and returns that one. On a loaded machine a batch can commit
 * between two polls: such a batch was answered, and must be whole.
 */
async function batchCaughtWriting(cycle: number, answeredGrants: string[]) {
  for (let attempt = 0; ; attempt++) {
    const grant = batchGrant('crash-batch', 100 * cycle + attempt + 1);
    let answered: IssuedCode[] | null = null;
    const pending = issueBatch(fleet, victim.client, { count: BATCH, grant }).then(
      (codes) => (answered = codes),
      () => null,
    );
    await awaitTransactions(
      'an issuing transaction wrote rows',
      (written) => written.some((rows) => rows > 0),
      () => answered !== null,
    );
    if (answered === null || attempt === 4) return { grant, pending };
    issued.push(...(answered as IssuedCode[]));
    answeredGrants.push(grant);
  }
}

test(`kill -9 in the middle of issueCodes batches of ${BATCH}: every batch is in the database whole or not at all`, async () => {
  const answeredGrants: string[] = [];
  const cutOffGrants: string[] = [];
  for (let cycle = 0; cycle < KILL_CYCLES; cycle++) {
    const whole = await issueBatch(fleet, victim.client, {
      count: BATCH,
      grant: batchGrant('crash-batch', 100 * cycle),
    });
    issued.push(...whole);
    answeredGrants.push(whole[0]!.grant);

    // The window between the first rows written and the COMMIT is a few hundred ms: a few polls.
    const { grant, pending } = await batchCaughtWriting(cycle, answeredGrants);
    await killVictim();
    const answer = await pending;
    if (answer) {
      // The kill lost the race with the COMMIT: then the batch was answered and must be whole.
      issued.push(...answer);
      answeredGrants.push(grant);
    } else cutOffGrants.push(grant);
    await awaitTransactions('MySQL rolled back the dead connection', (written) => written.every((rows) => rows === 0));
    await restartVictim();
  }

  const batches = await withConnection(database, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT grant_payload AS grantPayload, created_at, COUNT(*) AS codes FROM codes
        WHERE grant_payload LIKE 'crash-batch-%' GROUP BY grant_payload, created_at`,
    );
    return rows.map((row) => ({ grant: row.grantPayload as string, codes: Number(row.codes) }));
  });
  const visible = batches.map((batch) => batch.grant);
  fleet.figures.note('batches: cut off by kill -9', cutOffGrants.length);
  fleet.figures.note('batches: cut off and absent', cutOffGrants.filter((grant) => !visible.includes(grant)).length);

  expect(batches.filter((batch) => batch.codes !== BATCH)).toEqual([]);
  expect(new Set(visible).size).toBe(visible.length);
  expect(answeredGrants.filter((grant) => !visible.includes(grant))).toEqual([]);
  expect(cutOffGrants.length).toBeGreaterThan(0);
}, 120_000);

testNoSecretLeaks(
  () => fleet,
  () => issued,
);
