/** HTTP load with autocannon: one public operation, a distinct code per request, every answer read. */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { CodeQueue } from './codes';
import { meterProcess, microsPer, monotonicMicros } from './cpu';
import { classify, emptyTally, JSON_HEADERS, type PublicOperation, type Tally } from './graphql';
import { sampleRss } from './server';
import { perSecond } from './stats';

/** Seconds before autocannon gives up on one request. */
const REQUEST_TIMEOUT_S = 10;
/** autocannon notices the end of a run at its next sample: 100 ms instead of 1 s keeps runs short. */
const SAMPLE_INTERVAL_MS = 100;

export interface CodeSupply {
  next(): string;
  /** Requests the codes allow (each distinct), or null when the codes may repeat (a check does not consume them). */
  readonly limit: number | null;
}

/**
 * Each code of `queue` once. autocannon also takes a connection's next code when it reconnects, so the run
 * is limited to `queue.remaining - connections` requests: a spare code per connection.
 */
export function consuming(queue: CodeQueue, connections: number): CodeSupply {
  const limit = queue.remaining - connections;
  if (limit < connections) throw new Error(`${queue.remaining} codes are too few for ${connections} connections`);
  return {
    limit,
    next: () => {
      const code = queue.take();
      if (code === null) throw new Error('the code queue ran dry: more requests than codes');
      return code;
    },
  };
}

/** The same valid codes over and over: a check does not consume them. */
export function cycling(codes: readonly string[]): CodeSupply {
  if (codes.length === 0) throw new Error('no codes to check');
  let index = 0;
  return { limit: null, next: () => codes[index++ % codes.length]! };
}

export interface LoadTarget {
  readonly endpoint: string;
  readonly serverPid: number;
}

export interface LoadRun {
  readonly connections: number;
  readonly tally: Tally;
  /** Connection errors and timeouts, as autocannon counts them. */
  readonly socketErrors: number;
  /**
   * Requests sent without an answer read: those in flight when a timed run stops. The server may still
   * have carried them out (a redemption that nobody saw).
   */
  readonly unanswered: number;
  readonly elapsedMs: number;
  /** Successful answers (the operation's success type) per second. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxRssMiB: number;
  /** The server process's CPU (user + system) over the run, per successful answer. */
  readonly serverCpuPerSuccessMicros: number;
  /** The run on the monotonic clock, so that a server CPU profile can be cut to it (profile-layers). */
  readonly window: MonotonicWindow;
}

export interface MonotonicWindow {
  readonly startMicros: number;
  readonly endMicros: number;
}

export interface RunBounds {
  readonly seconds: number;
  /** null: as many as `seconds` and the codes allow. */
  readonly requests: number | null;
}

/** Sends `operation` over `connections` keep-alive connections until the bounds are reached or the codes run out. */
export async function runLoad(
  target: LoadTarget,
  operation: PublicOperation,
  supply: CodeSupply,
  connections: number,
  bounds: RunBounds,
): Promise<LoadRun> {
  const amounts = [supply.limit, bounds.requests].filter((limit) => limit !== null);
  const tally = emptyTally();
  const rss = sampleRss(target.serverPid);
  const cpu = meterProcess(target.serverPid);
  const startMicros = monotonicMicros();
  const started = performance.now();
  let lastAnswer = started;
  let maxRssMiB = 0;
  const result = await runAutocannon(
    {
      url: target.endpoint,
      method: 'POST',
      headers: JSON_HEADERS,
      connections,
      pipelining: 1,
      timeout: REQUEST_TIMEOUT_S,
      sampleInt: SAMPLE_INTERVAL_MS,
      duration: bounds.seconds,
      ...(amounts.length === 0 ? {} : { amount: Math.min(...amounts) }),
      requests: [
        {
          setupRequest: (request) => ({ ...request, body: operation.body(supply.next(), null) }),
          onResponse: (status, body) => {
            tally[classify(operation, status, body)]++;
            lastAnswer = performance.now();
          },
        },
      ],
    },
    bounds.seconds,
  ).finally(() => (maxRssMiB = rss.stop()));
  const serverCpuMicros = cpu.stop();
  const endMicros = monotonicMicros();
  const elapsedMs = lastAnswer - started;
  return {
    connections,
    tally,
    socketErrors: result.errors,
    unanswered: Math.max(0, result.requests.sent - answered(tally)),
    elapsedMs,
    rate: perSecond(tally.success, elapsedMs),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxRssMiB,
    serverCpuPerSuccessMicros: microsPer(serverCpuMicros, tally.success),
    window: { startMicros, endMicros },
  };
}

function answered(tally: Tally): number {
  return Object.values(tally).reduce((total, count) => total + count, 0);
}

/** autocannon, stopped after `seconds` also when it has an `amount`, which overrides `duration`. */
async function runAutocannon(options: autocannon.Options, seconds: number): Promise<autocannon.Result> {
  let instance: autocannon.Instance | undefined;
  const stopAt = setTimeout(() => instance?.stop(), seconds * 1000);
  try {
    return await new Promise((resolve, reject) => {
      instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    });
  } finally {
    clearTimeout(stopAt);
  }
}
