/**
 * Three claimcheck instances, one per node, and redeemers spread over all
 * three: every contest runs its claims on three nodes at once, where
 * certification, not a row lock, picks the winner at COMMIT (see
 * multi-primary.test.ts). A certification failure must end as a retried
 * transaction or a lost race: never a second win, never an error to the
 * caller. Wins are held against the rows, read causally on one node.
 *
 * As in the reliability race, redeemers send their own X-Forwarded-For
 * address and the scope limit is lifted: every lost race counts as a failure.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  type IssuedCode,
  type RedeemManyAnswer,
  WinLedger,
  issueWaves,
  redeem,
  redeemMany,
  serverErrors,
  tally,
  uniqueAddress,
} from '../support/processes';
import { Cluster } from './support/cluster';
import { ClusterFigures } from './support/figures';
import {
  type NodeInstances,
  activeHoldSubjectsOn,
  clusterConflicts,
  codeRowsOn,
  holdCode,
  issueMultiUse,
  redemptionSubjectsOn,
  startOnEveryNode,
} from './support/instances';

const SCOPES = 50;
const CODES_PER_SCOPE = 20;
const CODES = SCOPES * CODES_PER_SCOPE;
const REDEEMERS_PER_CODE = 30;
const CODES_PER_OPERATION = 3;
const MULTI_USES = 20;
const MULTI_REDEEMERS = 200;
const HOLD_USES = 5;
const HOLDERS = 60;
/** The answers a caller may get from a contest: anything else is an error in place of an answer. */
const ANSWERS = ['redeemed', 'INVALID_OR_EXPIRED', 'RATE_LIMITED'];

const SERVER_ENV = {
  TRUST_PROXY: 'true',
  RATE_LIMIT_MAX_FAILURES: '1000',
  RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000',
  DB_POOL_SIZE: '12',
};

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let database: TestDatabase;
let running: NodeInstances;

beforeAll(async () => {
  database = await createTestDatabase('cc_cluster_redeem');
  running = await startOnEveryNode(cluster, database, 'cluster-redemption', SERVER_ENV);
}, 60_000);

afterAll(async () => {
  await running?.fleet.stopAll();
  await database?.drop();
  figures.report('redemption');
});

function clientOf(index: number): NodeInstances['instances'][number]['client'] {
  return running.instances[index % running.instances.length]!.client;
}

function groupsOf(codes: readonly IssuedCode[]): IssuedCode[][] {
  return Array.from({ length: Math.ceil(codes.length / CODES_PER_OPERATION) }, (_, group) =>
    codes.slice(group * CODES_PER_OPERATION, (group + 1) * CODES_PER_OPERATION),
  );
}

test(`${CODES} codes × ${REDEEMERS_PER_CODE} redeemers over three instances on three nodes: exactly ${CODES} wins, each the database's`, async () => {
  const waves = await issueWaves(
    running.fleet,
    running.instances.map((instance) => instance.client),
    { scopes: SCOPES, perScope: CODES_PER_SCOPE, grantPrefix: 'cluster-race' },
  );
  // Distinct clients per group, each contesting one group per wave; redeemer r goes to instance r mod 3.
  const redeemers = groupsOf(waves[0]!).map(() => Array.from({ length: REDEEMERS_PER_CODE }, uniqueAddress));
  const conflictsBefore = await clusterConflicts(cluster);
  const started = performance.now();
  const answers: RedeemManyAnswer[] = [];
  for (const wave of waves) {
    const contest = groupsOf(wave).flatMap((group, groupIndex) =>
      redeemers[groupIndex]!.map((address, redeemer) => {
        const inputs = group.map(({ code, scope }) => ({ code, scope, subject: `redeemer ${address}` }));
        return redeemMany(clientOf(redeemer), inputs, address);
      }),
    );
    answers.push(...(await Promise.all(contest)));
  }
  const seconds = (performance.now() - started) / 1000;
  const conflicts = (await clusterConflicts(cluster)) - conflictsBefore;
  const outcomes = answers.flatMap((answer) => answer.outcomes);
  const ledger = new WinLedger();
  outcomes.forEach((outcome) => ledger.record(outcome));
  const rows = await codeRowsOn(cluster.node(1), database);
  const verdict = ledger.verify(waves.flat(), rows);
  const counts = tally(outcomes);

  figures.note('race: redemption attempts', outcomes.length);
  figures.note('race: outcomes', JSON.stringify(counts));
  figures.note('race: codes lost', verdict.lost);
  figures.note('race: codes won twice', verdict.wonTwice);
  figures.note('race: 5xx answers', serverErrors(answers).length);
  figures.note('race: certification conflicts on the nodes', conflicts);
  figures.note('race: seconds', seconds.toFixed(1));
  figures.note('race: attempts per second', Math.round(outcomes.length / seconds));
  figures.note('race: max latency ms', Math.round(Math.max(...answers.map((answer) => answer.ms))));

  expect(outcomes.length).toBe(CODES * REDEEMERS_PER_CODE);
  expect(serverErrors(answers)).toEqual([]);
  expect(verdict.problems).toEqual([]);
  expect(counts.redeemed).toBe(CODES);
  expect([...rows.values()].filter((row) => row.usedAt === null)).toEqual([]);
  expect(Object.keys(counts).filter((name) => !ANSWERS.includes(name))).toEqual([]);
  // The contest did meet certification: claims really raced on several nodes.
  expect(conflicts).toBeGreaterThan(0);
}, 240_000);

test(`a ${MULTI_USES}-use code × ${MULTI_REDEEMERS} redeemers over three instances: exactly ${MULTI_USES} winners, the ones the database holds`, async () => {
  const code = await issueMultiUse(running.fleet, clientOf(0), {
    maxRedemptions: MULTI_USES,
    grant: 'cluster-multi',
    scope: 'cluster-multi',
  });
  const answers = await Promise.all(
    Array.from({ length: MULTI_REDEEMERS }, (_, index) => {
      const address = uniqueAddress();
      return redeem(clientOf(index), { code: code.code, scope: 'cluster-multi', subject: `multi ${address}` }, address);
    }),
  );
  const counts = tally(answers.map((answer) => answer.outcome));
  const winners = answers
    .flatMap((answer) => (answer.outcome.kind === 'redeemed' ? [answer.outcome.subject ?? ''] : []))
    .sort();
  const stored = await redemptionSubjectsOn(cluster.node(2), database, code.id);
  const row = (await codeRowsOn(cluster.node(3), database)).get(code.id);
  figures.note('multi-use: outcomes', JSON.stringify(counts));
  figures.note('multi-use: redemption records', stored.length);

  expect(serverErrors(answers)).toEqual([]);
  expect(Object.keys(counts).filter((name) => !ANSWERS.includes(name))).toEqual([]);
  expect(winners).toHaveLength(MULTI_USES);
  expect(stored).toEqual(winners);
  expect(row?.redemptionCount).toBe(MULTI_USES);
}, 60_000);

test(`a ${HOLD_USES}-use code × ${HOLDERS} holdCode calls over three instances: exactly ${HOLD_USES} holds, the ones the database holds`, async () => {
  const code = await issueMultiUse(running.fleet, clientOf(1), {
    maxRedemptions: HOLD_USES,
    grant: 'cluster-hold',
    scope: 'cluster-hold',
  });
  const answers = await Promise.all(
    Array.from({ length: HOLDERS }, (_, index) => {
      const address = uniqueAddress();
      return holdCode(clientOf(index), { code: code.code, scope: 'cluster-hold', subject: `cart ${address}` }, address);
    }),
  );
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer.outcome] = (counts[answer.outcome] ?? 0) + 1;
  const holders = answers
    .filter((answer) => answer.outcome === 'held')
    .map((answer) => answer.subject)
    .sort();
  const stored = await activeHoldSubjectsOn(cluster.node(3), database, code.id);
  figures.note('holds: outcomes', JSON.stringify(counts));
  figures.note('holds: active hold rows', stored.subjects.length);

  expect(serverErrors(answers)).toEqual([]);
  expect(Object.keys(counts).filter((name) => !['held', 'INVALID_OR_EXPIRED'].includes(name))).toEqual([]);
  expect(holders).toHaveLength(HOLD_USES);
  expect(stored).toEqual({ subjects: holders, heldCount: HOLD_USES });
}, 60_000);
