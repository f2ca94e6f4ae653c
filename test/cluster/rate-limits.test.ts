/**
 * Rate limits shared by three instances on three nodes. The buckets live in
 * one table that every node writes, so the counts are the cluster's, not a
 * node's: one client guessing through all three instances gets exactly
 * RATE_LIMIT_MAX_FAILURES evaluated failures, and a scope's bucket, one row
 * written by every failed attempt on every node, counts every failure once
 * and never turns an answer into TEMPORARILY_UNAVAILABLE, however hard
 * certification contests it.
 */
import { randomInt } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  type RedeemAnswer,
  type RedeemOutcome,
  WinLedger,
  issueCodes,
  redeem,
  redeemMany,
  serverErrors,
  tally,
  uniqueAddress,
} from '../support/processes';
import { Cluster } from './support/cluster';
import { ClusterFigures } from './support/figures';
import { type NodeInstances, clusterConflicts, codeRowsOn, startOnEveryNode } from './support/instances';

const MAX_FAILURES = 10;
const GUESSERS = 5;
const OPERATIONS_PER_GUESSER = 21;
const ALIASES = 3;
const HOT_CODES = 300;
const HOT_REDEEMERS = 30;
const CODES_PER_WAVE = 30;
const HOT_SCOPE = 'cluster-hot';

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let database: TestDatabase;
let running: NodeInstances;

beforeAll(async () => {
  database = await createTestDatabase('cc_cluster_limits');
  running = await startOnEveryNode(cluster, database, 'cluster-rate-limits', {
    TRUST_PROXY: 'true',
    RATE_LIMIT_MAX_FAILURES: String(MAX_FAILURES),
    // The hot race counts every lost race against its scope: lifted, so that each one is answered and counted.
    RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000',
    RATE_LIMIT_WINDOW_SECONDS: '300',
    DB_POOL_SIZE: '12',
  });
}, 60_000);

afterAll(async () => {
  await running?.fleet.stopAll();
  await database?.drop();
  figures.report('rate-limits');
});

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A well-formed code that was never issued (one in 31^8 chance otherwise). */
function guess(): string {
  const symbols = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${symbols.slice(0, 4).join('')}-${symbols.slice(4).join('')}`;
}

function instanceClient(index: number): NodeInstances['instances'][number]['client'] {
  return running.instances[index % running.instances.length]!.client;
}

test(`${GUESSERS} clients, each guessing ${OPERATIONS_PER_GUESSER * ALIASES} times at once through all three instances: each gets exactly ${MAX_FAILURES} evaluated failures`, async () => {
  const guessers = Array.from({ length: GUESSERS }, uniqueAddress);
  const perGuesser = await Promise.all(
    guessers.map(async (address, guesser) => {
      const operations = Array.from({ length: OPERATIONS_PER_GUESSER }, (_, index) =>
        redeemMany(
          instanceClient(index),
          Array.from({ length: ALIASES }, () => ({ code: guess(), scope: `cluster-guess-${guesser}` })),
          address,
        ),
      );
      const answers = await Promise.all(operations);
      return { answers, outcomes: answers.flatMap((answer) => answer.outcomes) };
    }),
  );
  const counts = perGuesser.map(({ outcomes }) => tally(outcomes));
  figures.note('one client: guesses each', OPERATIONS_PER_GUESSER * ALIASES);
  figures.note('one client: outcomes per client', counts.map((count) => JSON.stringify(count)).join(' '));

  for (const [index, { answers, outcomes }] of perGuesser.entries()) {
    expect(serverErrors(answers)).toEqual([]);
    expect(counts[index]).toEqual({ INVALID_OR_EXPIRED: MAX_FAILURES, RATE_LIMITED: outcomes.length - MAX_FAILURES });
  }
}, 60_000);

/** The largest count in the buckets table: the hot scope's row (a client's row counts at most its own failures). */
async function hottestBucket(): Promise<number> {
  const connection = await cluster.node(2).connect(database.name);
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT MAX(failures) AS failures FROM rate_limit_buckets');
    return Number(rows[0]!.failures);
  } finally {
    await connection.end();
  }
}

test(`a plain race of ${HOT_CODES * HOT_REDEEMERS} answers in one scope over three instances: ${HOT_CODES} wins, every failure counted in the scope's one row, no TEMPORARILY_UNAVAILABLE`, async () => {
  const codes = await issueCodes(running.fleet, instanceClient(0), {
    count: HOT_CODES,
    scope: HOT_SCOPE,
    grantPrefix: HOT_SCOPE,
  });
  const conflictsBefore = await clusterConflicts(cluster);
  const started = performance.now();
  const answers: RedeemAnswer[] = [];
  for (let first = 0; first < codes.length; first += CODES_PER_WAVE) {
    const wave = codes.slice(first, first + CODES_PER_WAVE).flatMap(({ code }) =>
      // Redeemer r goes to instance r mod 3: each code is contested from all three nodes. Each redeemer is a
      // client of its own, so that only the scope's row is hot and no client's own limit answers for it.
      Array.from({ length: HOT_REDEEMERS }, (_, redeemer) => {
        const address = uniqueAddress();
        return redeem(instanceClient(redeemer), { code, scope: HOT_SCOPE, subject: `hot ${address}` }, address);
      }),
    );
    answers.push(...(await Promise.all(wave)));
  }
  const seconds = (performance.now() - started) / 1000;
  const conflicts = (await clusterConflicts(cluster)) - conflictsBefore;
  const outcomes: RedeemOutcome[] = answers.map((answer) => answer.outcome);
  const counts = tally(outcomes);
  const ledger = new WinLedger();
  outcomes.forEach((outcome) => ledger.record(outcome));
  const verdict = ledger.verify(codes, await codeRowsOn(cluster.node(3), database));
  const scopeCount = await hottestBucket();

  figures.note('hot scope: answers', outcomes.length);
  figures.note('hot scope: outcomes', JSON.stringify(counts));
  figures.note('hot scope: failures counted in its row', scopeCount);
  figures.note('hot scope: certification conflicts on the nodes', conflicts);
  figures.note('hot scope: seconds', seconds.toFixed(1));
  figures.note('hot scope: max latency ms', Math.round(Math.max(...answers.map((answer) => answer.ms))));

  expect(serverErrors(answers)).toEqual([]);
  expect(counts).toEqual({ redeemed: HOT_CODES, INVALID_OR_EXPIRED: HOT_CODES * (HOT_REDEEMERS - 1) });
  expect(verdict.problems).toEqual([]);
  expect(scopeCount).toBe(HOT_CODES * (HOT_REDEEMERS - 1));
  expect(conflicts).toBeGreaterThan(0);
}, 180_000);
