/**
 * npm run bench:floor [-- --smoke]: the stack's floor. The same autocannon load as the main benchmark's
 * redeemCode at 16 connections, against servers that are each one layer more of what claimcheck stands on,
 * and claimcheck itself last; for each, the server's CPU per request. The differences say which layer's cost
 * puts a target out of reach. Full runs write bench/results/floor.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { applyMigrations } from '../src/store/mysql/migrate';
import { createMysqlPool } from '../src/store/mysql/pool';
import { CodeBook, CodeQueue } from './codes';
import { benchServerUrl, createBenchDatabase } from './database';
import type { FloorVariant } from './floor-server';
import { REDEEM, unsuccessful } from './graphql';
import { consuming, cycling, runLoad, type CodeSupply, type LoadRun, type RunBounds } from './load';
import { FULL_PLAN, SMOKE_PLAN, type Plan } from './plan';
import { insertRaw, RAW_POOL_SIZE } from './raw';
import { repoRoot, spawnServer, startServer, type RunningServer } from './server';
import { median, round } from './stats';

const USAGE = 'usage: npm run bench:floor [-- --smoke]';
/** The floor's codes, apart from anything else in the table. */
const FLOOR_SCOPE = 'bench-floor';
/** Codes the layers that never look a code up cycle through: requests as large as the others'. */
const SAMPLE_CODES = 100;

interface Layer {
  readonly name: string;
  /** Whether each request needs a fresh, redeemable code (the layers that redeem for real). */
  readonly redeems: boolean;
  start(databaseUrl: string, logFile: string): Promise<RunningServer>;
}

function floorLayer(name: string, variant: FloorVariant, redeems: boolean): Layer {
  return {
    name,
    redeems,
    start: (databaseUrl, logFile) =>
      spawnServer({
        entry: path.join(repoRoot(), 'dist', 'bench', 'bench', 'floor-server.js'),
        args: [variant],
        environment: (port) => ({
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          PORT: String(port),
          DATABASE_URL: databaseUrl,
        }),
        logFile,
        cpuProfileDir: null,
      }),
  };
}

const LAYERS: readonly Layer[] = [
  floorLayer('(a) node:http, body read, fixed JSON answer', 'http', false),
  floorLayer('(b) + Apollo Server 5, type-graphql 2: constant mutation', 'graphql', false),
  floorLayer('(c) + HMAC-SHA256, SELECT, conditional UPDATE (the raw loop)', 'graphql-2-statements', true),
  floorLayer('(d) + HMAC, SELECT, START TRANSACTION, UPDATE, INSERT, COMMIT', 'graphql-4-statements', true),
  {
    name: '(e) claimcheck redeemCode',
    redeems: true,
    start: (databaseUrl, logFile) => startServer({ databaseUrl, logFile, cpuProfileDir: null }),
  },
];

export interface LayerFigure {
  readonly layer: string;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuPerRequestMicros: number;
  /** Over the layer before it: what this layer adds. */
  readonly addedMicros: number | null;
  readonly errors: number;
}

interface Context {
  readonly plan: Plan;
  readonly pool: Pool;
  readonly book: CodeBook;
  /** Redeemable codes, inserted raw; each used once. */
  readonly fresh: CodeQueue;
  readonly samples: readonly string[];
  readonly logDir: string;
  readonly databaseUrl: string;
}

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--smoke');
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const plan = args.includes('--smoke') ? SMOKE_PLAN : FULL_PLAN;
  const results = path.join(repoRoot(), 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const figures = await measureFloor(plan, results);
  console.log(floorTable(plan, figures));
  if (plan.mode === 'full') writeFileSync(path.join(results, 'floor.json'), `${JSON.stringify(figures, null, 2)}\n`);
}

async function measureFloor(plan: Plan, logDir: string): Promise<LayerFigure[]> {
  const database = await createBenchDatabase(benchServerUrl());
  try {
    progress(`database ${database.name} on ${database.version}; server logs in ${logDir}/floor-*.log`);
    const pool = createMysqlPool(database.url, { connectionLimit: RAW_POOL_SIZE });
    try {
      // The tables claimcheck makes: every layer that redeems uses them, claimcheck's server finds them made.
      await applyMigrations(pool);
      const book = new CodeBook();
      const samples = Array.from({ length: SAMPLE_CODES }, () => book.draw());
      const context = { plan, pool, book, fresh: new CodeQueue(), samples, logDir, databaseUrl: database.url };
      const figures: LayerFigure[] = [];
      for (const [index, layer] of LAYERS.entries()) {
        const runs = await measureLayer(context, layer, index);
        figures.push(layerFigure(layer, runs, figures.at(-1) ?? null));
      }
      return figures;
    } finally {
      await pool.end();
    }
  } finally {
    await database.drop();
  }
}

/** One layer's server: a warm-up, then the repetitions, each at the first concurrency of the plan. */
async function measureLayer(context: Context, layer: Layer, index: number): Promise<LoadRun[]> {
  const { plan } = context;
  const logFile = path.join(context.logDir, `floor-${String.fromCharCode(97 + index)}.log`);
  const server = await layer.start(context.databaseUrl, logFile);
  try {
    const target = { endpoint: server.endpoint, serverPid: server.pid };
    const connections = plan.concurrencies[0]!;
    const load = async (bounds: RunBounds): Promise<LoadRun> =>
      runLoad(target, REDEEM, await supplyFor(context, layer, connections), connections, bounds);
    progress(layer.name);
    if (plan.warmupSeconds > 0) await load({ seconds: plan.warmupSeconds, requests: null });
    const runs: LoadRun[] = [];
    for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
      const run = await load({ seconds: plan.runSeconds, requests: plan.requestsPerRun });
      progress(
        `  ${Math.round(run.rate)}/s, p99 ${run.p99Ms} ms, ${Math.round(run.serverCpuPerSuccessMicros)} µs CPU/request`,
      );
      runs.push(run);
    }
    return runs;
  } finally {
    await server.stop();
  }
}

/** Fresh codes for a layer that redeems (topped up to a run's worth), else the same few over and over. */
async function supplyFor(context: Context, layer: Layer, connections: number): Promise<CodeSupply> {
  if (!layer.redeems) return cycling(context.samples);
  const { plan } = context;
  const missing = plan.codesPerRun - context.fresh.remaining;
  if (missing > 0) {
    const shape = {
      transactions: Math.ceil(missing / plan.issueBatch),
      perTransaction: plan.issueBatch,
      perStatement: plan.rawInsertRows,
    };
    context.fresh.add((await insertRaw(context.pool, context.book, shape, FLOOR_SCOPE)).codes);
  }
  return consuming(context.fresh, connections);
}

function layerFigure(layer: Layer, runs: readonly LoadRun[], below: LayerFigure | null): LayerFigure {
  const cpu = round(median(runs.map((run) => run.serverCpuPerSuccessMicros)), 0);
  return {
    layer: layer.name,
    rate: round(median(runs.map((run) => run.rate)), 0),
    p50Ms: round(median(runs.map((run) => run.p50Ms))),
    p99Ms: round(median(runs.map((run) => run.p99Ms))),
    serverCpuPerRequestMicros: cpu,
    addedMicros: below && cpu - below.serverCpuPerRequestMicros,
    errors: runs.reduce((errors, run) => errors + unsuccessful(run.tally) + run.socketErrors, 0),
  };
}

function floorTable(plan: Plan, figures: readonly LayerFigure[]): string {
  return [
    `stack floor (${plan.mode}): ${plan.concurrencies[0]} connections, median of ${plan.repetitions} run(s); CPU of the server process per successful answer`,
    '',
    '| layer | rate | p50 | p99 | server CPU / request | added by the layer | errors |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...figures.map(
      (figure) =>
        `| ${figure.layer} | ${figure.rate} /s | ${figure.p50Ms} ms | ${figure.p99Ms} ms | ${figure.serverCpuPerRequestMicros} µs | ` +
        `${figure.addedMicros === null ? '' : `${figure.addedMicros > 0 ? '+' : ''}${figure.addedMicros} µs`} | ${figure.errors} |`,
    ),
  ].join('\n');
}

function progress(line: string): void {
  console.error(`floor: ${line}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
