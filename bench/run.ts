/** One benchmark run, start to end: fresh database, server, measurements, report; everything torn down. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'mysql2/promise';
import { createMysqlPool } from '../src/store/mysql/pool';
import { createBenchDatabase } from './database';
import { measureGrowth } from './growth';
import type { LoadTarget } from './load';
import { measure, type Progress } from './measure';
import type { Plan } from './plan';
import { RAW_POOL_SIZE } from './raw';
import { buildReport, type Report } from './report';
import { startServer } from './server';

export interface BenchOptions {
  readonly plan: Plan;
  /** mysql://… of a server where the benchmark may create and drop a database. */
  readonly serverUrl: string;
  /** The main server's log; the growth server's goes beside it (…-growth.log). */
  readonly logFile: string;
  /** Runs the main server under --cpu-prof, its profile written here; null for none. */
  readonly cpuProfileDir: string | null;
  readonly progress: Progress;
}

/** What a measurement gets: the server to load, and a pool onto its database for the raw baselines. */
type Measurement<T> = (target: LoadTarget, pool: Pool, databaseVersion: string) => Promise<T>;

export async function runBench(options: BenchOptions): Promise<Report> {
  const { plan, progress } = options;
  const startedAt = new Date();
  const started = performance.now();
  const { measurements, database } = await onFreshServer(
    options,
    options.logFile,
    options.cpuProfileDir,
    async (target, pool, version) => ({ measurements: await measure(plan, target, pool, progress), database: version }),
  );
  const { growth } = plan;
  // A database and server of its own: the rows it counts are only its own.
  const grown =
    growth &&
    (await onFreshServer(options, growthLog(options.logFile), null, (target, pool) =>
      measureGrowth(plan, growth, target, pool, progress),
    ));
  return buildReport(plan, measurements, grown, {
    startedAt,
    elapsedSeconds: (performance.now() - started) / 1000,
    database,
    cpuProfile: options.cpuProfileDir && newestProfile(options.cpuProfileDir, startedAt),
  });
}

/** A fresh database and a server on it for `work`; both gone afterwards, whatever happened. */
async function onFreshServer<T>(
  options: BenchOptions,
  logFile: string,
  cpuProfileDir: string | null,
  work: Measurement<T>,
): Promise<T> {
  const database = await createBenchDatabase(options.serverUrl);
  try {
    options.progress(`database ${database.name} on ${database.version}; server log in ${logFile}`);
    const server = await startServer({ databaseUrl: database.url, logFile, cpuProfileDir });
    try {
      // Created after the server started: its migrations made the tables the raw baselines use.
      const pool = createMysqlPool(database.url, { connectionLimit: RAW_POOL_SIZE });
      try {
        return await work({ endpoint: server.endpoint, serverPid: server.pid }, pool, database.version);
      } finally {
        await pool.end();
      }
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

function growthLog(logFile: string): string {
  return logFile.replace(/(\.log)?$/, '-growth.log');
}

/** The profile node wrote when the server exited: the newest .cpuprofile since the run started. */
function newestProfile(dir: string, since: Date): string | null {
  const written = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({ file: path.join(dir, name), mtime: statSync(path.join(dir, name)).mtimeMs }))
    .filter((profile) => profile.mtime >= since.getTime())
    .sort((a, b) => b.mtime - a.mtime);
  return written[0]?.file ?? null;
}
