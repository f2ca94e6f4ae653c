/**
 * Black-box harness for the reliability suite: real server processes
 * (dist/src/main.js, configured only through the environment of runtime.md)
 * on a real database, spoken to only over HTTP, judged by their answers, their
 * logs and the rows they leave behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { stringify as uuidString } from 'uuid';
import type { TestDatabase } from './database';

const ROOT = path.resolve(__dirname, '../..');
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts', 'reliability');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Under the server's keep-alive timeout, so that a reused socket is never one the server is closing. */
const IDLE_SOCKET_MS = 1_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects once `ms` passed, so that no wait of the suite is unbounded. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns true, at most `ms`. */
export async function waitUntil(
  ms: number,
  what: string,
  probe: () => Promise<boolean>,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------- secrets

/** The per-file secrets a server is started with; none of them may ever leave it. */
export interface Secrets {
  readonly hmacKey: Buffer;
  readonly adminKey: string;
}

function newSecrets(): Secrets {
  return { hmacKey: randomBytes(32), adminKey: randomBytes(24).toString('base64url') };
}

// ---------------------------------------------------------------- figures

export interface FigureValues {
  requestsServed: number;
  faultsInjected: number;
  inputsTried: number;
  codesLost: number;
  codesWonTwice: number;
}

/** What one test file did and found, printed at its end and kept in test-artifacts/reliability/. */
export class Figures {
  readonly values: FigureValues = {
    requestsServed: 0,
    faultsInjected: 0,
    inputsTried: 0,
    codesLost: 0,
    codesWonTwice: 0,
  };
  /** File-specific measurements (latencies, counts by outcome). */
  readonly notes: Record<string, number | string> = {};

  add(name: keyof FigureValues, amount = 1): void {
    this.values[name] += amount;
  }

  note(name: string, value: number | string): void {
    this.notes[name] = value;
  }

  /** Writes figures-<suite>.json, re-aggregates figures.json over every file's figures and prints the block. */
  report(suite: string): void {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const own = { suite, writtenAt: new Date().toISOString(), ...this.values, notes: this.notes };
    writeFileSync(path.join(ARTIFACTS_DIR, `figures-${suite}.json`), JSON.stringify(own, null, 2));
    writeFileSync(path.join(ARTIFACTS_DIR, 'figures.json'), JSON.stringify(aggregateFigures(), null, 2));
    const lines = Object.entries({ ...this.values, ...this.notes }).map(([name, value]) => `  ${name}: ${value}`);
    console.log([`==== reliability figures: ${suite} ====`, ...lines, '===='].join('\n'));
  }
}

function aggregateFigures(): { files: Record<string, unknown>; totals: FigureValues } {
  const files: Record<string, unknown> = {};
  const totals: FigureValues = { requestsServed: 0, faultsInjected: 0, inputsTried: 0, codesLost: 0, codesWonTwice: 0 };
  for (const name of readdirSync(ARTIFACTS_DIR).filter((file) => /^figures-.+\.json$/.test(file))) {
    const figures = JSON.parse(readFileSync(path.join(ARTIFACTS_DIR, name), 'utf8')) as FigureValues & {
      suite: string;
    };
    files[figures.suite] = figures;
    for (const key of Object.keys(totals) as (keyof FigureValues)[]) totals[key] += figures[key];
  }
  return { files, totals };
}

// ---------------------------------------------------------------- HTTP

export interface HttpRequest {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly text: string;
  /** Wall time from sending to the last byte. */
  readonly ms: number;
}

export interface GraphQLError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

export interface GraphQLBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphQLError[];
}

export interface GraphQLResponse extends HttpResponse {
  readonly body: GraphQLBody;
}

/** node:http with its own keep-alive pool: a bounded number of parallel connections to one server. */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    private readonly figures: Figures,
    maxSockets = 64,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS });
  }

  /** Rejects on a transport failure (refused, reset) or after timeoutMs; any HTTP status resolves. */
  request(request: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const body = request.body ?? '';
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        new URL(request.path ?? '/graphql', this.baseUrl),
        {
          method: request.method ?? 'POST',
          agent: this.agent,
          headers: { 'content-length': String(Buffer.byteLength(body)), ...request.headers },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            this.figures.add('requestsServed');
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, text, ms: performance.now() - started });
          });
        },
      );
      const timeoutMs = request.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** A JSON POST to /graphql; the answer must be a JSON object. */
  async graphql(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
    timeoutMs?: number,
  ): Promise<GraphQLResponse> {
    const response = await this.request({
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      timeoutMs,
    });
    let body: GraphQLBody;
    try {
      body = JSON.parse(response.text) as GraphQLBody;
    } catch {
      throw new Error(`HTTP ${response.status} with a body that is not JSON: ${response.text.slice(0, 200)}`);
    }
    return { ...response, body };
  }

  async readyStatus(timeoutMs = 10_000): Promise<number> {
    return (await this.request({ method: 'GET', path: '/readyz', timeoutMs })).status;
  }

  close(): void {
    this.agent.destroy();
  }
}

let addressCounter = 0;

/** A client address never used before in this file, for X-Forwarded-For (TRUST_PROXY=true). */
export function uniqueAddress(): string {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

export function fromAddress(address: string): Record<string, string> {
  return { 'x-forwarded-for': address };
}

// ---------------------------------------------------------------- server processes

interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A free TCP port of 127.0.0.1 (the OS picks it, then it is released for the server). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One running `node dist/src/main.js`, its stdout and stderr in files. */
export class ServerInstance {
  readonly client: HttpClient;
  private readonly exited: Promise<ExitStatus>;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
    readonly logFiles: readonly string[],
    figures: Figures,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.client = new HttpClient(`http://127.0.0.1:${port}`, figures);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether the process has exited, or does within `ms` (a transport failure can outrun the exit event). */
  exitsWithin(ms: number): Promise<boolean> {
    return within(ms, `${this.name} exiting`, this.exited).then(
      () => true,
      () => false,
    );
  }

  logs(): string {
    return this.logFiles.map((file) => readFileSync(file, 'utf8')).join('\n');
  }

  async waitReady(timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start-up:\n${this.logs().slice(-2000)}`);
      const status = await this.client.readyStatus(1_000).catch(() => 0);
      if (status === 200) return;
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms (last /readyz: ${status})`);
      await sleep(100);
    }
  }

  /** A graceful stop (SIGTERM), turned into SIGKILL if it takes too long. */
  async stop(): Promise<ExitStatus> {
    this.client.close();
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    try {
      return await within(STOP_TIMEOUT_MS, `${this.name} stopping`, this.exited);
    } catch {
      return this.kill();
    }
  }

  /** kill -9: no shutdown code runs. */
  async kill(): Promise<ExitStatus> {
    if (this.running) this.child.kill('SIGKILL');
    const status = await within(STOP_TIMEOUT_MS, `${this.name} dying`, this.exited);
    this.client.close();
    return status;
  }
}

export interface StartOptions {
  /** Extra or overriding environment variables. */
  readonly env?: Record<string, string>;
  /** DATABASE_URL, when it must not be the file's database itself (e.g. through a proxy). */
  readonly databaseUrl?: string;
  /** Reuse a port (a restarted instance); a free one otherwise. */
  readonly port?: number;
}

/**
 * The server processes of one test file, with the file's database, secrets,
 * figures and log folder (test-artifacts/reliability/<suite>/).
 */
export class Fleet {
  readonly figures = new Figures();
  readonly secrets = newSecrets();
  private readonly instances: ServerInstance[] = [];
  private readonly logDir: string;

  /** `artifactsDir`: where the log folder goes (the cluster suite keeps its own beside the reliability suite's). */
  constructor(
    readonly suite: string,
    readonly database: TestDatabase,
    artifactsDir = ARTIFACTS_DIR,
  ) {
    this.logDir = path.join(artifactsDir, suite);
    rmSync(this.logDir, { recursive: true, force: true });
    mkdirSync(this.logDir, { recursive: true });
  }

  get adminHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.secrets.adminKey}` };
  }

  /** Starts `name` in production mode with the file's keys and waits for /readyz 200. */
  async start(name: string, options: StartOptions = {}): Promise<ServerInstance> {
    const port = options.port ?? (await freePort());
    const label = `${name}-${this.instances.length + 1}`;
    const logFiles = ['stdout', 'stderr'].map((stream) => path.join(this.logDir, `${label}.${stream}.log`));
    const [stdout, stderr] = logFiles.map((file) => openSync(file, 'w'));
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: this.environment(port, options),
      stdio: ['ignore', stdout, stderr],
    });
    // The child holds its own copies of the descriptors.
    [stdout, stderr].forEach((fd) => closeSync(fd!));
    const instance = new ServerInstance(label, port, child, logFiles, this.figures);
    this.instances.push(instance);
    await instance.waitReady();
    return instance;
  }

  /** Every log file written by this file's instances so far. */
  logFiles(): string[] {
    return this.instances.flatMap((instance) => instance.logFiles);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.stop()));
  }

  private environment(port: number, options: StartOptions): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl ?? this.database.url,
      CODE_HMAC_KEYS: `v1:${this.secrets.hmacKey.toString('base64')}`,
      ADMIN_API_KEYS: this.secrets.adminKey,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...options.env,
    };
  }
}

// ---------------------------------------------------------------- the API

const REDEEM_RESULT_FIELDS = `__typename
  ... on Redemption { codeId purpose scope grant subject redeemedAt }
  ... on RedeemFailure { reason retryAfterSeconds }`;

export const REDEEM_MUTATION = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) { ${REDEEM_RESULT_FIELDS} }
}`;

/** `count` redeemCode fields in one operation, aliased a0..a(count-1), each with its own input variable. */
export function aliasedRedeemMutation(count: number): string {
  const indexes = Array.from({ length: count }, (_, index) => index);
  const variables = indexes.map((index) => `$i${index}: RedeemCodeInput!`).join(', ');
  const fields = indexes.map((index) => `a${index}: redeemCode(input: $i${index}) { ${REDEEM_RESULT_FIELDS} }`);
  return `mutation Guess(${variables}) {\n${fields.join('\n')}\n}`;
}

export interface RedeemInput {
  readonly code: string;
  readonly subject?: string | null;
  readonly purpose?: string | null;
  readonly scope?: string | null;
  readonly idempotencyKey?: string | null;
}

export type RedeemOutcome =
  | {
      readonly kind: 'redeemed';
      readonly codeId: string;
      readonly subject: string | null;
      readonly grant: string | null;
      readonly redeemedAt: string;
    }
  | {
      readonly kind: 'failure';
      readonly reason: 'INVALID_OR_EXPIRED' | 'RATE_LIMITED';
      readonly retryAfterSeconds: number | null;
    }
  /** A GraphQL error instead of a result: its extensions.code. */
  | { readonly kind: 'error'; readonly code: string };

/** The outcome of the redeemCode field `field` of a response. */
export function redeemOutcome(body: GraphQLBody, field = 'redeemCode'): RedeemOutcome {
  const value = body.data?.[field] as Record<string, unknown> | null | undefined;
  if (value?.__typename === 'Redemption') {
    return {
      kind: 'redeemed',
      codeId: value.codeId as string,
      subject: value.subject as string | null,
      grant: value.grant as string | null,
      redeemedAt: value.redeemedAt as string,
    };
  }
  if (value?.__typename === 'RedeemFailure') {
    return {
      kind: 'failure',
      reason: value.reason as 'INVALID_OR_EXPIRED' | 'RATE_LIMITED',
      retryAfterSeconds: value.retryAfterSeconds as number | null,
    };
  }
  const error = body.errors?.find((candidate) => candidate.extensions?.code) ?? body.errors?.[0];
  return { kind: 'error', code: error?.extensions?.code ?? `NO_RESULT: ${JSON.stringify(body).slice(0, 200)}` };
}

export interface RedeemAnswer {
  readonly status: number;
  readonly outcome: RedeemOutcome;
  readonly ms: number;
}

export async function redeem(client: HttpClient, input: RedeemInput, address?: string): Promise<RedeemAnswer> {
  const response = await client.graphql(REDEEM_MUTATION, { input }, address ? fromAddress(address) : {});
  return { status: response.status, outcome: redeemOutcome(response.body), ms: response.ms };
}

export interface RedeemManyAnswer {
  readonly status: number;
  /** One per input, in order. */
  readonly outcomes: RedeemOutcome[];
  readonly ms: number;
}

/** Several redemptions in one operation, as aliases a0, a1, … (the server runs mutation fields one after another). */
export async function redeemMany(
  client: HttpClient,
  inputs: readonly RedeemInput[],
  address: string,
): Promise<RedeemManyAnswer> {
  const variables = Object.fromEntries(inputs.map((input, index) => [`i${index}`, input]));
  const response = await client.graphql(aliasedRedeemMutation(inputs.length), variables, fromAddress(address));
  const outcomes = inputs.map((_, index) => redeemOutcome(response.body, `a${index}`));
  return { status: response.status, outcomes, ms: response.ms };
}

/** A fresh idempotency key (the API wants 16 to 200 characters). */
export function idempotencyKey(): string {
  return `idem-${randomBytes(12).toString('hex')}`;
}

export interface IssuedCode {
  /** Display form, as issued. */
  readonly code: string;
  readonly id: string;
  readonly grant: string;
  readonly scope: string | null;
}

export interface IssueRequest {
  readonly count: number;
  readonly batchSize?: number;
  readonly scope?: string | null;
  /** Every batch gets its own grant `<grantPrefix>-<batch>-<random>`, so that batches can be told apart in the database. */
  readonly grantPrefix: string;
  readonly timeoutMs?: number;
}

const ISSUE_MUTATION = `mutation Issue($input: IssueCodesInput!) {
  issueCodes(input: $input) { code record { id } }
}`;

export function batchGrant(prefix: string, batch: number): string {
  return `${prefix}-${batch}-${randomBytes(6).toString('hex')}`;
}

/** One issueCodes call; throws unless it returned `count` codes. */
export async function issueBatch(
  fleet: Fleet,
  client: HttpClient,
  input: { count: number; grant: string; scope?: string | null },
  timeoutMs = 60_000,
): Promise<IssuedCode[]> {
  const response = await client.graphql(ISSUE_MUTATION, { input }, fleet.adminHeaders, timeoutMs);
  const issued = response.body.data?.issueCodes as { code: string; record: { id: string } }[] | undefined;
  if (response.status !== 200 || issued?.length !== input.count) {
    throw new Error(`issueCodes failed: HTTP ${response.status} ${JSON.stringify(response.body.errors)}`);
  }
  return issued.map(({ code, record }) => ({ code, id: record.id, grant: input.grant, scope: input.scope ?? null }));
}

/** `count` codes in batches of `batchSize`, one after another. */
export async function issueCodes(fleet: Fleet, client: HttpClient, request: IssueRequest): Promise<IssuedCode[]> {
  const batchSize = request.batchSize ?? request.count;
  const issued: IssuedCode[] = [];
  for (let batch = 0; issued.length < request.count; batch++) {
    const count = Math.min(batchSize, request.count - issued.length);
    const grant = batchGrant(request.grantPrefix, batch);
    issued.push(...(await issueBatch(fleet, client, { count, grant, scope: request.scope }, request.timeoutMs)));
  }
  return issued;
}

/**
 * `perScope` codes in each of `scopes` scopes (issued over `clients` in turn),
 * as waves: wave w holds the w-th code of every scope. Contesting a wave at
 * once spreads its failures over as many scope rate-limit rows: one row for
 * all would serialize every failure on that row's lock, one commit at a time.
 */
export async function issueWaves(
  fleet: Fleet,
  clients: readonly HttpClient[],
  request: { scopes: number; perScope: number; grantPrefix: string },
): Promise<IssuedCode[][]> {
  const byScope = await Promise.all(
    Array.from({ length: request.scopes }, (_, scope) =>
      issueCodes(fleet, clients[scope % clients.length]!, {
        count: request.perScope,
        scope: `${request.grantPrefix}-${scope}`,
        grantPrefix: `${request.grantPrefix}-${scope}`,
      }),
    ),
  );
  return Array.from({ length: request.perScope }, (_, wave) => byScope.map((codes) => codes[wave]!));
}

// ---------------------------------------------------------------- the database

export async function withConnection<T>(
  database: TestDatabase,
  work: (connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await mysql.createConnection({ uri: database.url, timezone: 'Z' });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

export interface CodeRow {
  readonly id: string;
  readonly grant: string | null;
  readonly createdAt: Date;
  readonly usedAt: Date | null;
  readonly usedBy: string | null;
  /** Its redemption records (each is also the outbox entry of a code.redeemed event). */
  readonly redemptions: number;
  /** What the code's row counts: active redemptions. */
  readonly redemptionCount: number;
}

/** Every code of the database by id, with its redemption records. */
export async function codeRows(database: TestDatabase): Promise<Map<string, CodeRow>> {
  return withConnection(database, readCodeRows);
}

/** codeRows on a given connection (the cluster suite's reads causally on one node). */
export async function readCodeRows(connection: Connection): Promise<Map<string, CodeRow>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT c.id, c.grant_payload, c.created_at, c.used_at, c.used_by, c.redemption_count,
              (SELECT COUNT(*) FROM redemptions r WHERE r.code_id = c.id) AS redemptions
         FROM codes c`,
  );
  return new Map(
    rows.map((row) => {
      const id = uuidString(row.id as Buffer);
      return [
        id,
        {
          id,
          grant: row.grant_payload as string | null,
          createdAt: row.created_at as Date,
          usedAt: row.used_at as Date | null,
          usedBy: row.used_by as string | null,
          redemptions: Number(row.redemptions),
          redemptionCount: Number(row.redemption_count),
        },
      ];
    }),
  );
}

// ---------------------------------------------------------------- exactly once

interface Win {
  readonly subject: string | null;
  readonly redeemedAt: string;
}

/**
 * Every Redemption any caller received, by code, to hold against the
 * database: a used code must have exactly one winner who was told (else it
 * is lost), and no two callers may hold a win for one code (won twice).
 * Redeemers use distinct subjects, so an idempotent replay to the same
 * redeemer is one win, not two.
 */
export class WinLedger {
  private readonly wins = new Map<string, Win[]>();

  record(outcome: RedeemOutcome): void {
    if (outcome.kind !== 'redeemed') return;
    const wins = this.wins.get(outcome.codeId) ?? [];
    wins.push({ subject: outcome.subject, redeemedAt: outcome.redeemedAt });
    this.wins.set(outcome.codeId, wins);
  }

  winners(codeId: string): Win[] {
    const wins = this.wins.get(codeId) ?? [];
    return [...new Map(wins.map((win) => [`${win.subject}@${win.redeemedAt}`, win])).values()];
  }

  /** Checks every issued code against its row; returns the counts and a line per problem. */
  verify(
    issued: readonly IssuedCode[],
    rows: ReadonlyMap<string, CodeRow>,
  ): { lost: number; wonTwice: number; problems: string[] } {
    const problems: string[] = [];
    let lost = 0;
    let wonTwice = 0;
    for (const { id } of issued) {
      const row = rows.get(id);
      const winners = this.winners(id);
      const problem = row ? exactlyOnceProblem(row, winners) : 'issued but not in the database';
      if (!problem) continue;
      problems.push(`${id}: ${problem}`);
      if (problem.startsWith('lost')) lost += 1;
      else wonTwice += 1;
    }
    return { lost, wonTwice, problems };
  }
}

function exactlyOnceProblem(row: CodeRow, winners: readonly Win[]): string | null {
  if (winners.length > 1) return `won twice: ${winners.length} callers hold a Redemption`;
  const [winner] = winners;
  if (row.usedAt === null) return winner ? 'won twice: a caller holds a Redemption of a code still unused' : null;
  if (!winner) return 'lost: used in the database, but no caller received its Redemption';
  if (row.usedBy !== winner.subject || row.usedAt.toISOString() !== winner.redeemedAt) {
    return `won twice: the database says ${row.usedBy} at ${row.usedAt.toISOString()}, a caller holds ${winner.subject} at ${winner.redeemedAt}`;
  }
  if (row.redemptions !== 1) return `won twice: ${row.redemptions} redemption records`;
  return row.redemptionCount === 1 ? null : `won twice: the code counts ${row.redemptionCount} redemptions`;
}

// ---------------------------------------------------------------- secrets

/**
 * Finds secrets in text: literal secrets (keys, grants) anywhere, and issued
 * codes in display form (K7QM-2XHP) or normalized (K7QM2XHP). Codes are only
 * looked for inside runs of code-alphabet characters, which keeps a scan of
 * megabytes of logs against thousands of codes linear.
 */
export class SecretIndex {
  private readonly codes = new Set<string>();
  private readonly codeLengths = new Set<number>();

  constructor(
    private readonly literals: ReadonlyMap<string, string>,
    codes: readonly string[],
  ) {
    for (const code of codes) {
      const normalized = code.replace(/-/g, '');
      this.codes.add(normalized);
      this.codeLengths.add(normalized.length);
    }
  }

  /** The literal secrets of `fleet` (admin key, HMAC key as base64, base64url and hex) plus `extra`. */
  static of(fleet: Fleet, codes: readonly string[], extra: Record<string, string> = {}): SecretIndex {
    const { hmacKey, adminKey } = fleet.secrets;
    const literals = new Map<string, string>([
      ['admin key', adminKey],
      ['HMAC key (base64)', hmacKey.toString('base64')],
      ['HMAC key (base64url)', hmacKey.toString('base64url')],
      ['HMAC key (hex)', hmacKey.toString('hex')],
      ...Object.entries(extra).map(([label, secret]): [string, string] => [label, secret]),
    ]);
    return new SecretIndex(literals, codes);
  }

  /** Labels of the secrets found in `text` (never the secrets themselves). */
  find(text: string): string[] {
    const found = [...this.literals].filter(([, secret]) => text.includes(secret)).map(([label]) => label);
    for (const run of text.match(/[23456789A-HJKMNP-Z-]{4,}/g) ?? []) {
      const letters = run.replace(/-/g, '');
      for (const length of this.codeLengths) {
        for (let start = 0; start + length <= letters.length; start++) {
          if (this.codes.has(letters.slice(start, start + length))) found.push('an issued code');
        }
      }
    }
    return [...new Set(found)];
  }
}

/** Every secret found in any log file: `file: label` lines. */
export function secretsInLogs(files: readonly string[], secrets: SecretIndex): string[] {
  return files.flatMap((file) =>
    secrets.find(readFileSync(file, 'utf8')).map((label) => `${path.basename(file)}: ${label}`),
  );
}

/** Every column of every table of the database, scanned for issued codes: `table: label` lines. */
export async function secretsInDatabase(database: TestDatabase, codes: SecretIndex): Promise<string[]> {
  return withConnection(database, async (connection) => {
    const [tables] = await connection.query<RowDataPacket[]>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?',
      [database.name],
    );
    const found: string[] = [];
    for (const { name } of tables) {
      const [rows] = await connection.query<RowDataPacket[]>(`SELECT * FROM \`${name as string}\``);
      const text = rows.map((row) => Object.values(row).map(cellText).join('\n')).join('\n');
      found.push(...codes.find(text).map((label) => `${name as string}: ${label}`));
    }
    return found;
  });
}

/** A cell as text; bytes as latin1, so that a plaintext kept in a binary column still reads as itself. */
function cellText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** The last check of every file: no secret in any log of its instances, no plaintext code in any table. */
export async function leakedSecrets(
  fleet: Fleet,
  issued: readonly { readonly code: string; readonly grant: string }[],
): Promise<string[]> {
  await fleet.stopAll();
  const codes = issued.map((entry) => entry.code);
  const grants = [...new Set(issued.map((entry) => entry.grant))];
  const inLogs = SecretIndex.of(
    fleet,
    codes,
    Object.fromEntries(grants.map((grant, index) => [`grant #${index}`, grant])),
  );
  const inTables = new SecretIndex(new Map(), codes);
  return [...secretsInLogs(fleet.logFiles(), inLogs), ...(await secretsInDatabase(fleet.database, inTables))];
}

/** Declares that closing check as the file's last test; the getters are read when it runs. */
export function testNoSecretLeaks(
  fleet: () => Fleet,
  issued: () => readonly { readonly code: string; readonly grant: string }[],
): void {
  test('no issued code, key or grant in any log; no plaintext code in any table', async () => {
    expect(await leakedSecrets(fleet(), issued())).toEqual([]);
  }, 60_000);
}

/** redeemed, INVALID_OR_EXPIRED, RATE_LIMITED, or the extensions.code of the error answered instead. */
export function outcomeName(outcome: RedeemOutcome): string {
  if (outcome.kind === 'redeemed') return 'redeemed';
  return outcome.kind === 'failure' ? outcome.reason : outcome.code;
}

/** The names of `outcomes`, each with how often it occurs. */
export function tally(outcomes: readonly RedeemOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of outcomes.map(outcomeName)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Statuses of `answers` that are server errors (5xx). */
export function serverErrors(answers: readonly { readonly status: number }[]): number[] {
  return answers.map((answer) => answer.status).filter((status) => status >= 500);
}
