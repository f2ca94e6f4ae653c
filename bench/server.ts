/** The claimcheck server as a child process, configured as in production, on the benchmark's database. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { hmacKey, type HmacKey } from '../src/codes/keyring';

/** Fixed, so that the raw baselines derive lookup keys exactly as the server does. */
export const BENCH_HMAC_KEY: HmacKey = hmacKey('bench1', Buffer.alloc(32, 0x5a));
/** An every-scope admin key (at least 24 characters). */
export const BENCH_ADMIN_KEY = 'bench-admin-key-not-a-secret-0001';

const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
/** Long enough for a --cpu-prof server to write its profile on a graceful exit. */
const STOP_TIMEOUT_MS = 20_000;
const RSS_SAMPLE_MS = 100;

export interface ServerOptions {
  readonly databaseUrl: string;
  /** The server's stdout and stderr (its pino log) go here. */
  readonly logFile: string;
  /** Starts node with --cpu-prof writing into this folder; null runs without a profiler. */
  readonly cpuProfileDir: string | null;
}

export interface RunningServer {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The repository root: the first folder above this file (bench/ or dist/bench/bench/) with a package.json. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The claimcheck server (dist/src/main.js). */
export function startServer(options: ServerOptions): Promise<RunningServer> {
  return spawnServer({
    entry: path.join(repoRoot(), 'dist', 'src', 'main.js'),
    args: [],
    environment: (port) => serverEnvironment(port, options.databaseUrl),
    logFile: options.logFile,
    cpuProfileDir: options.cpuProfileDir,
  });
}

/** A node server of the benchmark's: a script, its arguments, its environment given the port. */
export interface ServerSpec {
  readonly entry: string;
  readonly args: readonly string[];
  readonly environment: (port: number) => NodeJS.ProcessEnv;
  readonly logFile: string;
  readonly cpuProfileDir: string | null;
}

/** Starts `spec` on a free port of 127.0.0.1 and waits until GET /readyz answers 200. */
export async function spawnServer(spec: ServerSpec): Promise<RunningServer> {
  if (!existsSync(spec.entry)) throw new Error(`${spec.entry} does not exist: build first (npm run bench does)`);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const profiler = spec.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`] : [];
  const log = openSync(spec.logFile, 'w');
  const child = spawn(process.execPath, [...profiler, spec.entry, ...spec.args], {
    cwd: repoRoot(),
    env: spec.environment(port),
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (hasExited(child)) return;
    // SIGTERM: a graceful exit, so that --cpu-prof writes its profile.
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited.finally(() => clearTimeout(killer));
  };
  try {
    await waitUntilReady(origin, child, spec.logFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `${origin}/graphql`, pid: child.pid!, stop };
}

/**
 * Production settings (runtime.md) with the defaults for everything else, rate limits included:
 * the hot-code runs stay within them by using a scope and a client address of their own.
 * Only PATH comes from the caller's environment, so that no stray setting changes the figures.
 */
function serverEnvironment(port: number, databaseUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    CODE_HMAC_KEYS: `${BENCH_HMAC_KEY.version}:${BENCH_HMAC_KEY.secret.toString('base64')}`,
    ADMIN_API_KEYS: BENCH_ADMIN_KEY,
    TRUST_PROXY: 'false',
    // The webhook figure's receiver listens on loopback, which production refuses by default.
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitUntilReady(origin: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) during start-up:\n${tail(logFile)}`);
    }
    if (await answers(`${origin}/readyz`)) return;
    await delay(READY_POLL_MS);
  }
  throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${tail(logFile)}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 20): string {
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Samples the resident set size of `pid` while a run lasts; stop() gives the largest, in MiB. */
export function sampleRss(pid: number): { stop(): number } {
  let maxKiB = readRssKiB(pid);
  const timer = setInterval(() => (maxKiB = Math.max(maxKiB, readRssKiB(pid))), RSS_SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(maxKiB, readRssKiB(pid)) / 1024;
    },
  };
}

function readRssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // the process is gone
  }
}
