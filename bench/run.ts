/** One benchmark run, start to end: fresh database, server, measurements, report; everything torn down. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMysqlPool } from '../src/store/mysql/pool';
import { createBenchDatabase } from './database';
import { measure, type Progress } from './measure';
import type { Plan } from './plan';
import { RAW_POOL_SIZE } from './raw';
import { buildReport, type Report } from './report';
import { startServer } from './server';

export interface BenchOptions {
  readonly plan: Plan;
  /** mysql://… of a server where the benchmark may create and drop a database. */
  readonly serverUrl: string;
  readonly logFile: string;
  /** Runs the server under --cpu-prof, its profile written here; null for none. */
  readonly cpuProfileDir: string | null;
  readonly progress: Progress;
}

export async function runBench(options: BenchOptions): Promise<Report> {
  const startedAt = new Date();
  const started = performance.now();
  const database = await createBenchDatabase(options.serverUrl);
  try {
    options.progress(`database ${database.name} on ${database.version}; server log in ${options.logFile}`);
    const server = await startServer({
      databaseUrl: database.url,
      logFile: options.logFile,
      cpuProfileDir: options.cpuProfileDir,
    });
    let measurements;
    try {
      // Created after the server started: its migrations made the tables the raw baselines use.
      const pool = createMysqlPool(database.url, { connectionLimit: RAW_POOL_SIZE });
      try {
        measurements = await measure(
          options.plan,
          { endpoint: server.endpoint, serverPid: server.pid },
          pool,
          options.progress,
        );
      } finally {
        await pool.end();
      }
    } finally {
      await server.stop();
    }
    return buildReport(options.plan, measurements, {
      startedAt,
      elapsedSeconds: (performance.now() - started) / 1000,
      database: database.version,
      cpuProfile: options.cpuProfileDir && newestProfile(options.cpuProfileDir, startedAt),
    });
  } finally {
    await database.drop();
  }
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
