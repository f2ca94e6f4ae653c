/** What each command does, over the same service layer the GraphQL API uses. */
import { randomBytes } from 'node:crypto';
import { generateKeyLine } from '../codes/keyring';
import type { CodeAdmin } from '../codes/admin';
import type { CodeState, IssueOptions } from '../codes/types';
import {
  ATTEMPT_COLUMNS,
  attemptRow,
  CODE_COLUMNS,
  codeJson,
  codeRow,
  DELIVERY_COLUMNS,
  deliveryRow,
  ENDPOINT_COLUMNS,
  endpointJson,
  endpointRow,
  ISSUED_COLUMNS,
  issuedRow,
  REDEMPTION_COLUMNS,
  redemptionJson,
  redemptionRow,
  RowWriter,
} from './format';
import { CliFailure, write, type CliIo } from './io';
import type { OutputFormat } from './options';
import type { Session } from './session';

/** Counts at least this large report progress on stderr, batch by batch. */
const PROGRESS_FROM = 1000;

export interface IssueCommandOptions {
  readonly count: number;
  readonly purpose?: string;
  readonly scope?: string;
  readonly grant?: string;
  readonly ttl?: number;
  readonly expiresAt?: Date;
  readonly startsAt?: Date;
  readonly maxRedemptions?: number;
  readonly perSubject?: number;
  readonly format: OutputFormat;
}

/**
 * The only moment the plaintext codes exist: they go to stdout and nowhere
 * else. Counts beyond the server's batch limit are issued batch after batch,
 * each written out as soon as it is committed.
 */
export async function issue({ codes, config }: Session, io: CliIo, options: IssueCommandOptions): Promise<void> {
  const issueOptions: IssueOptions = {
    purpose: options.purpose ?? null,
    scope: options.scope ?? null,
    grant: options.grant ?? null,
    ttlSeconds: options.ttl ?? null,
    expiresAt: options.expiresAt ?? null,
    startsAt: options.startsAt ?? null,
    maxRedemptions: options.maxRedemptions ?? null,
    maxRedemptionsPerSubject: options.perSubject ?? null,
  };
  const rows = new RowWriter(options.format, ISSUED_COLUMNS);
  for (let done = 0; done < options.count;) {
    const batch = await codes.admin.issueMany(Math.min(config.maxBatch, options.count - done), issueOptions);
    await write(io.stdout, rows.lines(batch.map(issuedRow)));
    done += batch.length;
    if (options.count >= PROGRESS_FROM) io.stderr.write(`claimcheck: issued ${done} of ${options.count}\n`);
  }
}

async function existing(admin: CodeAdmin, id: string, scope: string | null) {
  const code = await admin.get(id, scope);
  if (!code) throw new CliFailure(`no code with id ${id}${scope === null ? '' : ` in scope ${scope}`}`);
  return code;
}

export async function show({ codes }: Session, io: CliIo, id: string, scope: string | null): Promise<void> {
  const code = await existing(codes.admin, id, scope);
  await write(io.stdout, `${codeJson(code, await codes.admin.activeHolds(code.id))}\n`);
}

export async function revoke({ codes }: Session, io: CliIo, id: string, scope: string | null): Promise<void> {
  const result = await codes.admin.revoke(id, scope);
  const code = result.code ?? (await existing(codes.admin, id, scope));
  await write(io.stdout, `${codeJson(code)}\n`);
  // Revoking twice is not an error: the code is out of use either way.
  if (!result.revoked) io.stderr.write(`claimcheck: nothing to revoke: code ${id} is ${code.state.toLowerCase()}\n`);
}

export interface ListCommandOptions {
  readonly scope?: string;
  readonly purpose?: string;
  readonly state?: CodeState;
  readonly first: number;
  readonly after?: string;
  readonly format: OutputFormat;
}

export async function list({ codes }: Session, io: CliIo, options: ListCommandOptions): Promise<void> {
  const page = await codes.admin.list({
    filter: { scope: options.scope ?? null, purpose: options.purpose ?? null, state: options.state ?? null },
    first: options.first,
    after: options.after ?? null,
  });
  await write(io.stdout, new RowWriter(options.format, CODE_COLUMNS).lines(page.items.map(codeRow)));
  if (page.hasNextPage) io.stderr.write(`claimcheck: more codes: add --after ${page.endCursor}\n`);
}

export interface RedemptionsCommandOptions {
  readonly scope?: string;
  readonly first: number;
  readonly after?: string;
  readonly format: OutputFormat;
}

/** A code's redemptions, newest first, reversed ones included. */
export async function redemptions(
  { codes }: Session,
  io: CliIo,
  codeId: string,
  options: RedemptionsCommandOptions,
): Promise<void> {
  const code = await existing(codes.admin, codeId, options.scope ?? null);
  const page = await codes.admin.redemptions(code.id, { first: options.first, after: options.after ?? null });
  await write(io.stdout, new RowWriter(options.format, REDEMPTION_COLUMNS).lines(page.items.map(redemptionRow)));
  if (page.hasNextPage) io.stderr.write(`claimcheck: more redemptions: add --after ${page.endCursor}\n`);
}

/** Gives one redemption's use back to its code (an order was cancelled). */
export async function reverse(
  { codes }: Session,
  io: CliIo,
  redemptionId: string,
  options: { readonly reason?: string; readonly scope?: string },
): Promise<void> {
  const result = await codes.admin.reverse(redemptionId, options.reason ?? null, options.scope ?? null);
  if (!result.redemption) {
    throw new CliFailure(
      `no redemption with id ${redemptionId}${options.scope === undefined ? '' : ` in scope ${options.scope}`}`,
    );
  }
  await write(io.stdout, `${redemptionJson(result.redemption)}\n`);
  // Reversing twice is not an error: the use is back either way.
  if (!result.reversed)
    io.stderr.write(`claimcheck: nothing to reverse: redemption ${redemptionId} was reversed before\n`);
}

export async function stats(
  { codes }: Session,
  io: CliIo,
  filter: { readonly scope?: string; readonly purpose?: string },
): Promise<void> {
  const counts = await codes.admin.stats({ scope: filter.scope ?? null, purpose: filter.purpose ?? null });
  await write(io.stdout, `${JSON.stringify(counts, null, 2)}\n`);
}

/** A fresh CODE_HMAC_KEYS entry: needs no configuration and touches no database. */
export async function keygen(io: CliIo, version: string): Promise<void> {
  await write(io.stdout, `${generateKeyLine(version, randomBytes)}\n`);
}

export interface WebhookAddOptions {
  readonly events: readonly string[];
  readonly scope?: string;
  readonly description?: string;
}

/** Subscribes a URL; the signing secret is printed here, once, and stored only sealed. */
export async function webhookAdd(
  { webhooks }: Session,
  io: CliIo,
  url: string,
  options: WebhookAddOptions,
): Promise<void> {
  const created = await webhooks.create({
    url,
    events: options.events,
    scope: options.scope ?? null,
    description: options.description ?? null,
  });
  await write(io.stdout, `${endpointJson(created.endpoint, created.secret)}\n`);
  io.stderr.write('claimcheck: keep the secret now: it is shown only once\n');
}

export async function webhookList(
  { webhooks }: Session,
  io: CliIo,
  options: { readonly scope?: string; readonly format: OutputFormat },
): Promise<void> {
  const endpoints = await webhooks.list(options.scope ?? null);
  await write(io.stdout, new RowWriter(options.format, ENDPOINT_COLUMNS).lines(endpoints.map(endpointRow)));
}

export async function webhookRemove({ webhooks }: Session, io: CliIo, id: string, scope: string | null): Promise<void> {
  if (!(await webhooks.delete(id, scope))) {
    throw new CliFailure(`no webhook endpoint with id ${id}${scope === null ? '' : ` in scope ${scope}`}`);
  }
  io.stderr.write(`claimcheck: webhook endpoint ${id} deleted; its pending deliveries are cancelled\n`);
}

export interface DeliveriesCommandOptions {
  readonly scope?: string;
  readonly first: number;
  readonly after?: string;
  /** Every attempt at this event's delivery instead of the list. */
  readonly event?: string;
  readonly format: OutputFormat;
}

/** An endpoint's deliveries, newest first, or with --event every attempt at one of them. */
export async function webhookDeliveries(
  { webhooks }: Session,
  io: CliIo,
  endpointId: string,
  options: DeliveriesCommandOptions,
): Promise<void> {
  const scope = options.scope ?? null;
  if (options.event !== undefined) {
    const attempts = await webhooks.attempts(endpointId, options.event, scope);
    await write(io.stdout, new RowWriter(options.format, ATTEMPT_COLUMNS).lines(attempts.map(attemptRow)));
    return;
  }
  if ((await webhooks.list(scope)).every((endpoint) => endpoint.id !== endpointId)) {
    throw new CliFailure(`no webhook endpoint with id ${endpointId}${scope === null ? '' : ` in scope ${scope}`}`);
  }
  const page = await webhooks.deliveries(endpointId, scope, { first: options.first, after: options.after ?? null });
  await write(io.stdout, new RowWriter(options.format, DELIVERY_COLUMNS).lines(page.items.map(deliveryRow)));
  if (page.hasNextPage) io.stderr.write(`claimcheck: more deliveries: add --after ${page.endCursor}\n`);
}
