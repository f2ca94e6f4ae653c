/**
 * Operational endpoints: liveness, readiness and metrics, as answers that
 * the HTTP layer (src/server/http) writes; they know nothing of sockets.
 */
import type { Metrics } from './metrics';

export interface OpsDeps {
  readonly metrics: Metrics;
  /** Resolves when the database answers. */
  readonly ping: () => Promise<void>;
  /** A readiness probe must answer fast even when the database hangs. */
  readonly readyTimeoutMs?: number;
}

export interface OpsAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Answers a GET (or HEAD) of its path. */
export type OpsEndpoint = () => Promise<OpsAnswer>;

const READY_TIMEOUT_MS = 1000;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function jsonAnswer(status: number, body: unknown): OpsAnswer {
  return { status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(body) };
}

const ALIVE = jsonAnswer(200, { status: 'ok' });
const READY = jsonAnswer(200, { status: 'ready' });
const UNAVAILABLE = jsonAnswer(503, { status: 'unavailable' });

/** The endpoints by path. */
export function opsEndpoints({
  metrics,
  ping,
  readyTimeoutMs = READY_TIMEOUT_MS,
}: OpsDeps): ReadonlyMap<string, OpsEndpoint> {
  return new Map<string, OpsEndpoint>([
    ['/healthz', () => Promise.resolve(ALIVE)],
    ['/readyz', async () => ((await answersWithin(ping, readyTimeoutMs)) ? READY : UNAVAILABLE)],
    ['/metrics', async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.text() })],
  ]);
}

async function answersWithin(ping: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
