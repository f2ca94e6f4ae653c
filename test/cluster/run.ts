/**
 * npm run test:cluster: starts a three-node MariaDB Galera cluster on loopback
 * ports in a fresh temporary folder, runs the cluster jest project against it
 * (test/cluster/**\/*.test.ts, one file at a time: the tests kill and pause
 * nodes), then ends every process started for it and removes the folder:
 * also when a test fails, when jest crashes and on SIGINT, SIGTERM or SIGHUP.
 *
 * Arguments are passed on to jest (e.g. a test path pattern). Exits with
 * jest's code, 1 when the cluster could not be set up, 128 + n on signal n.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import {
  CLUSTER_DIR_VARIABLE,
  Cluster,
  GALERA_LIBRARY,
  NODE_URLS_VARIABLE,
  RUN_FOLDER_PREFIX,
  findExecutable,
  killEverythingIn,
} from './support/cluster';

const JEST_STOP_TIMEOUT_MS = 5000;
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The shell's exit code for a process ended by `signal`. */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

function say(line: string): void {
  process.stdout.write(`cluster: ${line}\n`);
}

function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}

/** The repository root: the closest folder above this file with claimcheck's package.json. */
function repositoryRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'claimcheck'
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no claimcheck package.json above ${from}`);
  }
}

/** What this machine lacks to run the cluster, each with how to get it. */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (it starts the nodes as the mysql user)');
  const mysqlUser = /^mysql:/m.test(readFileSync('/etc/passwd', 'utf8'));
  if (!mysqlUser) missing.push('a mysql user (apt-get install mariadb-server)');
  for (const program of ['mariadbd', 'mariadb-install-db', 'wsrep_sst_rsync']) {
    if (!findExecutable(program)) missing.push(`${program} (apt-get install mariadb-server)`);
  }
  if (!existsSync(GALERA_LIBRARY)) missing.push(`${GALERA_LIBRARY} (apt-get install galera-4)`);
  if (!findExecutable('rsync')) missing.push('rsync, for the state transfer (apt-get install rsync)');
  return missing;
}

/**
 * Removes what a run killed without its clean-up (kill -9 of the harness)
 * left behind: folders whose harness is gone, with their processes.
 */
async function removeLeftovers(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((entry) => entry.startsWith(RUN_FOLDER_PREFIX))) {
    const folder = path.join(tmpdir(), name);
    const owner = path.join(folder, 'harness.pid');
    const harness = existsSync(owner) ? Number(readFileSync(owner, 'utf8')) : NaN;
    if (Number.isInteger(harness) && existsSync(`/proc/${harness}`)) continue;
    const ended = await killEverythingIn(folder);
    await rm(folder, { recursive: true, force: true });
    say(`removed the leftovers of an earlier run: ${folder} (${ended} processes ended)`);
  }
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

async function busyPorts(cluster: Cluster): Promise<number[]> {
  const ports = cluster.nodes.flatMap((node) => node.ports);
  const busy = await Promise.all(ports.map(async (port) => ((await portInUse(port)) ? port : null)));
  return busy.filter((port): port is number => port !== null);
}

function runJest(root: string, cluster: Cluster, jestArguments: string[]): ChildProcess {
  const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  return spawn(process.execPath, [jest, '--selectProjects', 'cluster', '--runInBand', ...jestArguments], {
    cwd: root,
    stdio: 'inherit',
    // A process group of its own, so that the harness can end jest with everything it started.
    detached: true,
    env: {
      ...process.env,
      [CLUSTER_DIR_VARIABLE]: cluster.folder,
      [NODE_URLS_VARIABLE]: cluster.urls.join(','),
      // test/support/database.ts creates the tests' databases here; they replicate to every node.
      TEST_DATABASE_URL: cluster.urls[0],
    },
  });
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code, signal) => resolve(code ?? signalExitCode(signal ?? 'SIGKILL')));
  });
}

async function stopJest(jest: ChildProcess): Promise<void> {
  if (jest.exitCode !== null || jest.signalCode !== null || jest.pid === undefined) return;
  const group = -jest.pid;
  process.kill(group, 'SIGTERM');
  const stopped = await Promise.race([
    exited(jest).then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), JEST_STOP_TIMEOUT_MS)),
  ]);
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // the group ended with jest
  }
  if (!stopped) await exited(jest);
}

/** Set by the first stop signal: the run then ends with 128 + its number, whatever was under way. */
let interruptedBy: NodeJS.Signals | undefined;

function exitCode(code: number): number {
  return interruptedBy ? signalExitCode(interruptedBy) : code;
}

async function main(): Promise<number> {
  // Whatever reads the output may go away (a closed pipe): the clean-up must still run to its end.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const runStarted = Date.now();
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    process.stderr.write(`cluster: cannot start a Galera cluster here; missing: ${missing.join(', ')}\n`);
    return 1;
  }
  await removeLeftovers();
  const root = repositoryRoot();
  const cluster = Cluster.allocate();
  let jest: ChildProcess | undefined;
  let cleanup: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleanup ??= (async () => {
      const started = Date.now();
      if (jest) await stopJest(jest);
      const ended = await cluster.destroy();
      say(`ended ${ended} processes and removed ${cluster.folder} in ${seconds(started)}`);
    })());
  for (const name of STOP_SIGNALS) {
    process.on(name, () => {
      if (interruptedBy) return;
      interruptedBy = name;
      say(`${name}: stopping`);
      void cleanUp().finally(() => process.exit(exitCode(1)));
    });
  }
  try {
    await cluster.initialise();
    const busy = await busyPorts(cluster);
    if (busy.length > 0) {
      throw new Error(`ports ${busy.join(', ')} on 127.0.0.1 are in use (another cluster run, or another server)`);
    }
    say(`starting 3 nodes in ${cluster.folder}`);
    const { bootstrapSeconds, joinSeconds } = await cluster.start();
    say(
      `3 nodes Synced in ${(bootstrapSeconds + joinSeconds).toFixed(1)} s (bootstrap ${bootstrapSeconds.toFixed(1)} s, joins ${joinSeconds.toFixed(1)} s): ${cluster.urls.join(', ')}`,
    );
    const testsStarted = Date.now();
    jest = runJest(root, cluster, process.argv.slice(2));
    // Recorded with the nodes: should this harness die without cleaning up, the next run ends jest too.
    if (jest.pid !== undefined) cluster.record(jest.pid);
    const code = await exited(jest);
    say(`jest exited with ${code} after ${seconds(testsStarted)}`);
    return code;
  } catch (error) {
    // After a stop signal, whatever was under way fails because its nodes are gone: that is no news.
    if (!interruptedBy) process.stderr.write(`cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await cleanUp();
    say(`whole run ${seconds(runStarted)}`);
  }
}

main().then(
  (code) => process.exit(exitCode(code)),
  (error: unknown) => {
    process.stderr.write(`cluster: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
