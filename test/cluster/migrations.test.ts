/**
 * Three runners started at once, one per node, on a database that does not
 * exist yet: each creates it and applies the migrations, as three instances
 * starting together do (openServices). Each file must be applied by exactly
 * one runner and recorded once, the same on every node, and no runner may
 * fail. The GET_LOCK these runners used to take is local to one node here
 * (multi-primary.test.ts): the lease row is what makes them take turns.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { RowDataPacket } from 'mysql2/promise';
import { applyMigrations, defaultMigrationsDir, ensureDatabase } from '../../src/store/mysql/migrate';
import { createMysqlPool } from '../../src/store/mysql/pool';
import { Cluster } from './support/cluster';
import { ClusterFigures } from './support/figures';

const ROUNDS = 4;
const ALL = readdirSync(defaultMigrationsDir())
  .filter((name) => /^\d+_[A-Za-z0-9_-]+\.sql$/.test(name))
  .sort();

const cluster = Cluster.fromEnvironment();
const figures = new ClusterFigures();

afterAll(() => figures.report('migrations'));

/** What `node` has recorded and how its tables look, read causally so that it has applied everything before. */
async function schemaOn(node: (typeof cluster.nodes)[number], database: string): Promise<unknown> {
  const connection = await node.connect(database);
  try {
    const [versions] = await connection.query<RowDataPacket[]>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    const [lease] = await connection.query<RowDataPacket[]>('SELECT owner FROM schema_migration_lock');
    const [columns] = await connection.query<RowDataPacket[]>(
      `SELECT table_name AS t, column_name AS c, column_type AS type FROM information_schema.columns
       WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position`,
    );
    return { versions: versions.map((row) => row.version), lease, columns };
  } finally {
    await connection.end();
  }
}

async function dropDatabase(database: string): Promise<void> {
  const connection = await cluster.node(1).connect();
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await connection.end();
  }
}

it('three runners on three nodes apply each migration exactly once, round after round', async () => {
  const winners: string[] = [];
  const roundSeconds: string[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const database = `cc_cluster_migrate_${randomBytes(4).toString('hex')}`;
    const urls = cluster.nodes.map((node) => `${node.url}/${database}`);
    const pools = urls.map((url) => createMysqlPool(url, { connectionLimit: 4 }));
    try {
      const started = Date.now();
      const outcomes = await Promise.allSettled(
        urls.map(async (url, index) => {
          await ensureDatabase(url);
          return applyMigrations(pools[index]!);
        }),
      );
      roundSeconds.push(((Date.now() - started) / 1000).toFixed(1));
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
      const applied = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
      const files = applied.flat();
      figures.add('rounds');
      figures.add('runners', urls.length);
      figures.add('runners failed', failures.length);
      figures.add('files applied', files.length);
      figures.add('files applied twice', files.length - new Set(files).size);
      winners.push(
        cluster.nodes
          .filter((_, index) => applied[index]!.length > 0)
          .map((node) => node.name)
          .join('+'),
      );
      expect(failures).toEqual([]);
      expect(files.sort()).toEqual(ALL);
      const schemas = await Promise.all(cluster.nodes.map((node) => schemaOn(node, database)));
      expect(schemas[0]).toMatchObject({ versions: ALL, lease: [{ owner: null }] });
      expect(schemas[1]).toEqual(schemas[0]);
      expect(schemas[2]).toEqual(schemas[0]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await dropDatabase(database);
    }
  }
  figures.note('files per round', ALL.length);
  figures.note('runner that applied them, by round', winners.join(', '));
  figures.note('seconds per round', roundSeconds.join(', '));
}, 180_000);
