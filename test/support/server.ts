/**
 * The real server, in-process on a free port, over a fresh test database:
 * for end-to-end tests over HTTP. Logs are captured as parsed JSON lines.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { generateKeyLine } from '../../src/codes/keyring';
import { loadConfig, type Config } from '../../src/config/config';
import { createLogger } from '../../src/ops/logger';
import { createServer, type ClaimcheckServer, type ServerDeps } from '../../src/server/server';
import { createTestDatabase, type TestDatabase } from './database';

export const TEST_SCOPE = 'tenant-a';

export interface TestServerOptions {
  /** Overrides of the test environment (e.g. NODE_ENV, MAX_REDEEM_FIELDS). */
  readonly env?: Record<string, string>;
  readonly openServices?: ServerDeps['openServices'];
  readonly serviceOptions?: ServerDeps['serviceOptions'];
}

export interface TestServer {
  /** http://127.0.0.1:port */
  readonly url: string;
  readonly graphqlUrl: string;
  /** An admin key for every scope. */
  readonly adminKey: string;
  /** An admin key limited to TEST_SCOPE. */
  readonly scopedKey: string;
  readonly config: Config;
  readonly server: ClaimcheckServer;
  readonly database: TestDatabase;
  /** Every log line so far, raw. */
  readonly logs: string[];
  close(): Promise<void>;
}

function secretKey(): string {
  return randomBytes(24).toString('base64url');
}

function logCapture(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase('cc_server');
  const adminKey = secretKey();
  const scopedKey = secretKey();
  const logs: string[] = [];
  let config: Config;
  let server: ClaimcheckServer | undefined;
  // Whatever fails after the database exists (a refused setting, a port in use) releases what was opened so far.
  try {
    config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url,
      CODE_HMAC_KEYS: generateKeyLine('t1', randomBytes),
      ADMIN_API_KEYS: `${adminKey},${scopedKey}:${TEST_SCOPE}`,
      // Many tests fail on purpose from one address; the limiter has its own tests.
      RATE_LIMIT_MAX_FAILURES: '100000',
      RATE_LIMIT_SCOPE_MAX_FAILURES: '100000',
      DB_POOL_SIZE: '8',
      SHUTDOWN_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
      ...options.env,
    });
    server = await createServer(config, {
      logger: createLogger(config.logLevel, logCapture(logs)),
      openServices: options.openServices,
      serviceOptions: options.serviceOptions,
    });
    await server.listen();
  } catch (failure) {
    // Each released on its own; a failure to release is reported beside the failure itself, never instead of it.
    const releaseFailures: unknown[] = [];
    await server?.close().catch((error: unknown) => releaseFailures.push(error));
    await database.drop().catch((error: unknown) => releaseFailures.push(error));
    throw releaseFailures.length > 0 ? new AggregateError([failure, ...releaseFailures], String(failure)) : failure;
  }
  const started = server;
  return {
    url: started.url,
    graphqlUrl: `${started.url}/graphql`,
    adminKey,
    scopedKey,
    config,
    server: started,
    database,
    logs,
    close: async () => {
      try {
        await started.close();
      } finally {
        await database.drop();
      }
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

export interface GraphQLRequest {
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  readonly operationName?: string;
  /** Sent as Authorization: Bearer <key>. */
  readonly key?: string;
  readonly headers?: Record<string, string>;
}

/** One POST /graphql with a JSON body, as a client sends it. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  request: GraphQLRequest,
): Promise<GraphQLResponse<T>> {
  const { query, variables, operationName, key, headers } = request;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key && { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse<T>['body'],
  };
}

/** The extensions.code of each error, in order. */
export function errorCodes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.body.errors ?? []).map((error) => error.extensions?.code);
}
