/**
 * WebhookStore on MySQL-compatible servers. The outbox is the journal
 * (code_events) and the redemptions table, both flagged dispatch_pending in
 * the change's own transaction; the fan-out turns flagged entries into
 * webhook_deliveries rows and clears the flags in one transaction. Deliveries
 * are leased by one conditional UPDATE (portability rule 8: rows, not named
 * locks); the lease's owner names the claim, so the claim reads back exactly
 * the rows it took.
 */
import type { ResultSetHeader } from 'mysql2/promise';
import type {
  AttemptResult,
  ChangeEntryType,
  CodeId,
  HoldRef,
  LeasedDelivery,
  LeaseRequest,
  NewWebhookDelivery,
  NewWebhookEndpoint,
  OutboxEntry,
  Page,
  RedemptionId,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookDeliveryState,
  WebhookEndpointId,
  WebhookEndpointRecord,
  WebhookEventId,
  WebhookStore,
} from '../port';
import { DEFAULT_BATCH_LIMITS, multiRowInserts, placeholders, runStatements } from './batches';
import { binaryToId, binaryToIdOrNull, idToBinary, isUuid } from './ids';
import { DISPATCH_PENDING } from './journal';
import type { MysqlDatabase } from './pool';
import { type MysqlAdapterOptions, MysqlRunner } from './runner';
import type { Rows, SqlValue } from './session';

const ENDPOINT_COLUMNS = 'id, scope, url, events, description, secret_ciphertext, secret_key_version, created_at';
const INSERT_ENDPOINT = `INSERT INTO webhook_endpoints (${ENDPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const DELIVERY_COLUMNS = [
  'endpoint_id',
  'event_id',
  'event_type',
  'body',
  'occurred_at',
  'state',
  'attempts',
  'next_attempt_at',
] as const;
/** One round trip for both outboxes; each part keeps its own order and limit. */
const PENDING_OUTBOX = `(SELECT 'journal' AS source, CAST(e.id AS CHAR) AS source_id, e.event_type, e.occurred_at, e.code_id,
    e.subject, e.scope, e.purpose, e.reason, e.redemption_id, e.hold_ref, e.last_code_id, e.item_count, h.expires_at AS hold_expires_at
  FROM code_events e LEFT JOIN holds h ON h.id = e.hold_ref
  WHERE e.dispatch_pending = ? ORDER BY e.id LIMIT ?)
UNION ALL
(SELECT 'redemption' AS source, NULL AS source_id, 'redeemed' AS event_type, r.redeemed_at AS occurred_at, r.code_id,
    CAST(r.subject AS CHAR) AS subject, c.scope, c.purpose, NULL AS reason, r.id AS redemption_id, r.hold_ref, NULL AS last_code_id,
    NULL AS item_count, NULL AS hold_expires_at
  FROM redemptions r JOIN codes c ON c.id = r.code_id
  WHERE r.dispatch_pending = ? ORDER BY r.id LIMIT ?)`;
/** Due, and not leased by a live claim: also what a crashed instance held once its lease ran out. */
const LEASE_DUE = `UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?
  WHERE state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)`;
const LEASED = `SELECT d.endpoint_id, d.event_id, d.body, d.attempts, d.lease_owner, w.url, w.secret_ciphertext, w.secret_key_version
  FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
  WHERE d.lease_owner = ? AND w.deleted_at IS NULL`;
const SETTLE_DELIVERIES = `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
    delivered_at = ?, lease_owner = NULL, lease_until = NULL
  WHERE endpoint_id = ? AND lease_owner = ? AND state = 'pending' AND event_id IN`;
const ATTEMPT_COLUMNS = [
  'endpoint_id',
  'event_id',
  'attempt',
  'started_at',
  'duration_ms',
  'status',
  'error_class',
  'excerpt',
  'instance',
] as const;
const DELIVERY_RECORD_COLUMNS =
  'endpoint_id, event_id, event_type, state, attempts, last_status, last_error, delivered_at, next_attempt_at';
const OLDEST_UNDELIVERED = `SELECT MIN(t.occurred_at) AS oldest FROM (
  (SELECT MIN(occurred_at) AS occurred_at FROM webhook_deliveries WHERE state = 'pending')
  UNION ALL (SELECT occurred_at FROM code_events WHERE dispatch_pending = ? ORDER BY id LIMIT 1)
  UNION ALL (SELECT redeemed_at FROM redemptions WHERE dispatch_pending = ? ORDER BY id LIMIT 1)
) t`;

function toEndpoint(row: Rows[number]): WebhookEndpointRecord {
  return {
    id: binaryToId<WebhookEndpointId>(row.id as Buffer),
    scope: row.scope === null ? null : String(row.scope),
    url: String(row.url),
    events: String(row.events).split(',').filter(Boolean),
    description: row.description === null ? null : String(row.description),
    secretCiphertext: row.secret_ciphertext as Buffer,
    secretKeyVersion: String(row.secret_key_version),
    createdAt: row.created_at as Date,
  };
}

function toOutboxEntry(row: Rows[number]): OutboxEntry {
  const source = row.source === 'journal' ? 'journal' : 'redemption';
  const redemptionId = binaryToIdOrNull<RedemptionId>(row.redemption_id);
  return {
    source,
    sourceId: source === 'journal' ? String(row.source_id) : String(redemptionId),
    type: String(row.event_type) as ChangeEntryType | 'redeemed',
    at: row.occurred_at as Date,
    codeId: binaryToIdOrNull<CodeId>(row.code_id),
    subject: row.subject === null ? null : String(row.subject),
    scope: row.scope === null ? null : String(row.scope),
    purpose: row.purpose === null ? null : String(row.purpose),
    reason: row.reason === null ? null : String(row.reason),
    redemptionId,
    holdRef: binaryToIdOrNull<HoldRef>(row.hold_ref),
    lastCodeId: binaryToIdOrNull<CodeId>(row.last_code_id),
    count: row.item_count === null ? null : Number(row.item_count),
    holdExpiresAt: (row.hold_expires_at as Date | null) ?? null,
  };
}

function toDeliveryRecord(row: Rows[number]): WebhookDeliveryRecord {
  return {
    endpointId: binaryToId<WebhookEndpointId>(row.endpoint_id as Buffer),
    eventId: binaryToId<WebhookEventId>(row.event_id as Buffer),
    eventType: String(row.event_type),
    state: String(row.state) as WebhookDeliveryState,
    attempts: Number(row.attempts),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error === null ? null : String(row.last_error),
    deliveredAt: (row.delivered_at as Date | null) ?? null,
    nextAttemptAt: (row.next_attempt_at as Date | null) ?? null,
  };
}

function attemptRow(result: AttemptResult): SqlValue[] {
  return [
    idToBinary(result.endpointId),
    idToBinary(result.eventId),
    result.attempt,
    result.startedAt,
    result.durationMs,
    result.status,
    result.errorClass,
    result.excerpt,
    result.instance,
  ];
}

/** Results that move their deliveries to the same values, in one UPDATE each. */
function settleGroups(results: readonly AttemptResult[]): AttemptResult[][] {
  const groups = new Map<string, AttemptResult[]>();
  for (const result of results) {
    const key = JSON.stringify([
      result.endpointId,
      result.leaseOwner,
      result.state,
      result.attempt,
      result.nextAttemptAt?.getTime() ?? null,
      result.status,
      result.errorClass,
      result.deliveredAt?.getTime() ?? null,
    ]);
    const group = groups.get(key) ?? [];
    group.push(result);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function deliveryRow(delivery: NewWebhookDelivery): SqlValue[] {
  return [
    idToBinary(delivery.endpointId),
    idToBinary(delivery.eventId),
    delivery.eventType,
    delivery.body,
    delivery.occurredAt,
    'pending',
    0,
    delivery.dueAt,
  ];
}

/** Rows in key order: two fan-outs of the same events lock them in the same order and cannot deadlock. */
function byKey(deliveries: readonly NewWebhookDelivery[]): NewWebhookDelivery[] {
  const key = (delivery: NewWebhookDelivery): string => `${delivery.endpointId}/${delivery.eventId}`;
  return [...deliveries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function scopeCondition(within: string | null): { text: string; values: SqlValue[] } {
  return within === null ? { text: '', values: [] } : { text: ' AND scope = CAST(? AS BINARY)', values: [within] };
}

export class MysqlWebhookStore implements WebhookStore {
  private readonly runner: MysqlRunner;

  constructor(database: MysqlDatabase, options: MysqlAdapterOptions = {}) {
    this.runner = new MysqlRunner(database, options);
  }

  async insertEndpoint(endpoint: NewWebhookEndpoint): Promise<void> {
    await this.runner.autocommit('insertEndpoint', (session) =>
      session.execute(INSERT_ENDPOINT, [
        idToBinary(endpoint.id),
        endpoint.scope,
        endpoint.url,
        endpoint.events.join(','),
        endpoint.description,
        endpoint.secretCiphertext,
        endpoint.secretKeyVersion,
        endpoint.createdAt,
      ]),
    );
  }

  async listEndpoints(within: string | null): Promise<WebhookEndpointRecord[]> {
    const scope = scopeCondition(within);
    const rows = await this.runner.autocommit('listEndpoints', (session) =>
      session.execute<Rows>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE deleted_at IS NULL${scope.text} ORDER BY id`,
        scope.values,
      ),
    );
    return rows.map(toEndpoint);
  }

  async getEndpoint(id: WebhookEndpointId, within: string | null): Promise<WebhookEndpointRecord | null> {
    if (!isUuid(id)) return null;
    const scope = scopeCondition(within);
    const rows = await this.runner.autocommit('getEndpoint', (session) =>
      session.execute<Rows>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ? AND deleted_at IS NULL${scope.text}`,
        [idToBinary(id), ...scope.values],
      ),
    );
    return rows.length === 0 ? null : toEndpoint(rows[0]);
  }

  async deleteEndpoint(id: WebhookEndpointId, within: string | null, now: Date): Promise<boolean> {
    if (!isUuid(id)) return false;
    const scope = scopeCondition(within);
    return this.runner.transaction('deleteEndpoint', async (session) => {
      const deleted = await session.execute<ResultSetHeader>(
        `UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL${scope.text}`,
        [now, idToBinary(id), ...scope.values],
      );
      if (deleted.affectedRows !== 1) {
        await session.rollback();
        return false;
      }
      await session.execute(
        "UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL WHERE endpoint_id = ? AND state = 'pending'",
        [idToBinary(id)],
      );
      return true;
    });
  }

  async rewrapSecret(
    id: WebhookEndpointId,
    fromVersion: string,
    ciphertext: Buffer,
    toVersion: string,
  ): Promise<boolean> {
    const result = await this.runner.autocommit('rewrapSecret', (session) =>
      session.execute<ResultSetHeader>(
        'UPDATE webhook_endpoints SET secret_ciphertext = ?, secret_key_version = ? WHERE id = ? AND secret_key_version = ?',
        [ciphertext, toVersion, idToBinary(id), fromVersion],
      ),
    );
    return result.affectedRows === 1;
  }

  async pendingOutbox(limit: number): Promise<OutboxEntry[]> {
    // query(): a numeric LIMIT placeholder is refused by some servers' prepared statements.
    const rows = await this.runner.autocommit('pendingOutbox', (session) =>
      session.query<Rows>(PENDING_OUTBOX, [DISPATCH_PENDING, limit, DISPATCH_PENDING, limit]),
    );
    return rows.map(toOutboxEntry);
  }

  async fanOut(entries: readonly OutboxEntry[], deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    const journalIds = entries.filter((entry) => entry.source === 'journal').map((entry) => Number(entry.sourceId));
    const redemptionIds = entries
      .filter((entry) => entry.source === 'redemption')
      .map((entry) => idToBinary(entry.sourceId));
    const inserts = multiRowInserts(
      'webhook_deliveries',
      DELIVERY_COLUMNS,
      byKey(deliveries).map(deliveryRow),
      DEFAULT_BATCH_LIMITS,
      'INSERT IGNORE',
    );
    await this.runner.transaction('fanOut', async (session) => {
      await runStatements(session, inserts);
      if (journalIds.length > 0) {
        await session.query(
          `UPDATE code_events SET dispatch_pending = NULL WHERE dispatch_pending = ? AND id IN ${placeholders(journalIds.length)}`,
          [DISPATCH_PENDING, ...journalIds],
        );
      }
      if (redemptionIds.length > 0) {
        await session.query(
          `UPDATE redemptions SET dispatch_pending = NULL WHERE dispatch_pending = ? AND id IN ${placeholders(redemptionIds.length)}`,
          [DISPATCH_PENDING, ...redemptionIds],
        );
      }
    });
  }

  async lease(request: LeaseRequest): Promise<LeasedDelivery[]> {
    if (request.limit < 1) return [];
    const excluded = request.excludeEndpoints.map((id) => idToBinary(id));
    const exclusion = excluded.length === 0 ? '' : ` AND endpoint_id NOT IN ${placeholders(excluded.length)}`;
    return this.runner.autocommit('leaseDeliveries', async (session) => {
      const taken = await session.query<ResultSetHeader>(`${LEASE_DUE}${exclusion} ORDER BY next_attempt_at LIMIT ?`, [
        request.owner,
        request.until,
        request.now,
        request.now,
        ...excluded,
        request.limit,
      ]);
      if (taken.affectedRows === 0) return [];
      const rows = await session.execute<Rows>(LEASED, [request.owner]);
      return rows.map((row) => ({
        endpointId: binaryToId<WebhookEndpointId>(row.endpoint_id as Buffer),
        eventId: binaryToId<WebhookEventId>(row.event_id as Buffer),
        body: String(row.body),
        attempts: Number(row.attempts),
        url: String(row.url),
        secretCiphertext: row.secret_ciphertext as Buffer,
        secretKeyVersion: String(row.secret_key_version),
        leaseOwner: String(row.lease_owner),
      }));
    });
  }

  async recordAttempts(results: readonly AttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    const attempts = multiRowInserts(
      'webhook_attempts',
      ATTEMPT_COLUMNS,
      results.map(attemptRow),
      DEFAULT_BATCH_LIMITS,
    );
    await this.runner.transaction('recordAttempts', async (session) => {
      await runStatements(session, attempts);
      // A lease that ran out (and was taken over) no longer moves the delivery: its new holder decides.
      for (const group of settleGroups(results)) {
        const [first] = group;
        await session.query(`${SETTLE_DELIVERIES} ${placeholders(group.length)}`, [
          first!.state,
          first!.attempt,
          first!.nextAttemptAt,
          first!.status,
          first!.errorClass,
          first!.deliveredAt,
          idToBinary(first!.endpointId),
          first!.leaseOwner,
          ...group.map((result) => idToBinary(result.eventId)),
        ]);
      }
    });
  }

  async releaseLeases(
    deliveries: readonly Pick<LeasedDelivery, 'endpointId' | 'eventId' | 'leaseOwner'>[],
  ): Promise<void> {
    if (deliveries.length === 0) return;
    const conditions = deliveries.map(() => '(endpoint_id = ? AND event_id = ? AND lease_owner = ?)').join(' OR ');
    await this.runner.autocommit('releaseLeases', (session) =>
      session.query(
        `UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL WHERE state = 'pending' AND (${conditions})`,
        deliveries.flatMap((delivery) => [
          idToBinary(delivery.endpointId),
          idToBinary(delivery.eventId),
          delivery.leaseOwner,
        ]),
      ),
    );
  }

  async listDeliveries(
    endpointId: WebhookEndpointId,
    first: number,
    after: WebhookEventId | null,
  ): Promise<Page<WebhookDeliveryRecord>> {
    if (!isUuid(endpointId) || (after !== null && !isUuid(after))) return { items: [], hasNextPage: false };
    const values: SqlValue[] = [idToBinary(endpointId)];
    if (after !== null) values.push(idToBinary(after));
    const rows = await this.runner.autocommit('listDeliveries', (session) =>
      session.query<Rows>(
        `SELECT ${DELIVERY_RECORD_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ?${after === null ? '' : ' AND event_id < ?'} ORDER BY event_id DESC LIMIT ?`,
        [...values, first + 1],
      ),
    );
    return { items: rows.slice(0, first).map(toDeliveryRecord), hasNextPage: rows.length > first };
  }

  async listAttempts(endpointId: WebhookEndpointId, eventId: WebhookEventId): Promise<WebhookAttemptRecord[]> {
    if (!isUuid(endpointId) || !isUuid(eventId)) return [];
    const rows = await this.runner.autocommit('listAttempts', (session) =>
      session.execute<Rows>(
        'SELECT attempt, started_at, duration_ms, status, error_class, excerpt FROM webhook_attempts WHERE endpoint_id = ? AND event_id = ? ORDER BY id',
        [idToBinary(endpointId), idToBinary(eventId)],
      ),
    );
    return rows.map((row) => ({
      attempt: Number(row.attempt),
      startedAt: row.started_at as Date,
      durationMs: Number(row.duration_ms),
      status: row.status === null ? null : Number(row.status),
      errorClass: row.error_class === null ? null : String(row.error_class),
      excerpt: row.excerpt === null ? null : String(row.excerpt),
    }));
  }

  async oldestUndelivered(): Promise<Date | null> {
    const rows = await this.runner.autocommit('oldestUndelivered', (session) =>
      session.execute<Rows>(OLDEST_UNDELIVERED, [DISPATCH_PENDING, DISPATCH_PENDING]),
    );
    return (rows[0]?.oldest as Date | null | undefined) ?? null;
  }
}
