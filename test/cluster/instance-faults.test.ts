/**
 * Faults of one node under the instances of all three. A node killed with
 * SIGKILL in the middle of redemption load: the instances on the other two
 * keep answering, the one on the dead node answers TEMPORARILY_UNAVAILABLE
 * (and /readyz 503) until its node has rejoined, and no code is lost or won
 * twice: the rows hold exactly the wins the clients were told. A node cut
 * off from the other two: its instance refuses writes as
 * TEMPORARILY_UNAVAILABLE, /readyz says 503, nothing is half-done, and it
 * serves again once healed.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  type IssuedCode,
  WinLedger,
  idempotencyKey,
  issueBatch,
  issueCodes,
  outcomeName,
  redeem,
  sleep,
  uniqueAddress,
  waitUntil,
} from '../support/processes';
import { Cluster, type Partition } from './support/cluster';
import { ClusterFigures } from './support/figures';
import { type NodeInstances, codeRowsOn, startOnEveryNode } from './support/instances';
import { RedemptionLoad } from './support/load';

const LOAD = { codesPerWave: 6, redeemersPerCode: 9 };
const LOAD_CODES = 2400;
const SCOPES = 10;
const LOAD_BEFORE_KILL_MS = 2000;
const DOWN_MS = 3000;
const LOAD_AFTER_REJOIN_MS = 2000;
const WRITES_WHILE_ISOLATED = 20;

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let database: TestDatabase;
let running: NodeInstances;

beforeAll(async () => {
  database = await createTestDatabase('cc_cluster_faults');
  running = await startOnEveryNode(cluster, database, 'cluster-instance-faults', {
    TRUST_PROXY: 'true',
    RATE_LIMIT_MAX_FAILURES: '1000',
    RATE_LIMIT_SCOPE_MAX_FAILURES: '100000000',
    DB_POOL_SIZE: '8',
    // A statement on a connection whose node died is given up within 2 s, not the default 5 s.
    DB_STATEMENT_TIMEOUT_MS: '2000',
  });
}, 60_000);

afterAll(async () => {
  await running?.fleet.stopAll();
  await database?.drop();
  figures.report('instance-faults');
});

function seconds(sinceMs: number): string {
  return ((Date.now() - sinceMs) / 1000).toFixed(1);
}

/** Codes in `SCOPES` scopes, interleaved, so that the load's failures spread over several scope rows. */
async function loadCodes(): Promise<IssuedCode[]> {
  const byScope = await Promise.all(
    Array.from({ length: SCOPES }, (_, scope) =>
      issueCodes(running.fleet, running.instances[scope % 3]!.client, {
        count: LOAD_CODES / SCOPES,
        scope: `cluster-faults-${scope}`,
        grantPrefix: `cluster-faults-${scope}`,
      }),
    ),
  );
  return Array.from({ length: LOAD_CODES }, (_, index) => byScope[index % SCOPES]![Math.floor(index / SCOPES)]!);
}

function only(tally: Record<string, number>, allowed: readonly string[]): string[] {
  return Object.keys(tally).filter((name) => !allowed.includes(name));
}

test('a node killed with SIGKILL under redemption load: the others keep answering, its instance is unavailable until it rejoins, no code lost or won twice', async () => {
  const [, , dead] = cluster.nodes;
  const deadInstance = running.instances[2]!;
  const load = new RedemptionLoad(running.instances, await loadCodes(), LOAD);
  load.start();
  await sleep(LOAD_BEFORE_KILL_MS);

  const killed = Date.now();
  load.phase = 'transition';
  await dead!.kill();
  await cluster.node(1).waitSynced(30_000, 2);
  figures.note('kill: seconds until the other two formed a cluster of 2', seconds(killed));
  load.phase = 'down';
  const readyWhileDown = await deadInstance.client.readyStatus(5000);
  await sleep(DOWN_MS);

  const restarted = Date.now();
  load.phase = 'rejoining';
  dead!.restart();
  await cluster.waitSynced();
  figures.note('kill: seconds from restart to Synced', seconds(restarted));
  await waitUntil(30_000, 'the instance on the rejoined node is ready', async () => {
    return (await deadInstance.client.readyStatus(2000).catch(() => 0)) === 200;
  });
  figures.note('kill: seconds from restart to its instance ready', seconds(restarted));
  load.phase = 'after';
  await sleep(LOAD_AFTER_REJOIN_MS);
  await load.stop();

  const rows = await codeRowsOn(cluster.node(1), database);
  const verdict = load.ledger.verify(load.contested, rows);
  figures.note('kill: codes contested', load.contested.length);
  figures.note('kill: codes lost', verdict.lost);
  figures.note('kill: codes won twice', verdict.wonTwice);
  figures.note('kill: /readyz of its instance while down', readyWhileDown);
  figures.note('kill: answers by phase and instance', load.describe());

  expect(verdict.problems).toEqual([]);
  expect(readyWhileDown).toBe(503);
  const final = ['redeemed', 'INVALID_OR_EXPIRED'];
  for (const survivor of [0, 1]) {
    // Once the two formed their cluster, their instances answer every request, none unavailable.
    expect(only(load.answers('down', survivor), final)).toEqual([]);
    expect(only(load.answers('after', survivor), final)).toEqual([]);
    expect(load.answers('down', survivor).redeemed).toBeGreaterThan(0);
    // Through the kill itself, an answer (perhaps TEMPORARILY_UNAVAILABLE), never a 5xx or a dropped request.
    expect(only(load.answers('transition', survivor), [...final, 'TEMPORARILY_UNAVAILABLE'])).toEqual([]);
  }
  // Whatever the phase, every request got an answer: no 5xx, no dropped request (on the dead node's instance too,
  // whether its node refused the connection, lost it, or answered 1047 while it rejoined).
  for (const [key, tally] of load.tallies) {
    expect([key, only(tally, [...final, 'TEMPORARILY_UNAVAILABLE'])]).toEqual([key, []]);
  }
  expect(load.answers('down', 2)).toEqual({ TEMPORARILY_UNAVAILABLE: expect.any(Number) });
  expect(only(load.answers('after', 2), final)).toEqual([]);
  expect(load.answers('after', 2).redeemed).toBeGreaterThan(0);
}, 150_000);

test('a node isolated from the other two: writes through its instance are refused as TEMPORARILY_UNAVAILABLE, nothing half-done, served again once healed', async () => {
  const [isolatedNode] = cluster.nodes;
  const isolatedInstance = running.instances[0]!;
  const codes = await issueBatch(running.fleet, isolatedInstance.client, {
    count: WRITES_WHILE_ISOLATED,
    grant: 'cluster-isolated',
    scope: 'cluster-isolated',
  });
  const before = await codeRowsOn(isolatedNode!, database);
  const inputs = codes.map((code) => ({
    code: code.code,
    scope: code.scope,
    subject: `isolated ${code.id}`,
    idempotencyKey: idempotencyKey(),
  }));
  let partition: Partition | undefined;
  try {
    const cut = Date.now();
    partition = await cluster.isolate(isolatedNode!);
    figures.note('isolation: seconds until non-Primary', seconds(cut));
    const ready = await isolatedInstance.client.readyStatus(5000);
    const refused = await Promise.all(inputs.map((input) => redeem(isolatedInstance.client, input, uniqueAddress())));
    const issue = await isolatedInstance.client
      .graphql('mutation { issueCode(input: { grant: "x" }) { code } }', {}, running.fleet.adminHeaders)
      .then((response) => response.body.errors?.[0]?.extensions?.code ?? 'issued');
    const refusals: Record<string, number> = {};
    for (const answer of refused) {
      const name = answer.status >= 500 ? 'HTTP 5xx' : outcomeName(answer.outcome);
      refusals[name] = (refusals[name] ?? 0) + 1;
    }
    figures.note('isolation: /readyz of its instance', ready);
    figures.note('isolation: redemptions through it', JSON.stringify(refusals));
    figures.note('isolation: issueCode through it', issue);
    expect(ready).toBe(503);
    expect(refusals).toEqual({ TEMPORARILY_UNAVAILABLE: WRITES_WHILE_ISOLATED });
    expect(issue).toBe('TEMPORARILY_UNAVAILABLE');

    const healing = Date.now();
    await partition.heal();
    partition = undefined;
    figures.note('isolation: seconds from heal to all Synced', seconds(healing));
  } finally {
    await partition?.heal();
  }
  // Nothing of the refused writes landed: the rows are as they were, on the isolated node and on another.
  expect(await codeRowsOn(isolatedNode!, database)).toEqual(before);
  expect(await codeRowsOn(cluster.node(2), database)).toEqual(before);

  await waitUntil(30_000, 'the healed instance is ready', async () => {
    return (await isolatedInstance.client.readyStatus(2000).catch(() => 0)) === 200;
  });
  const served = await Promise.all(inputs.map((input) => redeem(isolatedInstance.client, input, uniqueAddress())));
  const ledger = new WinLedger();
  served.forEach((answer) => ledger.record(answer.outcome));
  figures.note(
    'isolation: redemptions after heal',
    served.filter((answer) => answer.outcome.kind === 'redeemed').length,
  );
  expect(served.map((answer) => answer.outcome.kind)).toEqual(inputs.map(() => 'redeemed'));
  expect(ledger.verify(codes, await codeRowsOn(cluster.node(3), database)).problems).toEqual([]);
}, 120_000);
