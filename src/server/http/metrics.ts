/**
 * claimcheck_http_requests_total and claimcheck_http_request_duration_seconds,
 * with fixed labels only: a path outside the known routes is "other", so a
 * scan of random paths creates no time series. The label objects are made
 * once per route, method and status, not per request.
 */
import { performance } from 'node:perf_hooks';
import type { Metrics } from '../../ops/metrics';

export const OTHER_ROUTE = 'other';

interface RequestLabels {
  readonly route: string;
  readonly method: string;
  readonly status: string;
}

interface RouteSeries {
  readonly route: string;
  readonly durationLabels: { readonly route: string };
  /** By method, then by status code. */
  readonly requestLabels: Map<string, Map<number, RequestLabels>>;
}

export class HttpRequestMetrics {
  readonly #routes = new Map<string, RouteSeries>();

  /** `routes`: the paths that get a label of their own; `record` takes one of them or OTHER_ROUTE. */
  constructor(
    private readonly metrics: Metrics,
    routes: readonly string[],
  ) {
    for (const route of [...routes, OTHER_ROUTE]) {
      this.#routes.set(route, { route, durationLabels: { route }, requestLabels: new Map() });
    }
  }

  /**
   * One answered request. `method` comes from Node's HTTP parser, which knows
   * a fixed set of methods; `startedAt` is a performance.now() reading.
   */
  record(route: string, method: string, status: number, startedAt: number): void {
    const series = this.#routes.get(route) ?? this.#routes.get(OTHER_ROUTE)!;
    this.metrics.httpDuration.observe(series.durationLabels, (performance.now() - startedAt) / 1000);
    this.metrics.httpRequests.inc(labelsFor(series, method, status));
  }
}

function labelsFor(series: RouteSeries, method: string, status: number): RequestLabels {
  let byStatus = series.requestLabels.get(method);
  if (byStatus === undefined) {
    byStatus = new Map();
    series.requestLabels.set(method, byStatus);
  }
  let labels = byStatus.get(status);
  if (labels === undefined) {
    labels = { route: series.route, method, status: String(status) };
    byStatus.set(status, labels);
  }
  return labels;
}
