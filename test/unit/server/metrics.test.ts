/** HTTP metrics: fixed labels only, whatever the path. */
import { performance } from 'node:perf_hooks';
import { Metrics } from '../../../src/ops/metrics';
import { HttpRequestMetrics, OTHER_ROUTE } from '../../../src/server/http/metrics';

it('counts requests by route, method and status, and times them by route', async () => {
  const metrics = new Metrics();
  const http = new HttpRequestMetrics(metrics, ['/graphql', '/healthz']);
  const startedAt = performance.now();
  http.record('/graphql', 'POST', 200, startedAt);
  http.record('/graphql', 'POST', 200, startedAt);
  http.record('/graphql', 'POST', 413, startedAt);
  http.record('/healthz', 'GET', 200, startedAt);
  http.record(OTHER_ROUTE, 'GET', 404, startedAt);

  const requests = await metrics.httpRequests.get();
  expect(requests.values.map(({ labels, value }) => [labels, value])).toEqual([
    [{ route: '/graphql', method: 'POST', status: '200' }, 2],
    [{ route: '/graphql', method: 'POST', status: '413' }, 1],
    [{ route: '/healthz', method: 'GET', status: '200' }, 1],
    [{ route: 'other', method: 'GET', status: '404' }, 1],
  ]);
  const durations = await metrics.httpDuration.get();
  const counts = durations.values.filter(
    (value) => value.metricName === 'claimcheck_http_request_duration_seconds_count',
  );
  expect(counts.map(({ labels, value }) => [labels.route, value])).toEqual([
    ['/graphql', 3],
    ['/healthz', 1],
    ['other', 1],
  ]);
});

it('puts a route it was not given under other', async () => {
  const metrics = new Metrics();
  new HttpRequestMetrics(metrics, ['/graphql']).record('/wp-login.php', 'GET', 404, performance.now());
  const requests = await metrics.httpRequests.get();
  expect(requests.values.map(({ labels }) => labels.route)).toEqual(['other']);
});
