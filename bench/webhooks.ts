/**
 * Issue 13's cost figure: redeemCode with an endpoint subscribed to code.redeemed, beside the same load
 * without one, run by run in the same repetition; and how fast the deliveries reach a local receiver.
 * The receiver is a process of its own (receiver.ts). An endpoint hears only events from its creation on,
 * so each subscribed run's deliveries are exactly the redemptions the database gained during it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { meterProcess, microsPer } from './cpu';
import { createWebhookEndpoint, deleteWebhookEndpoint } from './graphql';
import type { LoadRun } from './load';
import { repoRoot } from './server';

/** How long the deliveries of one subscribed run may take to arrive after its load ends. */
const DRAIN_TIMEOUT_MS = 120_000;
const DRAIN_POLL_MS = 100;

export interface WebhookSample {
  readonly without: LoadRun;
  readonly subscribed: LoadRun;
  /** Redemptions made during the subscribed run, counted in the database: the deliveries owed. */
  readonly expected: number;
  /** Requests the receiver got, and distinct webhook-ids among them. */
  readonly received: number;
  readonly unique: number;
  /** Distinct deliveries over the time from the first to the last. */
  readonly deliveriesPerSecond: number;
  /** From the end of the subscribed run's load to the last delivery (0: all arrived during the load). */
  readonly lastAfterLoadMs: number;
  /**
   * The server's CPU from the start of the subscribed run until its last delivery arrived, per redemption:
   * a delivery deferred past the load is counted too, so that putting work off does not read as saving it.
   */
  readonly serverCpuPerDeliveredRedemptionMicros: number;
}

interface ReceiverStats {
  readonly received: number;
  readonly unique: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

/** The forked receiver, spoken to over IPC. */
export class Receiver {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    const script = path.join(repoRoot(), 'bench', 'receiver.mjs');
    const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const { port } = await nextMessage<{ port: number }>(child);
    return new Receiver(child, `http://127.0.0.1:${port}/hooks`);
  }

  async reset(): Promise<void> {
    this.child.send('reset');
    await nextMessage(this.child);
  }

  async stats(): Promise<ReceiverStats> {
    this.child.send('stats');
    return nextMessage<ReceiverStats>(this.child);
  }

  stop(): void {
    this.child.disconnect();
  }
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`the webhook receiver exited (${code})`)));
  });
}

async function redemptionRows(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM redemptions');
  return Number(rows[0]!.n);
}

/** One pair of runs: `redeemRun` plain, then again with the receiver subscribed, until every delivery arrived. */
export async function measureWebhookPair(
  endpoint: string,
  serverPid: number,
  pool: Pool,
  receiver: Receiver,
  redeemRun: () => Promise<LoadRun>,
): Promise<WebhookSample> {
  const without = await redeemRun();
  await receiver.reset();
  const subscription = await createWebhookEndpoint(endpoint, receiver.url, ['CODE_REDEEMED']);
  try {
    const before = await redemptionRows(pool);
    const serverCpu = meterProcess(serverPid);
    const subscribed = await redeemRun();
    const loadEnded = Date.now();
    const expected = (await redemptionRows(pool)) - before;
    const stats = await drained(receiver, expected);
    const cpuMicros = serverCpu.stop();
    return {
      without,
      subscribed,
      expected,
      received: stats.received,
      unique: stats.unique,
      deliveriesPerSecond: stats.lastAt > stats.firstAt ? (stats.unique * 1000) / (stats.lastAt - stats.firstAt) : 0,
      lastAfterLoadMs: Math.max(0, stats.lastAt - loadEnded),
      serverCpuPerDeliveredRedemptionMicros: microsPer(cpuMicros, expected),
    };
  } finally {
    await deleteWebhookEndpoint(endpoint, subscription);
  }
}

/** The receiver's figures once it has `expected` distinct deliveries, or when the drain times out. */
async function drained(receiver: Receiver, expected: number): Promise<ReceiverStats> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const stats = await receiver.stats();
    if (stats.unique >= expected || Date.now() > deadline) return stats;
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
}
