/**
 * A node cut off from the other two (they are paused) loses quorum: it says
 * non-Primary and refuses statements with errno 1047, so nothing is written
 * through it; when the partition heals, all three are Synced again and the
 * node takes writes.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { Cluster, type Partition } from './support/cluster';
import { ClusterFigures } from './support/figures';

const ER_UNKNOWN_COM_ERROR = 1047;

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('cc_cluster_partition');
});

afterAll(async () => {
  await database?.drop();
  figures.report('partition');
});

function seconds(sinceMs: number): number {
  return Number(((Date.now() - sinceMs) / 1000).toFixed(1));
}

it('an isolated node is non-Primary, refuses writes with 1047, and takes writes again once healed', async () => {
  const [isolated, other] = cluster.nodes;
  const connection = await isolated!.connect(database.name);
  let partition: Partition | undefined;
  try {
    await connection.query('CREATE TABLE notes (id INT PRIMARY KEY)');
    const cut = Date.now();
    partition = await cluster.isolate(isolated!);
    figures.add('partitions');
    figures.note('seconds until the isolated node was non-Primary', seconds(cut));
    await expect(connection.query('INSERT INTO notes (id) VALUES (1)')).rejects.toMatchObject({
      errno: ER_UNKNOWN_COM_ERROR,
    });
    figures.add('writes refused with 1047');

    const healing = Date.now();
    await partition.heal();
    partition = undefined;
    figures.note('seconds from heal to all Synced', seconds(healing));
    await connection.query('INSERT INTO notes (id) VALUES (2)');
    const reader = await other!.connect(database.name);
    try {
      const [rows] = await reader.query<RowDataPacket[]>('SELECT id FROM notes');
      expect(rows).toEqual([{ id: 2 }]);
    } finally {
      await reader.end();
    }
  } finally {
    await partition?.heal();
    await connection.end();
  }
}, 120_000);
