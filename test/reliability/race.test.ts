/**
 * Two server processes on one database; every code is contested by 20
 * redeemers spread over both, released together. Each code must end with
 * exactly one Redemption among the answers, exactly one used row, and that
 * row must name the very redeemer who was told it won.
 *
 * All redeemers come from 127.0.0.1, so the servers trust X-Forwarded-For and
 * each redeemer sends its own address; the scope limit is lifted, since every
 * lost race counts as a failure of the code's scope bucket.
 *
 * A wave is the w-th code of each of 50 scopes (see issueWaves), cut into
 * groups of three. A redeemer contests the three codes of its group in one
 * operation (three redeemCode aliases, as a client may): the same 20
 * redemptions per code, in a third of the HTTP requests, which is what keeps
 * 20 000 redemptions affordable on a shared two-core machine. Every redeemer
 * of a group holds a code at the same alias position, so its 20 contenders
 * still arrive together.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  Fleet,
  type IssuedCode,
  type RedeemManyAnswer,
  type ServerInstance,
  WinLedger,
  codeRows,
  issueWaves,
  testNoSecretLeaks,
  redeemMany,
  serverErrors,
  tally,
  uniqueAddress,
} from '../support/processes';

const SCOPES = 50;
const CODES_PER_SCOPE = 20;
const CODES = SCOPES * CODES_PER_SCOPE;
const REDEEMERS_PER_CODE = 20;
const CODES_PER_OPERATION = 3;
const ANSWERS = ['redeemed', 'INVALID_OR_EXPIRED', 'RATE_LIMITED'];

const SERVER_ENV = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_MAX_FAILURES: '1000',
  RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000',
  DB_POOL_SIZE: '12',
};

let database: TestDatabase;
let fleet: Fleet;
let instances: ServerInstance[];
/** waves[w]: the w-th code of every scope, contested at once: 50 × 20 redemptions, over 2 × 64 sockets. */
let waves: IssuedCode[][];

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_race');
  fleet = new Fleet('race', database);
  // Started together: both run the migrations at once, as a rolling deploy would.
  instances = await Promise.all(['a', 'b'].map((name) => fleet.start(name, { env: SERVER_ENV })));
  waves = await issueWaves(
    fleet,
    instances.map((instance) => instance.client),
    { scopes: SCOPES, perScope: CODES_PER_SCOPE, grantPrefix: 'race' },
  );
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  await database?.drop();
  fleet?.figures.report('race');
});

function groupsOf(codes: readonly IssuedCode[]): IssuedCode[][] {
  return Array.from({ length: Math.ceil(codes.length / CODES_PER_OPERATION) }, (_, group) =>
    codes.slice(group * CODES_PER_OPERATION, (group + 1) * CODES_PER_OPERATION),
  );
}

/**
 * The redeemers of each group, by address: distinct clients, each contesting
 * one group per wave, so that no client's rate-limit row is written twice at once.
 */
const redeemers = Array.from({ length: Math.ceil(SCOPES / CODES_PER_OPERATION) }, () =>
  Array.from({ length: REDEEMERS_PER_CODE }, uniqueAddress),
);

/** Every redeemer of every group of the wave at once; redeemer r goes to instance r mod 2. */
function contest(codes: readonly IssuedCode[]): Promise<RedeemManyAnswer[]> {
  return Promise.all(
    groupsOf(codes).flatMap((group, groupIndex) =>
      redeemers[groupIndex]!.map((address, redeemer) => {
        const inputs = group.map(({ code, scope }) => ({ code, scope, subject: `redeemer ${address}` }));
        return redeemMany(instances[redeemer % 2]!.client, inputs, address);
      }),
    ),
  );
}

test(`${CODES} codes × ${REDEEMERS_PER_CODE} redeemers over two instances: exactly one winner per code, in the answers and in the database`, async () => {
  const started = performance.now();
  const answers: RedeemManyAnswer[] = [];
  for (const wave of waves) answers.push(...(await contest(wave)));
  const outcomes = answers.flatMap((answer) => answer.outcomes);
  const ledger = new WinLedger();
  outcomes.forEach((outcome) => ledger.record(outcome));
  const rows = await codeRows(database);
  const verdict = ledger.verify(waves.flat(), rows);

  const counts = tally(outcomes);
  fleet.figures.add('codesLost', verdict.lost);
  fleet.figures.add('codesWonTwice', verdict.wonTwice);
  fleet.figures.note('redemption attempts', outcomes.length);
  fleet.figures.note('outcomes', JSON.stringify(counts));
  fleet.figures.note('max latency ms', Math.round(Math.max(...answers.map((answer) => answer.ms))));
  fleet.figures.note('contest seconds', ((performance.now() - started) / 1000).toFixed(1));

  expect(outcomes.length).toBe(CODES * REDEEMERS_PER_CODE);
  expect(serverErrors(answers)).toEqual([]);
  expect(verdict.problems).toEqual([]);
  expect(counts.redeemed).toBe(CODES);
  expect([...rows.values()].filter((row) => row.usedAt === null)).toEqual([]);
  // Losers hear INVALID_OR_EXPIRED (or RATE_LIMITED); no caller gets an error instead of an answer.
  expect(Object.keys(counts).filter((name) => !ANSWERS.includes(name))).toEqual([]);
}, 240_000);

testNoSecretLeaks(
  () => fleet,
  () => waves.flat(),
);
