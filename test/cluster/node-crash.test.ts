/**
 * A node killed with SIGKILL drops out of the cluster, the other two carry
 * on as a primary component of two, and the node started again with the same
 * command line (without --wsrep-new-cluster) rejoins by state transfer,
 * becomes Synced and has every write committed while it was down.
 */
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { Cluster } from './support/cluster';
import { ClusterFigures } from './support/figures';

const WRITES_WHILE_DOWN = 200;

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('cc_cluster_crash');
});

afterAll(async () => {
  await database?.drop();
  figures.report('node-crash');
});

/** What `file` gained after `offset`: the node's log lines of this start only. */
async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

function seconds(sinceMs: number): number {
  return Number(((Date.now() - sinceMs) / 1000).toFixed(1));
}

it('a node killed with SIGKILL rejoins when restarted, Synced and with what was written meanwhile', async () => {
  const [survivor, , victim] = cluster.nodes;
  const writer = await survivor!.connect(database.name);
  try {
    await writer.query('CREATE TABLE journal (id INT PRIMARY KEY, written VARCHAR(16) NOT NULL)');
    await writer.query("INSERT INTO journal (id, written) VALUES (0, 'before')");
    // The victim first applies the table and its row (a causal read): killed before that, it once came back
    // Synced without the table, and what this test is about is what was written while it was down.
    const applied = await victim!.connect(database.name);
    try {
      await applied.query('SELECT COUNT(*) AS n FROM journal');
    } finally {
      await applied.end();
    }

    const killed = Date.now();
    await victim!.kill();
    figures.add('nodes killed with SIGKILL');
    await survivor!.waitSynced(30_000, 2);
    figures.note('seconds until the others formed a cluster of 2', seconds(killed));

    for (let id = 1; id <= WRITES_WHILE_DOWN; id += 1) {
      await writer.query("INSERT INTO journal (id, written) VALUES (?, 'while down')", [id]);
    }
    figures.add('writes while the node was down', WRITES_WHILE_DOWN);

    const logOffset = statSync(victim!.errorLog).size;
    const restarted = Date.now();
    victim!.restart();
    await cluster.waitSynced();
    figures.note('seconds from restart to Synced', seconds(restarted));
    const log = await readFrom(victim!.errorLog, logOffset);
    figures.note('rejoined by', /IST received/.test(log) ? 'IST' : /SST received/.test(log) ? 'SST' : 'unknown');

    const reader = await victim!.connect(database.name);
    try {
      const [rows] = await reader.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM journal');
      figures.note('rows on the restarted node', Number(rows[0]!.n));
      expect(Number(rows[0]!.n)).toBe(WRITES_WHILE_DOWN + 1);
      await reader.query("INSERT INTO journal (id, written) VALUES (-1, 'after')");
    } finally {
      await reader.end();
    }
    const [after] = await writer.query<RowDataPacket[]>('SELECT written FROM journal WHERE id = -1');
    expect(after).toEqual([{ written: 'after' }]);
  } finally {
    await writer.end();
  }
}, 120_000);
