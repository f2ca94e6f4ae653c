/**
 * The store conformance suite every adapter passes (test/conformance), run
 * on the cluster through the MySQL fixture with its connections spread over
 * the three nodes: each unit of work takes the next node's connection, so
 * the racing claims, holds and reversals of a case run on three nodes at once
 * and certification, not a row lock, decides between them. The counts of
 * certification conflicts show that the races really met across nodes. A
 * claim whose COMMIT answer is lost runs on the first node and is settled by
 * reading back on the second, as an instance that reconnects elsewhere would.
 */
import { createMysqlFixture, type MysqlFixture } from '../conformance/mysql-fixture';
import { defineStoreConformance } from '../conformance/store-conformance';
import { Cluster } from './support/cluster';
import { ClusterFigures } from './support/figures';
import { clusterConflicts } from './support/instances';
import { spreadOver } from './support/spread';

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let fixture: MysqlFixture;
let conflictsBefore: number;
let started: number;

beforeAll(async () => {
  // The race cases claim one code from 50 connections at once: 18 per node, per pool.
  fixture = await createMysqlFixture({ connectionLimit: 18, connections: spreadOver(cluster.nodes) });
  conflictsBefore = await clusterConflicts(cluster);
  started = Date.now();
});

afterAll(async () => {
  const conflicts = (await clusterConflicts(cluster)) - conflictsBefore;
  figures.note('certification conflicts on the nodes', conflicts);
  figures.note('seconds', ((Date.now() - started) / 1000).toFixed(1));
  await fixture?.close();
  figures.report('conformance');
  // Shown here rather than in a test of its own: only after every case has run is the count complete.
  expect(conflicts).toBeGreaterThan(0);
});

defineStoreConformance('MySQL on a three-node Galera cluster, connections spread over the nodes', () =>
  fixture.subject(),
);
