/**
 * Connections spread over the nodes of the cluster: each getConnection()
 * takes the next node's pool in turn, so that concurrent units of work (the
 * conformance suite's racing claims) run on different nodes and meet at
 * certification. Every connection waits for the node to catch up before
 * each statement (wsrep_sync_wait = 7: reads, UPDATE and DELETE, INSERT and
 * REPLACE), as a pool spanning nodes needs: a case that inserts a code through
 * one node and claims it through the next must find it there, as it would on
 * one server. With reads alone (1) the claim's UPDATE ran on a node that had
 * not applied the INSERT yet and lost.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import { type MysqlPoolOptions, createMysqlPool, databaseOf } from '../../../src/store/mysql/pool';
import type { FixtureConnections } from '../../conformance/mysql-fixture';
import type { ClusterNode } from './cluster';

/** wsrep_sync_wait bits: 1 reads, 2 UPDATE and DELETE, 4 INSERT and REPLACE. */
export const CATCH_UP_FIRST = 7;

/** `url` with the host and port of `node`: the same database on another node. */
function onNode(url: string, node: ClusterNode): string {
  const moved = new URL(url);
  const target = new URL(node.url);
  moved.host = target.host;
  return moved.toString();
}

function causalPool(url: string, options: MysqlPoolOptions): Pool {
  const pool = createMysqlPool(url, options);
  // At every acquisition, queued before the work it is acquired for: the migrations and the settling of a lost
  // COMMIT set the variable back to the server's default (0) on the connections they use.
  pool.on('acquire', (connection) => void connection.query(`SET SESSION wsrep_sync_wait = ${CATCH_UP_FIRST}`));
  return pool;
}

/** One pool per node behind one getConnection(): the only call the store's sessions make of a pool. */
function roundRobin(pools: readonly Pool[]): Pool {
  let next = 0;
  const spread = {
    getConnection(): Promise<PoolConnection> {
      const pool = pools[next % pools.length]!;
      next += 1;
      return pool.getConnection();
    },
    end: async (): Promise<void> => void (await Promise.all(pools.map((pool) => pool.end()))),
  };
  return spread as unknown as Pool;
}

function spreadPool(url: string, nodes: readonly ClusterNode[], options: MysqlPoolOptions): Pool {
  return roundRobin(nodes.map((node) => causalPool(onNode(url, node), options)));
}

/** The conformance fixture's connections, spread over `nodes`: its stores' and its own. */
export function spreadOver(nodes: readonly ClusterNode[]): FixtureConnections {
  return {
    database: (url, options) => databaseOf(spreadPool(url, nodes, options), spreadPool(url, nodes, options), options),
    // The fixture's own statements on one node, causally: its reads see what every node committed.
    pool: (url, options) => causalPool(onNode(url, nodes[0]!), options),
    // The claim through the proxy (to the first node), and the read that settles its lost COMMIT on the second
    // node, on a plain connection: the store's own causal read must find there what landed on the first.
    lossy: (proxiedUrl, options) =>
      databaseOf(createMysqlPool(onNode(proxiedUrl, nodes[1]!), options), causalPool(proxiedUrl, options), options),
  };
}
