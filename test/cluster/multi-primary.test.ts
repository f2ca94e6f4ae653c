/**
 * The facts about a multi-primary cluster that claimcheck's design rests on,
 * kept as guards: should the environment stop being multi-primary (one
 * writable node, a proxy sending everything to one node), these fail loudly
 * instead of the rest of the suite passing without showing anything.
 *
 * - Certification decides at COMMIT: two transactions on two nodes running
 *   the same conditional UPDATE both see affectedRows = 1, and exactly one
 *   COMMIT fails with errno 1213. affectedRows alone names no winner here.
 * - GET_LOCK is local to one node: two nodes both grant the same named lock.
 */
import type { Connection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { Cluster } from './support/cluster';
import { ClusterFigures } from './support/figures';

const ROUNDS = 30;
const ER_LOCK_DEADLOCK = 1213;
const CLAIM = 'UPDATE contested SET used = used + 1 WHERE id = ? AND used = 0';

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('cc_cluster_facts');
  const connection = await cluster.node(1).connect(database.name);
  try {
    await connection.query('CREATE TABLE contested (id INT PRIMARY KEY, used INT NOT NULL)');
  } finally {
    await connection.end();
  }
});

afterAll(async () => {
  await database?.drop();
  figures.report('multi-primary');
});

function errnoOf(outcome: PromiseSettledResult<unknown>): number | 'committed' {
  return outcome.status === 'fulfilled' ? 'committed' : Number((outcome.reason as { errno?: number }).errno);
}

async function usedOn(connection: Connection, id: number): Promise<number> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT used FROM contested WHERE id = ?', [id]);
  return Number(rows[0]?.used);
}

it('two nodes both match the same conditional UPDATE, and certification fails exactly one COMMIT with 1213', async () => {
  const [first, second, third] = await Promise.all(cluster.nodes.map((node) => node.connect(database.name)));
  try {
    for (let id = 1; id <= ROUNDS; id += 1) {
      await first!.query('INSERT INTO contested (id, used) VALUES (?, 0)', [id]);
      // Causal reads: node 2 has the row before its transaction starts.
      expect(await usedOn(second!, id)).toBe(0);
      await first!.query('START TRANSACTION');
      await second!.query('START TRANSACTION');
      const [onFirst] = await first!.query<ResultSetHeader>(CLAIM, [id]);
      const [onSecond] = await second!.query<ResultSetHeader>(CLAIM, [id]);
      const commits = await Promise.allSettled([first!.query('COMMIT'), second!.query('COMMIT')]);
      const outcomes = commits.map(errnoOf);
      const used = await usedOn(third!, id);
      figures.add('rounds');
      if (onFirst.affectedRows === 1 && onSecond.affectedRows === 1)
        figures.add('rounds where both nodes matched the row');
      if (outcomes.filter((outcome) => outcome === 'committed').length === 1) figures.add('rounds with one COMMIT');
      figures.add('COMMITs failed with 1213', outcomes.filter((outcome) => outcome === ER_LOCK_DEADLOCK).length);
      figures.add('rows used twice', used > 1 ? 1 : 0);
      expect([onFirst.affectedRows, onSecond.affectedRows]).toEqual([1, 1]);
      expect(outcomes.sort()).toEqual([ER_LOCK_DEADLOCK, 'committed']);
      expect(used).toBe(1);
    }
  } finally {
    await Promise.all([first, second, third].map((connection) => connection?.end()));
  }
}, 60_000);

it('GET_LOCK is local to one node: two nodes grant the same named lock at once', async () => {
  const [first, second] = await Promise.all([cluster.node(1).connect(), cluster.node(2).connect()]);
  try {
    const take = 'SELECT GET_LOCK(?, 0) AS granted';
    const [onFirst] = await first.query<RowDataPacket[]>(take, ['claimcheck_cluster_probe']);
    const [onSecond] = await second.query<RowDataPacket[]>(take, ['claimcheck_cluster_probe']);
    const granted = [onFirst[0]!.granted, onSecond[0]!.granted];
    figures.note('GET_LOCK granted on nodes 1 and 2 at once', granted.join(', '));
    expect(granted).toEqual([1, 1]);
  } finally {
    await Promise.all([first.end(), second.end()]);
  }
});
