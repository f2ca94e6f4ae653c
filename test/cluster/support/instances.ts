/**
 * claimcheck as docs/scale-out.md runs it on the cluster: one server process
 * per node, each with DATABASE_URL on its own node, started by the
 * reliability suite's Fleet (real processes, spoken to over HTTP only), and
 * what the tests read back from the nodes themselves.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { TestDatabase } from '../../support/database';
import {
  type CodeRow,
  Fleet,
  type HttpClient,
  type ServerInstance,
  fromAddress,
  readCodeRows,
} from '../../support/processes';
import type { Cluster, ClusterNode } from './cluster';
import { CLUSTER_ARTIFACTS_DIR } from './figures';

export interface NodeInstances {
  readonly fleet: Fleet;
  /** instances[i] talks to cluster.nodes[i]. */
  readonly instances: ServerInstance[];
}

/** DATABASE_URL of an instance on `node`. */
export function databaseUrlOn(node: ClusterNode, database: TestDatabase): string {
  return `${node.url}/${database.name}`;
}

/** One instance per node, started together (they migrate at once, taking turns through the lease row). */
export async function startOnEveryNode(
  cluster: Cluster,
  database: TestDatabase,
  suite: string,
  env: Record<string, string>,
): Promise<NodeInstances> {
  const fleet = new Fleet(suite, database, CLUSTER_ARTIFACTS_DIR);
  const instances = await Promise.all(
    cluster.nodes.map((node) => fleet.start(node.name, { env, databaseUrl: databaseUrlOn(node, database) })),
  );
  return { fleet, instances };
}

/** Every code row with its redemptions, read on `node` causally: it has applied every commit made anywhere before. */
export async function codeRowsOn(node: ClusterNode, database: TestDatabase): Promise<Map<string, CodeRow>> {
  const connection = await node.connect(database.name);
  try {
    return await readCodeRows(connection);
  } finally {
    await connection.end();
  }
}

/** The redemption records of one code, read causally on `node`: who holds its uses. */
export async function redemptionSubjectsOn(
  node: ClusterNode,
  database: TestDatabase,
  codeId: string,
): Promise<string[]> {
  const connection = await node.connect(database.name);
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT CAST(subject AS CHAR) AS subject FROM redemptions WHERE code_id = UNHEX(?) ORDER BY subject',
      [codeId.replaceAll('-', '')],
    );
    return rows.map((row) => String(row.subject));
  } finally {
    await connection.end();
  }
}

/** The active holds of one code, read causally on `node`, by subject. */
export async function activeHoldSubjectsOn(
  node: ClusterNode,
  database: TestDatabase,
  codeId: string,
): Promise<{ subjects: string[]; heldCount: number }> {
  const connection = await node.connect(database.name);
  try {
    const id = [codeId.replaceAll('-', '')];
    const [holds] = await connection.query<RowDataPacket[]>(
      "SELECT CAST(subject AS CHAR) AS subject FROM holds WHERE code_id = UNHEX(?) AND status = 'active' ORDER BY subject",
      id,
    );
    const [code] = await connection.query<RowDataPacket[]>('SELECT hold_count FROM codes WHERE id = UNHEX(?)', id);
    return { subjects: holds.map((row) => String(row.subject)), heldCount: Number(code[0]?.hold_count) };
  } finally {
    await connection.end();
  }
}

/** Certification failures and brute-force aborts a node has counted since it started. */
export async function conflictCounters(node: ClusterNode): Promise<{ certFailures: number; bfAborts: number }> {
  const connection = await node.connect();
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')",
    );
    const value = (name: string): number => Number(rows.find((row) => row.Variable_name === name)?.Value ?? 0);
    return { certFailures: value('wsrep_local_cert_failures'), bfAborts: value('wsrep_local_bf_aborts') };
  } finally {
    await connection.end();
  }
}

/** Conflicts counted on every node together: certification failures plus brute-force aborts. */
export async function clusterConflicts(cluster: Cluster): Promise<number> {
  const counters = await Promise.all(cluster.nodes.map(conflictCounters));
  return counters.reduce((sum, counter) => sum + counter.certFailures + counter.bfAborts, 0);
}

const ISSUE_ONE = `mutation Issue($input: IssueCodeInput!) {
  issueCode(input: $input) { code record { id } }
}`;

/** One code with `maxRedemptions` uses; returns its display form and id. */
export async function issueMultiUse(
  fleet: Fleet,
  client: HttpClient,
  input: { maxRedemptions: number; grant: string; scope: string },
): Promise<{ code: string; id: string }> {
  const response = await client.graphql(ISSUE_ONE, { input }, fleet.adminHeaders);
  const issued = response.body.data?.issueCode as { code: string; record: { id: string } } | undefined;
  if (response.status !== 200 || !issued) {
    throw new Error(`issueCode failed: HTTP ${response.status} ${JSON.stringify(response.body.errors)}`);
  }
  return { code: issued.code, id: issued.record.id };
}

const HOLD = `mutation Hold($input: HoldCodeInput!) {
  holdCode(input: $input) {
    __typename
    ... on Hold { holdId codeId subject }
    ... on RedeemFailure { reason }
  }
}`;

export interface HoldAnswer {
  readonly status: number;
  /** 'held', a failure reason, or the error code answered instead. */
  readonly outcome: string;
  readonly subject: string;
}

export async function holdCode(
  client: HttpClient,
  input: { code: string; subject: string; scope: string },
  address: string,
): Promise<HoldAnswer> {
  const response = await client.graphql(HOLD, { input }, fromAddress(address));
  const value = response.body.data?.holdCode as { __typename: string; reason?: string } | undefined;
  const outcome =
    value?.__typename === 'Hold'
      ? 'held'
      : (value?.reason ?? response.body.errors?.[0]?.extensions?.code ?? `NO_RESULT ${response.text.slice(0, 200)}`);
  return { status: response.status, outcome, subject: input.subject };
}
