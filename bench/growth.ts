/**
 * How cost grows with the table (issue 10 point 5): redeemCode with few codes stored, then with many, and
 * issueCodes of many codes in a row. Runs on a database and server of its own, so that the rows stored are
 * exactly the ones counted here, not whatever the main measurements left behind.
 */
import { performance } from 'node:perf_hooks';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { CodeQueue } from './codes';
import { meterProcess, microsPer } from './cpu';
import { issueCodes, REDEEM } from './graphql';
import { consuming, runLoad, type LoadRun, type LoadTarget } from './load';
import type { Progress } from './measure';
import type { GrowthPlan, Plan } from './plan';
import { insertFiller } from './raw';
import { sampleRss } from './server';
import { perSecond } from './stats';

/** The filler rows' scope: apart from the issued codes. */
const FILLER_SCOPE = 'bench-filler';

/** redeemCode runs with `stored` rows in the codes table. */
export interface GrowthStage {
  readonly stored: number;
  /** The codes table's data and indexes (InnoDB's estimate): whether it still fits the buffer pool. */
  readonly tableMiB: number;
  readonly runs: LoadRun[];
}

export interface BulkIssue {
  readonly codes: number;
  readonly codesPerCall: number;
  /** Rows in the codes table before and after. */
  readonly storedBefore: number;
  readonly storedAfter: number;
  readonly elapsedMs: number;
  readonly rate: number;
  readonly serverCpuPerCodeMicros: number;
  readonly maxRssMiB: number;
}

export interface GrowthMeasurements {
  /** innodb_buffer_pool_size: a table past it is read from disk, and redemptions slow down for that. */
  readonly bufferPoolMiB: number;
  readonly small: GrowthStage;
  readonly large: GrowthStage;
  readonly issue: BulkIssue;
}

/**
 * The small stage, the bulk issue (its codes feed the large stage, and it grows the table towards the large
 * size), then the large stage, filled up with filler rows if the issue left it short.
 */
export async function measureGrowth(
  plan: Plan,
  growth: GrowthPlan,
  target: LoadTarget,
  pool: Pool,
  progress: Progress,
): Promise<GrowthMeasurements> {
  const codes = new CodeQueue();
  const runs = plan.repetitions + (plan.warmupSeconds > 0 ? 1 : 0);
  await issueInCalls(target, growth, runs * growth.codesPerRun, codes);
  const small = await stage(plan, growth, target, pool, codes, progress, growth.smallStored);
  progress(`growth: issueCodes of ${growth.issueCodes} codes in calls of ${growth.issueCall}`);
  const issue = await bulkIssue(target, pool, growth, codes);
  progress(`  ${Math.round(issue.rate)} codes/s, ${Math.round(issue.serverCpuPerCodeMicros)} µs CPU/code`);
  const large = await stage(plan, growth, target, pool, codes, progress, growth.largeStored);
  return { bufferPoolMiB: await bufferPoolMiB(pool), small, large, issue };
}

/** Fills the table up to `stored` rows, then redeemCode at the first concurrency, repeated (after a warm-up). */
async function stage(
  plan: Plan,
  growth: GrowthPlan,
  target: LoadTarget,
  pool: Pool,
  codes: CodeQueue,
  progress: Progress,
  stored: number,
): Promise<GrowthStage> {
  const missing = stored - (await storedCodes(pool));
  if (missing > 0) {
    progress(`growth: ${missing} filler rows`);
    await insertFiller(pool, missing, growth.fillerRows, FILLER_SCOPE);
  }
  const actual = await storedCodes(pool);
  const connections = plan.concurrencies[0]!;
  const load = (seconds: number, requests: number | null): Promise<LoadRun> =>
    runLoad(target, REDEEM, consuming(codesFor(codes, growth), connections), connections, { seconds, requests });
  if (plan.warmupSeconds > 0) await load(plan.warmupSeconds, null);
  const runs: LoadRun[] = [];
  for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
    const run = await load(plan.runSeconds, plan.requestsPerRun);
    progress(`growth: redeemCode ×${connections}, ${actual} stored: ${Math.round(run.rate)}/s, p99 ${run.p99Ms} ms`);
    runs.push(run);
  }
  return { stored: actual, tableMiB: await tableMiB(pool), runs };
}

/** A run's worth of the issued codes, in a queue of its own: a run may use all of them. */
function codesFor(codes: CodeQueue, growth: GrowthPlan): CodeQueue {
  const run = new CodeQueue();
  run.add(codes.takeMany(growth.codesPerRun));
  return run;
}

/** Every issueCodes call of the bulk issue, timed, with the server's CPU and its largest RSS. */
async function bulkIssue(target: LoadTarget, pool: Pool, growth: GrowthPlan, codes: CodeQueue): Promise<BulkIssue> {
  const storedBefore = await storedCodes(pool);
  const rss = sampleRss(target.serverPid);
  const cpu = meterProcess(target.serverPid);
  const started = performance.now();
  let maxRssMiB = 0;
  await issueInCalls(target, growth, growth.issueCodes, codes).finally(() => (maxRssMiB = rss.stop()));
  const elapsedMs = performance.now() - started;
  const serverCpuMicros = cpu.stop();
  return {
    codes: growth.issueCodes,
    codesPerCall: growth.issueCall,
    storedBefore,
    storedAfter: await storedCodes(pool),
    elapsedMs,
    rate: perSecond(growth.issueCodes, elapsedMs),
    serverCpuPerCodeMicros: microsPer(serverCpuMicros, growth.issueCodes),
    maxRssMiB,
  };
}

/** `count` codes by issueCodes calls of `growth.issueCall` (the last one smaller); they join `codes`. */
async function issueInCalls(target: LoadTarget, growth: GrowthPlan, count: number, codes: CodeQueue): Promise<void> {
  for (let issued = 0; issued < count; issued += growth.issueCall) {
    codes.add(await issueCodes(target.endpoint, Math.min(growth.issueCall, count - issued)));
  }
}

const MIB = 1024 * 1024;

async function tableMiB(pool: Pool): Promise<number> {
  // InnoDB refreshes the sizes in information_schema lazily: without this, a table just filled reads as empty.
  await pool.query('ANALYZE TABLE codes');
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT data_length + index_length AS bytes FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'codes'",
  );
  return Number(rows[0]!.bytes) / MIB;
}

async function bufferPoolMiB(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@innodb_buffer_pool_size AS bytes');
  return Number(rows[0]!.bytes) / MIB;
}

async function storedCodes(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS stored FROM codes');
  return Number(rows[0]!.stored);
}
