/**
 * The admin use cases of webhooks: endpoints (created with a signing secret
 * shown once, listed, deleted) and their deliveries. `within` confines a call
 * to one scope (a scoped admin key); null means every scope.
 */
import type {
  WebhookAttemptRecord,
  WebhookEndpointId,
  WebhookEndpointRecord,
  WebhookEventId,
  WebhookStore,
} from '../../store/port';
import { decodeCursor, encodeCursor } from '../cursor';
import { InvalidInput } from '../errors';
import { isUuidV7, newWebhookEndpointId } from '../ids';
import type { Clock, PageRequest, PageView, RandomBytes } from '../types';
import { checkLength, INPUT_LIMITS, validatePage } from '../validation';
import type { AddressPolicy } from './address-policy';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './events';
import type { SecretBox } from './secret-box';
import { newSigningSecret } from './signing';

export interface WebhookAdminDeps {
  readonly store: WebhookStore;
  readonly policy: AddressPolicy;
  readonly secrets: SecretBox;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

export interface NewEndpointRequest {
  readonly url: string;
  readonly events: readonly string[];
  readonly scope: string | null;
  readonly description: string | null;
}

export interface WebhookEndpointView {
  readonly id: WebhookEndpointId;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly scope: string | null;
  readonly description: string | null;
  readonly createdAt: Date;
}

export interface CreatedEndpoint {
  readonly endpoint: WebhookEndpointView;
  /** whsec_…: exists only in this return value. */
  readonly secret: string;
}

export interface WebhookDeliveryView {
  readonly id: string;
  readonly eventId: WebhookEventId;
  readonly eventType: WebhookEventType;
  readonly state: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: Date | null;
  readonly nextAttemptAt: Date | null;
}

const DESCRIPTION_MAX = 500;
const EMPTY_PAGE: PageView<WebhookDeliveryView> = Object.freeze({ items: [], hasNextPage: false, endCursor: null });

function toView(record: WebhookEndpointRecord): WebhookEndpointView {
  const { id, url, scope, description, createdAt } = record;
  return { id, url, events: record.events.filter(isWebhookEventType), scope, description, createdAt };
}

function parseEndpointId(value: string): WebhookEndpointId | null {
  return isUuidV7(value) ? (value as WebhookEndpointId) : null;
}

function checkEvents(events: readonly string[]): WebhookEventType[] {
  const unknown = events.filter((event) => !isWebhookEventType(event));
  if (unknown.length > 0) {
    throw new InvalidInput('events', `events must be among ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  }
  if (events.length === 0) throw new InvalidInput('events', 'events must name at least one event type');
  // Kept in the contract's order, each once.
  return WEBHOOK_EVENT_TYPES.filter((type) => events.includes(type));
}

export class WebhookAdmin {
  constructor(private readonly deps: WebhookAdminDeps) {}

  async create(request: NewEndpointRequest): Promise<CreatedEndpoint> {
    checkLength('scope', request.scope, INPUT_LIMITS.scope);
    checkLength('description', request.description, DESCRIPTION_MAX);
    const events = checkEvents(request.events);
    const url = await this.deps.policy.admit(request.url);
    const now = this.deps.clock.now();
    const id = newWebhookEndpointId(now, this.deps.random);
    const secret = newSigningSecret(this.deps.random);
    const sealed = this.deps.secrets.seal(secret, id, this.deps.random);
    const record: WebhookEndpointRecord = {
      id,
      scope: request.scope,
      url,
      events,
      description: request.description,
      secretCiphertext: sealed.ciphertext,
      secretKeyVersion: sealed.keyVersion,
      createdAt: now,
    };
    await this.deps.store.insertEndpoint(record);
    return { endpoint: toView(record), secret };
  }

  async list(within: string | null): Promise<WebhookEndpointView[]> {
    return (await this.deps.store.listEndpoints(within)).map(toView);
  }

  async delete(endpointId: string, within: string | null): Promise<boolean> {
    const id = parseEndpointId(endpointId);
    return id === null ? false : this.deps.store.deleteEndpoint(id, within, this.deps.clock.now());
  }

  /** An endpoint's deliveries, newest first; nothing when the endpoint is not visible within `within`. */
  async deliveries(
    endpointId: string,
    within: string | null,
    page: PageRequest,
  ): Promise<PageView<WebhookDeliveryView>> {
    validatePage(page.first);
    const after = page.after === null ? null : decodeCursor(page.after);
    if (page.after !== null && after === null) throw new InvalidInput('after', 'after is not a cursor from this API');
    const id = parseEndpointId(endpointId);
    if (id === null || (await this.deps.store.getEndpoint(id, within)) === null) return EMPTY_PAGE;
    const found = await this.deps.store.listDeliveries(id, page.first, after as WebhookEventId | null);
    const items = found.items.map((record) => ({
      id: `${record.endpointId}:${record.eventId}`,
      eventId: record.eventId,
      eventType: record.eventType as WebhookEventType,
      state: record.state,
      attempts: record.attempts,
      lastStatus: record.lastStatus,
      lastError: record.lastError,
      deliveredAt: record.deliveredAt,
      nextAttemptAt: record.nextAttemptAt,
    }));
    const last = items.at(-1);
    return { items, hasNextPage: found.hasNextPage, endCursor: last ? encodeCursor(last.eventId) : null };
  }

  /** Every attempt at one delivery, oldest first (the CLI shows them). */
  async attempts(endpointId: string, eventId: string, within: string | null): Promise<WebhookAttemptRecord[]> {
    const id = parseEndpointId(endpointId);
    if (id === null || !isUuidV7(eventId) || (await this.deps.store.getEndpoint(id, within)) === null) return [];
    return this.deps.store.listAttempts(id, eventId as WebhookEventId);
  }
}
