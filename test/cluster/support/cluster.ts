/**
 * A three-node MariaDB Galera cluster on loopback ports, in one temporary
 * folder: how a node is started (one command line, shared by the harness that
 * starts the cluster and the tests that restart a node), its state as the node
 * reports it, and the faults the tests inject (kill -9, pause, isolation).
 *
 * Every process started for the cluster, by the harness or by a test, is
 * recorded by id in the folder's `pids` file, so that the harness can end
 * them all whoever started them.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  appendFileSync,
  chmodSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';

export const NODE_COUNT = 3;
/** Folders of cluster runs are named so, in the system's temporary folder. */
export const RUN_FOLDER_PREFIX = 'claimcheck-cluster-';
export const GALERA_LIBRARY = '/usr/lib/galera/libgalera_smm.so';
/** Environment of the cluster jest project, set by the harness (test/cluster/run.ts). */
export const CLUSTER_DIR_VARIABLE = 'CLUSTER_DIR';
export const NODE_URLS_VARIABLE = 'CLUSTER_NODE_URLS';

const FIRST_SQL_PORT = 3311;
/** Node i listens for group communication on 4566 + 10 i, for IST on the next port and for SST on the one after. */
const GALERA_PORT_BASE = 4566;
const SBIN_FOLDERS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
/**
 * Failure detection shortened from the defaults (suspect after 5 s, drop
 * after 15 s) so that a killed or isolated node is noticed within seconds,
 * yet not so short that a node starved of CPU on a shared two-core machine
 * is dropped by mistake.
 */
const FAILURE_DETECTION = [
  'evs.suspect_timeout=PT3S',
  'evs.inactive_timeout=PT6S',
  'evs.install_timeout=PT6S',
  'evs.keepalive_period=PT0.5S',
  'evs.inactive_check_period=PT0.5S',
];
/** Small nodes: three of them share the machine with everything else. */
const SERVER_SETTINGS = [
  '--innodb-buffer-pool-size=64M',
  '--innodb-log-file-size=16M',
  // Galera keeps a commit durable by replicating it; 2 still survives kill -9 (the OS keeps the log).
  '--innodb-flush-log-at-trx-commit=2',
  '--performance-schema=OFF',
  '--max-connections=500',
  // Galera needs row events and interleaved auto-increment locks.
  '--binlog-format=ROW',
  '--innodb-autoinc-lock-mode=2',
  // Under 100 holds racing on one code through three nodes, a local transaction and a replicated one sometimes
  // waited on each other's locks until InnoDB's 50 s default gave up (the suite stalled, cases timed out); 3 s
  // ends such a wait with 1205, which the store retries, well inside its 5 s statement deadline.
  '--innodb-lock-wait-timeout=3',
];
const STATUS_CONNECT_TIMEOUT_MS = 1000;
const POLL_INTERVAL_MS = 250;
const EXIT_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 25;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An executable named `name` on PATH (or in the sbin folders, where Debian puts mariadbd), or null. */
export function findExecutable(name: string): string | null {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_FOLDERS];
  for (const folder of folders) {
    const candidate = path.join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function requireExecutable(name: string): string {
  const found = findExecutable(name);
  if (!found) throw new Error(`${name} is not installed`);
  return found;
}

/** The last `lines` lines of a log file, or a note that there is none. */
export function tail(file: string, lines = LOG_TAIL_LINES): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

// ---------------------------------------------------------------- processes

interface ProcessEntry {
  readonly pid: number;
  /** R, S, T (stopped), … as in /proc/<pid>/stat. */
  readonly state: string;
  readonly group: number;
  readonly commandLine: string;
}

/** A live process (a zombie counts as gone), or null. */
function processEntry(pid: number): ProcessEntry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the parenthesised command name (which may hold spaces): state, parent, process group.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z') return null;
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { pid, state: state ?? '', group: Number(group), commandLine };
  } catch {
    return null;
  }
}

function commandLine(pid: number): string | null {
  return processEntry(pid)?.commandLine ?? null;
}

async function liveProcesses(): Promise<ProcessEntry[]> {
  const entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  return entries.map((entry) => processEntry(Number(entry))).filter((entry) => entry !== null);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Records a process started for the cluster in `folder`, so that killEverythingIn finds it whoever started it. */
function record(folder: string, pid: number): void {
  appendFileSync(path.join(folder, 'pids'), `${pid}\n`);
}

/** Whether a process works for the cluster in `folder`: names it on its command line, or in CLUSTER_DIR (jest). */
function worksFor(entry: ProcessEntry, folder: string): boolean {
  if (entry.commandLine.includes(folder)) return true;
  try {
    return readFileSync(`/proc/${entry.pid}/environ`, 'utf8').split('\0').includes(`${CLUSTER_DIR_VARIABLE}=${folder}`);
  } catch {
    return false;
  }
}

/**
 * Ends, with SIGKILL, every process started for the cluster in `folder`:
 * each recorded process with its process group (the group holds what it
 * started in turn: the state-transfer script and its rsync, the bootstrap
 * server of mariadb-install-db, jest's workers). A group is taken for ours
 * only while one of its processes still works for the folder, so that a
 * reused id is left alone.
 * Resolves when the groups are empty; returns how many processes it ended.
 */
export async function killEverythingIn(folder: string): Promise<number> {
  const file = path.join(folder, 'pids');
  const recorded = new Set(existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  const members = (await liveProcesses()).filter((entry) => recorded.has(entry.group));
  const groups = new Set(members.filter((entry) => worksFor(entry, folder)).map((entry) => entry.group));
  for (const group of groups) signal(-group, 'SIGKILL');
  const ended = members.filter((entry) => groups.has(entry.group)).map((entry) => entry.pid);
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  while (ended.some((pid) => processEntry(pid) !== null)) {
    if (Date.now() > deadline) throw new Error(`processes ${ended.join(', ')} of ${folder} did not exit`);
    await sleep(50);
  }
  return ended.length;
}

// ---------------------------------------------------------------- status

/** What a node says about itself and its cluster (SHOW GLOBAL STATUS LIKE 'wsrep_%'). */
export interface NodeStatus {
  /** wsrep_local_state_comment: Synced, Joining, Donor/Desynced, Initialized, … */
  readonly state: string;
  readonly clusterSize: number;
  /** wsrep_cluster_status: Primary, non-Primary or Disconnected. */
  readonly clusterStatus: string;
  readonly ready: boolean;
}

function describe(status: NodeStatus | null): string {
  if (!status) return 'not answering';
  return `${status.state}, cluster of ${status.clusterSize}, ${status.clusterStatus}, ready ${status.ready ? 'ON' : 'OFF'}`;
}

// ---------------------------------------------------------------- nodes

export class ClusterNode {
  /** 1, 2 or 3. */
  readonly index: number;
  readonly name: string;
  readonly port: number;
  /** mysql://root@127.0.0.1:<port> (root has no password; TCP on loopback). */
  readonly url: string;
  readonly folder: string;
  readonly dataDir: string;
  readonly tmpDir: string;
  readonly errorLog: string;
  private readonly galeraPort: number;

  constructor(
    private readonly cluster: Cluster,
    index: number,
  ) {
    this.index = index;
    this.name = `n${index}`;
    this.port = FIRST_SQL_PORT + index - 1;
    this.url = `mysql://root@127.0.0.1:${this.port}`;
    this.folder = path.join(cluster.folder, this.name);
    this.dataDir = path.join(this.folder, 'data');
    this.tmpDir = path.join(this.folder, 'tmp');
    this.errorLog = path.join(this.folder, 'err.log');
    this.galeraPort = GALERA_PORT_BASE + 10 * index;
  }

  /** The ports this node listens on: SQL, group communication, IST, SST. */
  get ports(): number[] {
    return [this.port, this.galeraPort, this.galeraPort + 1, this.galeraPort + 2];
  }

  /** The mariadbd command line; the same for every start but the cluster's first, which bootstraps it. */
  arguments(bootstrap: boolean): string[] {
    const peers = this.cluster.nodes.map((node) => `127.0.0.1:${node.galeraPort}`).join(',');
    const provider = [
      `base_port=${this.galeraPort}`,
      `ist.recv_addr=127.0.0.1:${this.galeraPort + 1}`,
      'gcache.size=32M',
      ...FAILURE_DETECTION,
    ].join(';');
    return [
      '--no-defaults',
      '--user=mysql',
      `--datadir=${this.dataDir}`,
      `--tmpdir=${this.tmpDir}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(this.folder, 'mysqld.sock')}`,
      `--pid-file=${path.join(this.folder, 'mysqld.pid')}`,
      `--log-error=${this.errorLog}`,
      ...SERVER_SETTINGS,
      '--wsrep-on=ON',
      `--wsrep-provider=${GALERA_LIBRARY}`,
      '--wsrep-cluster-name=claimcheck',
      `--wsrep-node-name=${this.name}`,
      `--wsrep-cluster-address=gcomm://${peers}`,
      `--wsrep-node-address=127.0.0.1:${this.galeraPort}`,
      `--wsrep-provider-options=${provider}`,
      `--wsrep-sst-receive-address=127.0.0.1:${this.galeraPort + 2}`,
      '--wsrep-sst-method=rsync',
      ...(bootstrap ? ['--wsrep-new-cluster'] : []),
    ];
  }

  /** The id of the node's mariadbd while it runs, else null. */
  pid(): number | null {
    const file = path.join(this.folder, 'spawned.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8'));
    return commandLine(pid)?.includes(`--datadir=${this.dataDir}`) ? pid : null;
  }

  isRunning(): boolean {
    return this.pid() !== null;
  }

  /** Whether the node is stopped by pause() (process state T). */
  isPaused(): boolean {
    const pid = this.pid();
    return pid !== null && processEntry(pid)?.state === 'T';
  }

  /**
   * Starts the node's mariadbd in a process group of its own (so that the
   * terminal's Ctrl-C reaches only the harness, which then ends it) and does
   * not wait for it: see waitSynced.
   */
  start(options: { bootstrap?: boolean } = {}): void {
    if (this.isRunning()) throw new Error(`${this.name} is already running`);
    this.cluster.assertOpen();
    const output = openSync(path.join(this.folder, 'output.log'), 'a');
    try {
      const child = spawn(requireExecutable('mariadbd'), this.arguments(options.bootstrap ?? false), {
        detached: true,
        stdio: ['ignore', output, output],
      });
      if (child.pid === undefined) throw new Error(`${this.name}: mariadbd could not be started`);
      record(this.cluster.folder, child.pid);
      // Replaced, not appended: it names the node's current process.
      writeFileSync(path.join(this.folder, 'spawned.pid'), String(child.pid));
      child.unref();
    } finally {
      closeSync(output);
    }
  }

  /** The same command line again, without --wsrep-new-cluster: the node rejoins by state transfer. */
  restart(): void {
    this.start({ bootstrap: false });
  }

  /** kill -9 of the node and its helpers (a crash, its process group); resolves when they are gone. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (pid === null) throw new Error(`${this.name} is not running`);
    signal(-pid, 'SIGKILL');
    // Its state-transfer helpers too: a lingering rsync would hold the port the restart needs.
    const deadline = Date.now() + EXIT_TIMEOUT_MS;
    while ((await liveProcesses()).some((entry) => entry.group === pid)) {
      if (Date.now() > deadline) throw new Error(`${this.name} (pid ${pid}) did not exit after SIGKILL`);
      await sleep(20);
    }
  }

  /** SIGSTOP: the node stops answering anyone, its group communication included. */
  pause(): void {
    const pid = this.pid();
    if (pid === null) throw new Error(`${this.name} is not running`);
    signal(pid, 'SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    const pid = this.pid();
    if (pid === null) throw new Error(`${this.name} is not running`);
    signal(pid, 'SIGCONT');
  }

  /**
   * A connection to the node with causal reads on (wsrep_sync_wait = 1): each
   * SELECT first waits until the node has applied every write committed
   * anywhere in the cluster before it. With `database`, that database once the
   * node has it (a CREATE DATABASE on another node reaches it a moment later).
   */
  async connect(database?: string): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({ uri: this.url, flags: ['FOUND_ROWS'], timezone: 'Z' });
    try {
      await connection.query('SET SESSION wsrep_sync_wait = 1');
      if (database) {
        const [found] = await connection.query<RowDataPacket[]>(
          'SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?',
          [database],
        );
        if (found.length === 0) throw new Error(`${this.name} has no database ${database}`);
        await connection.query(`USE \`${database}\``);
      }
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  /** The node's own account of its state, or null when it does not answer within a second. */
  async status(): Promise<NodeStatus | null> {
    let connection: mysql.Connection | undefined;
    try {
      connection = await mysql.createConnection({ uri: this.url, connectTimeout: STATUS_CONNECT_TIMEOUT_MS });
      const [rows] = await connection.query<RowDataPacket[]>({
        sql: "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_status', 'wsrep_ready')",
        timeout: STATUS_CONNECT_TIMEOUT_MS,
      });
      const value = (name: string): string => String(rows.find((row) => row.Variable_name === name)?.Value ?? '');
      return {
        state: value('wsrep_local_state_comment'),
        clusterSize: Number(value('wsrep_cluster_size')),
        clusterStatus: value('wsrep_cluster_status'),
        ready: value('wsrep_ready') === 'ON',
      };
    } catch {
      return null;
    } finally {
      connection?.destroy();
    }
  }

  /** Waits until the node is Synced in a primary component of `clusterSize` nodes. */
  waitSynced(timeoutMs = 90_000, clusterSize = NODE_COUNT): Promise<NodeStatus> {
    return this.waitFor(
      `Synced in a primary component of ${clusterSize}`,
      (status) =>
        status.state === 'Synced' &&
        status.clusterSize === clusterSize &&
        status.clusterStatus === 'Primary' &&
        status.ready,
      timeoutMs,
    );
  }

  /** Waits until the node reports wsrep_cluster_status = `clusterStatus` (Primary or non-Primary). */
  waitClusterStatus(clusterStatus: 'Primary' | 'non-Primary', timeoutMs = 30_000): Promise<NodeStatus> {
    return this.waitFor(`${clusterStatus}`, (status) => status.clusterStatus === clusterStatus, timeoutMs);
  }

  /**
   * Polls the node until `reached`; fails at once when its process is gone,
   * and after `timeoutMs` otherwise, with its last status and err.log tail.
   */
  private async waitFor(
    what: string,
    reached: (status: NodeStatus) => boolean,
    timeoutMs: number,
  ): Promise<NodeStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: NodeStatus | null = null;
    for (;;) {
      if (!this.isRunning()) {
        throw new Error(`${this.name} exited before it was ${what}; tail of ${this.errorLog}:\n${tail(this.errorLog)}`);
      }
      last = await this.status();
      if (last && reached(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name} was not ${what} within ${timeoutMs / 1000} s (last: ${describe(last)}); tail of ${this.errorLog}:\n${tail(this.errorLog)}`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }
}

// ---------------------------------------------------------------- cluster

/** A node cut off from the other two, until heal(). */
export interface Partition {
  readonly isolated: ClusterNode;
  /** Lets the other nodes run again and waits until all three are Synced in one primary component. */
  heal(): Promise<void>;
}

export class Cluster {
  readonly nodes: readonly ClusterNode[];
  private closed = false;

  private constructor(readonly folder: string) {
    this.nodes = Array.from({ length: NODE_COUNT }, (_, offset) => new ClusterNode(this, offset + 1));
  }

  /** The cluster the harness started, for the tests (CLUSTER_DIR). */
  static fromEnvironment(): Cluster {
    const folder = process.env[CLUSTER_DIR_VARIABLE];
    if (!folder || !existsSync(folder)) {
      throw new Error(`${CLUSTER_DIR_VARIABLE} is not set: run the cluster suite with npm run test:cluster`);
    }
    return new Cluster(folder);
  }

  /** A fresh, empty folder for a cluster, marked with the harness's process id (see initialise). */
  static allocate(): Cluster {
    const folder = mkdtempSync(path.join(tmpdir(), RUN_FOLDER_PREFIX));
    chmodSync(folder, 0o755);
    writeFileSync(path.join(folder, 'harness.pid'), String(process.pid));
    return new Cluster(folder);
  }

  /**
   * One initialised data directory per node, owned by the mysql user: the
   * nodes run as mysql, and so does the rsync state transfer.
   */
  async initialise(): Promise<void> {
    for (const node of this.nodes) {
      await mkdir(node.dataDir, { recursive: true });
      await mkdir(node.tmpDir, { recursive: true });
    }
    const chown = spawnSync('chown', ['-R', 'mysql:mysql', ...this.nodes.map((node) => node.folder)]);
    if (chown.status !== 0) throw new Error(`chown of ${this.folder} failed: ${String(chown.stderr)}`);
    await Promise.all(this.nodes.map((node) => this.installDataDir(node)));
  }

  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  node(index: number): ClusterNode {
    const node = this.nodes[index - 1];
    if (!node) throw new Error(`no node ${index}`);
    return node;
  }

  /** Records a process (and its process group) started for the cluster, to be ended by destroy(). */
  record(pid: number): void {
    record(this.folder, pid);
  }

  /** Throws once destroy() has begun, so that nothing is started behind the clean-up. */
  assertOpen(): void {
    if (this.closed) throw new Error('the cluster is being removed');
  }

  /** Bootstraps node 1, then joins the others; resolves when all are Synced. Returns the seconds each step took. */
  async start(): Promise<{ bootstrapSeconds: number; joinSeconds: number }> {
    const started = Date.now();
    const [first, ...others] = this.nodes;
    first!.start({ bootstrap: true });
    await first!.waitSynced(30_000, 1);
    const bootstrapped = Date.now();
    for (const node of others) node.start();
    await this.waitSynced();
    return { bootstrapSeconds: (bootstrapped - started) / 1000, joinSeconds: (Date.now() - bootstrapped) / 1000 };
  }

  /**
   * Brings the cluster back to three Synced nodes, whatever a test left it
   * in: paused nodes resumed, stopped ones started again (they rejoin).
   * Returns what it had to repair, empty when nothing.
   */
  async repair(timeoutMs = 90_000): Promise<string[]> {
    const repaired: string[] = [];
    if (this.nodes.every((node) => !node.isRunning()))
      throw new Error('no node of the cluster runs: nothing to rejoin');
    for (const node of this.nodes) {
      if (!node.isRunning()) {
        node.restart();
        repaired.push(`${node.name} restarted`);
      } else if (node.isPaused()) {
        node.resume();
        repaired.push(`${node.name} resumed`);
      }
    }
    await this.waitSynced(timeoutMs);
    return repaired;
  }

  /** Waits until every node is Synced in one primary component of three. */
  async waitSynced(timeoutMs = 90_000): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.waitSynced(timeoutMs)));
  }

  /**
   * Cuts `node` off from the other two by pausing them (SIGSTOP) until it
   * has lost quorum: a node alone of three is non-Primary and refuses
   * statements with errno 1047. The paused nodes answer no one meanwhile.
   */
  async isolate(node: ClusterNode, timeoutMs = 30_000): Promise<Partition> {
    const others = this.nodes.filter((other) => other !== node);
    for (const other of others) other.pause();
    try {
      await node.waitClusterStatus('non-Primary', timeoutMs);
    } catch (error) {
      for (const other of others) other.resume();
      throw error;
    }
    return {
      isolated: node,
      heal: async () => {
        for (const other of others) other.resume();
        await this.waitSynced();
      },
    };
  }

  /** Ends every process started for the cluster and removes its folder. Returns how many processes it ended. */
  async destroy(): Promise<number> {
    this.closed = true;
    const ended = await killEverythingIn(this.folder);
    await rm(this.folder, { recursive: true, force: true });
    return ended;
  }

  /**
   * mariadb-install-db, with a temporary folder of the node's own: three of
   * them sharing /tmp at once now and then failed on each other's temporary
   * tables ("Unknown table 'mysql.tmp_user_nopasswd,…'").
   */
  private async installDataDir(node: ClusterNode): Promise<void> {
    const install = spawn(
      requireExecutable('mariadb-install-db'),
      [
        '--no-defaults',
        `--datadir=${node.dataDir}`,
        `--tmpdir=${node.tmpDir}`,
        '--user=mysql',
        '--auth-root-authentication-method=normal',
        '--innodb-log-file-size=16M',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    if (install.pid !== undefined) record(this.folder, install.pid);
    let output = '';
    install.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    install.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      install.on('error', reject);
      install.on('close', resolve);
    });
    await writeFile(path.join(node.folder, 'install.log'), output);
    if (code !== 0) {
      // The cause comes first, before the advice mariadb-install-db prints after it.
      const head = output.trim().split('\n').slice(0, LOG_TAIL_LINES).join('\n');
      throw new Error(`mariadb-install-db for ${node.name} exited with ${code}:\n${head}`);
    }
  }
}
