/** What each command does, over the same service layer the GraphQL API uses. */
import { randomBytes } from 'node:crypto';
import { generateKeyLine } from '../codes/keyring';
import type { CodeServiceApi, CodeState, IssueOptions } from '../codes/types';
import { CODE_COLUMNS, codeJson, codeRow, ISSUED_COLUMNS, issuedRow, RowWriter } from './format';
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
  readonly format: OutputFormat;
}

/**
 * The only moment the plaintext codes exist: they go to stdout and nowhere
 * else. Counts beyond the server's batch limit are issued batch after batch,
 * each written out as soon as it is committed.
 */
export async function issue({ service, config }: Session, io: CliIo, options: IssueCommandOptions): Promise<void> {
  const issueOptions: IssueOptions = {
    purpose: options.purpose ?? null,
    scope: options.scope ?? null,
    grant: options.grant ?? null,
    ttlSeconds: options.ttl ?? null,
  };
  const rows = new RowWriter(options.format, ISSUED_COLUMNS);
  for (let done = 0; done < options.count;) {
    const batch = await service.issueMany(Math.min(config.maxBatch, options.count - done), issueOptions);
    await write(io.stdout, rows.lines(batch.map(issuedRow)));
    done += batch.length;
    if (options.count >= PROGRESS_FROM) io.stderr.write(`claimcheck: issued ${done} of ${options.count}\n`);
  }
}

async function existing(service: CodeServiceApi, id: string, scope: string | null) {
  const code = await service.get(id, scope);
  if (!code) throw new CliFailure(`no code with id ${id}${scope === null ? '' : ` in scope ${scope}`}`);
  return code;
}

export async function show({ service }: Session, io: CliIo, id: string, scope: string | null): Promise<void> {
  await write(io.stdout, `${codeJson(await existing(service, id, scope))}\n`);
}

export async function revoke({ service }: Session, io: CliIo, id: string, scope: string | null): Promise<void> {
  const result = await service.revoke(id, scope);
  const code = result.code ?? (await existing(service, id, scope));
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

export async function list({ service }: Session, io: CliIo, options: ListCommandOptions): Promise<void> {
  const page = await service.list({
    filter: { scope: options.scope ?? null, purpose: options.purpose ?? null, state: options.state ?? null },
    first: options.first,
    after: options.after ?? null,
  });
  await write(io.stdout, new RowWriter(options.format, CODE_COLUMNS).lines(page.items.map(codeRow)));
  if (page.hasNextPage) io.stderr.write(`claimcheck: more codes: add --after ${page.endCursor}\n`);
}

export async function stats(
  { service }: Session,
  io: CliIo,
  filter: { readonly scope?: string; readonly purpose?: string },
): Promise<void> {
  const counts = await service.stats({ scope: filter.scope ?? null, purpose: filter.purpose ?? null });
  await write(io.stdout, `${JSON.stringify(counts, null, 2)}\n`);
}

/** A fresh CODE_HMAC_KEYS entry: needs no configuration and touches no database. */
export async function keygen(io: CliIo, version: string): Promise<void> {
  await write(io.stdout, `${generateKeyLine(version, randomBytes)}\n`);
}
