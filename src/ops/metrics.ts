/**
 * Prometheus metrics on a registry of our own (never prom-client's global
 * one, so that several servers can live in one process, as in the tests).
 * Label values come from fixed sets: never a code, a key or client input.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptOperation, AttemptOutcome, ServiceObserver } from '../codes/types';
import type { DeliveryOutcome, WebhookObserver } from '../webhooks/dispatcher';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'claimcheck_http_requests_total',
    help: 'HTTP requests by route, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'claimcheck_http_request_duration_seconds',
    help: 'HTTP request latency by route.',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly graphqlRequests = new Counter({
    name: 'claimcheck_graphql_requests_total',
    help: 'GraphQL operations by root field and outcome (ok or the first error code).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'claimcheck_graphql_request_duration_seconds',
    help: 'GraphQL operation latency by root field.',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly codeAttempts = new Counter({
    name: 'claimcheck_code_attempts_total',
    help: 'Redemptions, checks and hold operations by outcome, internal failure reasons included.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly invariantViolations = new Counter({
    name: 'claimcheck_invariant_violations_total',
    help: 'Broken guarantees of the store (e.g. a claim that changed more than one row). Should stay 0.',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'claimcheck_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (delivered, retrying, given_up) and error class (none when delivered).',
    labelNames: ['outcome', 'error_class'] as const,
    registers: [this.registry],
  });

  readonly webhookAttemptDuration = new Histogram({
    name: 'claimcheck_webhook_attempt_duration_seconds',
    help: 'How long one webhook delivery attempt took.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly webhookBacklog = new Gauge({
    name: 'claimcheck_webhook_oldest_undelivered_seconds',
    help: 'Age of the oldest webhook event not yet delivered (0 when none waits); alert when it keeps growing.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** What the service reports about each attempt. */
  readonly observer: ServiceObserver = {
    attempt: (operation: AttemptOperation, outcome: AttemptOutcome) => {
      this.codeAttempts.inc({ operation, outcome });
    },
  };

  /** What the webhook dispatcher reports. Labels are fixed sets: never a URL or a secret. */
  readonly webhookObserver: WebhookObserver = {
    attempt: (outcome: DeliveryOutcome, errorClass: string | null, seconds: number) => {
      this.webhookAttempts.inc({ outcome, error_class: errorClass ?? 'none' });
      this.webhookAttemptDuration.observe(seconds);
    },
    backlog: (oldestAgeSeconds: number) => this.webhookBacklog.set(oldestAgeSeconds),
  };

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
