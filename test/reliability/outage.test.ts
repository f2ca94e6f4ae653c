/**
 * The database goes away under load: the server reaches MySQL through a TCP
 * proxy (test/support/tcp-proxy.ts) that the test cuts and restores.
 *
 * While cut, every request must answer within a bound with
 * TEMPORARILY_UNAVAILABLE (no hang, no crash) and /readyz must say 503; once
 * restored, the same process recovers its pool and serves again. Redeemers
 * resend a TEMPORARILY_UNAVAILABLE attempt with the same idempotencyKey, so
 * every code ends either won once, with its Redemption in a caller's hands,
 * or still redeemable.
 *
 * The unknown outcome (last test): the proxy forwards a claim's COMMIT,
 * swallows MySQL's answer to it and cuts. The claim is durable, but the
 * server cannot know. What the server does then: the store re-reads the row
 * and decides by the stored claim token hash (the hash of the caller's
 * idempotencyKey) whether this claim won; if it cannot re-read it (the
 * database is still away) it answers TEMPORARILY_UNAVAILABLE. The caller's
 * retry with the same idempotencyKey then finds the code used under that
 * key's hash and replays the original Redemption (same codeId and
 * redeemedAt); any other caller, with another key or none, gets
 * INVALID_OR_EXPIRED.
 */
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/database';
import {
  Fleet,
  type IssuedCode,
  type RedeemAnswer,
  type RedeemInput,
  type ServerInstance,
  WinLedger,
  codeRows,
  idempotencyKey,
  issueCodes,
  testNoSecretLeaks,
  outcomeName,
  redeem,
  serverErrors,
  sleep,
  tally,
  waitUntil,
  within,
} from '../support/processes';
import { type CutMode, TcpProxy } from '../support/tcp-proxy';

/** Every answer, in or out of an outage, must come within this. */
const ANSWER_BOUND_MS = 10_000;
const REDEEMERS = 4;
/** Longer than a connect attempt into the blackhole (3 s), so that some requests start and end inside the cut. */
const CUT_MS = 5_000;
const HEALTHY_MS = 700;
const CODES_PER_SCENARIO = 500;
const PACE_MS = 25;
const RETRY_PAUSE_MS = 100;
const MAX_REQUESTS_PER_SCENARIO = 3_000;

let database: TestDatabase;
let fleet: Fleet;
let proxy: TcpProxy;
let server: ServerInstance;
const issued: IssuedCode[] = [];

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_outage');
  fleet = new Fleet('outage', database);
  const mysqlServer = new URL(serverUrl());
  proxy = await TcpProxy.start({ host: mysqlServer.hostname, port: Number(mysqlServer.port || 3306) });
  const throughProxy = new URL(database.url);
  throughProxy.hostname = '127.0.0.1';
  throughProxy.port = String(proxy.port);
  server = await fleet.start('server', {
    databaseUrl: throughProxy.toString(),
    env: { DB_STATEMENT_TIMEOUT_MS: '1500', DB_POOL_SIZE: '8' },
  });
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  await proxy?.close();
  await database?.drop();
  fleet?.figures.add('faultsInjected', proxy?.faultsInjected ?? 0);
  fleet?.figures.report('outage');
});

async function issue(count: number, grantPrefix: string): Promise<IssuedCode[]> {
  const codes = await issueCodes(fleet, server.client, { count, grantPrefix });
  issued.push(...codes);
  return codes;
}

interface TimedAnswer extends RedeemAnswer {
  readonly input: RedeemInput;
  readonly sentAt: number;
  readonly answeredAt: number;
}

/**
 * A few redeemers working through a queue of codes, one redeemer (subject and
 * idempotencyKey) per code. Like a real client, a redeemer answered
 * TEMPORARILY_UNAVAILABLE tries the same code again with the same key.
 */
class RedeemLoad {
  readonly answers: TimedAnswer[] = [];
  readonly ledger = new WinLedger();
  private readonly queue: RedeemInput[];
  private stopped = false;

  constructor(codes: readonly IssuedCode[]) {
    this.queue = codes.map(({ code }, index) => ({
      code,
      subject: `redeemer ${index}`,
      idempotencyKey: idempotencyKey(),
    }));
  }

  run(): Promise<void> {
    return Promise.all(Array.from({ length: REDEEMERS }, () => this.work())).then(() => undefined);
  }

  stop(): void {
    this.stopped = true;
  }

  /** After the load: the attempts a redeemer was still retrying when stopped are sent once more. */
  async settle(): Promise<void> {
    const attempted = new Set(this.answers.map((answer) => answer.input));
    for (const input of this.queue.splice(0).filter((entry) => attempted.has(entry))) await this.attempt(input);
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.answers.length < MAX_REQUESTS_PER_SCENARIO) {
      const input = this.queue.shift();
      if (!input) return;
      const answer = await this.attempt(input);
      if (answer.outcome.kind === 'error') this.queue.unshift(input);
      // Paced, so that the codes last through the scenario and an outage is not hammered.
      await sleep(answer.outcome.kind === 'error' ? RETRY_PAUSE_MS : PACE_MS);
    }
  }

  private async attempt(input: RedeemInput): Promise<TimedAnswer> {
    const sentAt = performance.now();
    const answer = await redeem(server.client, input);
    const timed = { ...answer, input, sentAt, answeredAt: performance.now() };
    this.answers.push(timed);
    this.ledger.record(answer.outcome);
    return timed;
  }
}

function names(answers: readonly RedeemAnswer[]): Set<string> {
  return new Set(answers.map((answer) => outcomeName(answer.outcome)));
}

async function waitReady(): Promise<void> {
  await waitUntil(15_000, 'the server reports ready after restore', async () => {
    return (await server.client.readyStatus(ANSWER_BOUND_MS).catch(() => 0)) === 200;
  });
}

test.each<CutMode>(['refuse', 'blackhole'])(
  'database cut (%s) under load: bounded TEMPORARILY_UNAVAILABLE, /readyz 503, recovery without restart, no code lost',
  async (mode) => {
    const codes = await issue(CODES_PER_SCENARIO, `outage-${mode}`);
    const load = new RedeemLoad(codes);
    const running = load.run();
    await sleep(HEALTHY_MS);

    const cutAt = performance.now();
    proxy.cut(mode);
    await sleep(1_000);
    const readyWhileCut = await server.client.readyStatus(ANSWER_BOUND_MS);
    await sleep(Math.max(0, CUT_MS - (performance.now() - cutAt)));
    const restoredAt = performance.now();
    proxy.restore();
    await waitReady();
    const readyAt = performance.now();
    await sleep(HEALTHY_MS);
    load.stop();
    await within(2 * ANSWER_BOUND_MS, 'the redeemers stopping', running);
    await load.settle();

    const answers = load.answers;
    const insideCut = answers.filter((answer) => answer.sentAt >= cutAt && answer.answeredAt < restoredAt);
    const afterRecovery = answers.filter((answer) => answer.sentAt >= readyAt);
    const maxMs = Math.max(...answers.map((answer) => answer.ms));
    const verdict = load.ledger.verify(codes, await codeRows(database));
    fleet.figures.add('codesLost', verdict.lost);
    fleet.figures.add('codesWonTwice', verdict.wonTwice);
    fleet.figures.note(`${mode}: outcomes`, JSON.stringify(tally(answers.map((answer) => answer.outcome))));
    fleet.figures.note(`${mode}: max latency ms`, Math.round(maxMs));
    fleet.figures.note(`${mode}: answered inside the cut`, insideCut.length);
    fleet.figures.note(`${mode}: HTTP statuses`, [...new Set(answers.map((answer) => answer.status))].join(' '));

    expect(server.running).toBe(true);
    expect(readyWhileCut).toBe(503);
    expect(maxMs).toBeLessThan(ANSWER_BOUND_MS);
    expect(insideCut.length).toBeGreaterThan(0);
    expect(names(insideCut)).toEqual(new Set(['TEMPORARILY_UNAVAILABLE']));
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(names(afterRecovery)).toEqual(new Set(['redeemed']));
    // Only the outage may fail an attempt, and only as TEMPORARILY_UNAVAILABLE: never INVALID_OR_EXPIRED.
    expect(names(answers)).toEqual(new Set(['redeemed', 'TEMPORARILY_UNAVAILABLE']));
    expect(serverErrors(answers.filter((answer) => answer.outcome.kind !== 'error'))).toEqual([]);
    expect(verdict.problems).toEqual([]);
  },
  60_000,
);

test('COMMIT sent, answer lost: the idempotent retry gets the Redemption, nobody else wins, one use in the database', async () => {
  const [target] = await issue(1, 'outage-commit');
  const key = idempotencyKey();
  const mine: RedeemInput = { code: target!.code, subject: 'committer', idempotencyKey: key };
  const ledger = new WinLedger();

  const trapped = proxy.cutAfterNextCommit();
  const first = await within(ANSWER_BOUND_MS, 'the answer to the cut-off claim', redeem(server.client, mine));
  // Without this the test would prove nothing: the cut must have come after MySQL committed.
  await within(1_000, 'the COMMIT trap', trapped);
  proxy.restore();
  await waitReady();
  const retry = await redeem(server.client, mine);
  const otherKey = await redeem(server.client, { ...mine, subject: 'intruder', idempotencyKey: idempotencyKey() });
  const noKey = await redeem(server.client, { code: target!.code, subject: 'intruder' });
  [first, retry, otherKey, noKey].forEach((answer) => ledger.record(answer.outcome));
  const rows = await codeRows(database);
  const verdict = ledger.verify([target!], rows);
  fleet.figures.add('codesLost', verdict.lost);
  fleet.figures.add('codesWonTwice', verdict.wonTwice);
  fleet.figures.note('commit cut: first answer', outcomeName(first.outcome));

  expect(['TEMPORARILY_UNAVAILABLE', 'redeemed']).toContain(outcomeName(first.outcome));
  expect(retry.outcome).toMatchObject({ kind: 'redeemed', codeId: target!.id, subject: 'committer' });
  if (first.outcome.kind === 'redeemed') expect(retry.outcome).toEqual(first.outcome);
  expect(otherKey.outcome).toEqual({ kind: 'failure', reason: 'INVALID_OR_EXPIRED', retryAfterSeconds: null });
  expect(noKey.outcome).toEqual({ kind: 'failure', reason: 'INVALID_OR_EXPIRED', retryAfterSeconds: null });
  expect(rows.get(target!.id)).toMatchObject({ usedBy: 'committer', redemptions: 1, redemptionCount: 1 });
  expect(verdict.problems).toEqual([]);
}, 60_000);

testNoSecretLeaks(
  () => fleet,
  () => issued,
);
