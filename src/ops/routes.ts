/** Operational endpoints: liveness, readiness and metrics. */
import { Router } from 'express';
import type { Metrics } from './metrics';

export interface OpsDeps {
  readonly metrics: Metrics;
  /** Resolves when the database answers. */
  readonly ping: () => Promise<void>;
  /** A readiness probe must answer fast even when the database hangs. */
  readonly readyTimeoutMs?: number;
}

const READY_TIMEOUT_MS = 1000;

export function opsRouter({ metrics, ping, readyTimeoutMs = READY_TIMEOUT_MS }: OpsDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await answersWithin(ping, readyTimeoutMs);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.text());
  });
  return router;
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
