/** One code, many simultaneous redeemers: exactly one must win, and every one must get an answer. */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { classify, emptyTally, JSON_HEADERS, REDEEM, type Tally } from './graphql';

/** Bounds a request that never gets an answer; such a request counts as unanswered. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface HotCodeRun {
  readonly racers: number;
  /** success = winners; refused = RedeemFailure answers (INVALID_OR_EXPIRED or RATE_LIMITED). */
  readonly tally: Tally;
  /** Requests with no HTTP answer at all (connection error or timeout). */
  readonly unanswered: number;
  /** From firing the requests to the last answer. */
  readonly lastAnswerMs: number;
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly atMs: number;
}

/**
 * Fires `racers` redemptions of `code` at once, each on its own socket from `localAddress`: the server
 * (TRUST_PROXY off) counts the losers' failures against that address, so each race uses a fresh one.
 */
export async function raceOneCode(
  endpoint: string,
  code: string,
  scope: string,
  racers: number,
  localAddress: string,
): Promise<HotCodeRun> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: racers, localAddress });
  const body = REDEEM.body(code, scope);
  const started = performance.now();
  try {
    const answers = await Promise.all(Array.from({ length: racers }, () => post(agent, endpoint, body)));
    const tally = emptyTally();
    let lastAnswerMs = 0;
    for (const answer of answers) {
      if (answer === null) continue;
      tally[classify(REDEEM, answer.status, answer.body)]++;
      lastAnswerMs = Math.max(lastAnswerMs, answer.atMs - started);
    }
    return { racers, tally, unanswered: answers.filter((answer) => answer === null).length, lastAnswerMs };
  } finally {
    agent.destroy();
  }
}

/** The answer, or null when there was none. */
function post(agent: http.Agent, endpoint: string, body: string): Promise<Answer | null> {
  return new Promise((resolve) => {
    const request = http.request(endpoint, { method: 'POST', agent, headers: JSON_HEADERS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          atMs: performance.now(),
        }),
      );
      response.on('error', () => resolve(null));
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy());
    request.on('error', () => resolve(null));
    request.end(body);
  });
}
