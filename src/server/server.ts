/**
 * The HTTP server: Apollo Server on node:http (through src/server/http), the
 * ops endpoints, and the limits that keep one request from doing too much.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import { AdminAuthenticator } from '../graphql/access';
import { createErrorFormatter } from '../graphql/errors';
import { redeemFieldLimit } from '../graphql/redeem-field-limit';
import { buildClaimcheckSchema } from '../graphql/schema';
import { Metrics } from '../ops/metrics';
import { opsEndpoints } from '../ops/routes';
import type { ServerContext } from './context';
import { clientAddressResolver } from './http/client-address';
import { HttpFrontend } from './http/frontend';
import { createLogger, type Logger } from '../ops/logger';
import { requestLogPlugin } from './request-log';
import { openServices, type OpenServicesOptions, type Services } from './services';

export interface ServerDeps {
  readonly logger?: Logger;
  /** How the service is opened; openServices by default (tests hand in a broken pool). */
  readonly openServices?: (config: Config, logger: Logger, options: OpenServicesOptions) => Promise<Services>;
  /** Options for the services beyond the observers (tests shorten webhook waits, answer DNS). */
  readonly serviceOptions?: Omit<OpenServicesOptions, 'observer' | 'webhookObserver'>;
}

export interface ClaimcheckServer {
  /** Binds config.host:config.port (0: any free port). */
  listen(): Promise<void>;
  /** http://host:port, once listening. */
  readonly url: string;
  readonly metrics: Metrics;
  /** Stops accepting, lets in-flight requests finish (at most SHUTDOWN_TIMEOUT_MS), stops the webhook dispatcher, closes the database pool. */
  close(): Promise<void>;
  /** The services behind the server (tests look at the dispatcher). */
  readonly services: Services;
}

/** Ceilings on the shape of an operation, whatever the fields. */
const ARMOR_LIMITS = { depth: 8, aliases: 15, tokens: 1000, directives: 10, cost: 5000 };

/** What the embedded Sandbox sends by default: a placeholder to replace, never a real key. */
const SANDBOX_HEADERS = { Authorization: 'Bearer <your admin key>' };

export async function createServer(config: Config, deps: ServerDeps = {}): Promise<ClaimcheckServer> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics();
  const services = await (deps.openServices ?? openServices)(config, logger, {
    observer: metrics.observer,
    webhookObserver: metrics.webhookObserver,
    ...deps.serviceOptions,
  });
  try {
    return await startServer(config, logger, metrics, services, await buildClaimcheckSchema());
  } catch (error) {
    await services.close();
    throw error;
  }
}

async function startServer(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  services: Services,
  schema: GraphQLSchema,
): Promise<ClaimcheckServer> {
  const httpServer = http.createServer();
  const apollo = createApollo(config, logger, metrics, schema, httpServer);
  await apollo.start();
  httpServer.on('request', createFrontend(config, logger, metrics, services, apollo).handle);

  let closing: Promise<void> | undefined;
  return {
    metrics,
    services,
    listen: () => listen(httpServer, config),
    get url() {
      const address = httpServer.address() as AddressInfo | null;
      if (!address) throw new Error('the server is not listening');
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    close: () => {
      closing ??= (async () => {
        // Apollo's drain plugin closes the HTTP server and waits for in-flight requests.
        await apollo.stop();
        await services.close();
        logger.info('server stopped');
      })();
      return closing;
    },
  };
}

function createApollo(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  schema: GraphQLSchema,
  httpServer: http.Server,
): ApolloServer<ServerContext> {
  const armor = new ApolloArmor({
    maxDepth: { n: ARMOR_LIMITS.depth },
    maxAliases: { n: ARMOR_LIMITS.aliases },
    // graphql-js counts tokens itself (parseOptions below), so that a syntax error stays GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    maxDirectives: { n: ARMOR_LIMITS.directives },
    costLimit: { maxCost: ARMOR_LIMITS.cost },
    // Suggestions help developers and attackers alike: off in production.
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  return new ApolloServer<ServerContext>({
    schema,
    introspection: config.introspection,
    parseOptions: { maxTokens: ARMOR_LIMITS.tokens },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handler would re-raise the signal and skip closing the pool.
    stopOnTerminationSignals: false,
    formatError: createErrorFormatter({ logger, onInvariantViolation: () => metrics.invariantViolations.inc() }),
    validationRules: [redeemFieldLimit(config.maxRedeemFields), ...armor.validationRules],
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<ServerContext>[]),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      // Cache hints are computed for every resolved field; no response here may be cached, so that work is waste.
      ApolloServerPluginCacheControlDisabled(),
      landingPage(config),
      requestLogPlugin(logger, metrics),
    ],
  });
}

function landingPage(config: Config): ApolloServerPlugin {
  if (!config.landingPage) return ApolloServerPluginLandingPageDisabled();
  return ApolloServerPluginLandingPageLocalDefault({
    embed: { initialState: { sharedHeaders: SANDBOX_HEADERS } },
    // The admin key travels in a header; cookies are never sent to the API.
    includeCookies: false,
    footer: false,
  });
}

function createFrontend(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  services: Services,
  apollo: ApolloServer<ServerContext>,
): HttpFrontend {
  const authenticator = new AdminAuthenticator(config.adminKeys);
  const clientAddress = clientAddressResolver(config.trustProxy);
  return new HttpFrontend({
    apollo,
    contextFor: async (request, requestId) => ({
      codes: services.codes,
      webhooks: services.webhooks,
      admin: authenticator.authenticate(request.headers.authorization),
      client: { clientKey: clientAddress(request) ?? 'unknown' },
      requestId,
    }),
    ops: opsEndpoints({ metrics, ping: services.ping }),
    metrics,
    bodyLimitBytes: config.bodyLimit,
    logger,
  });
}

function listen(httpServer: http.Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
}
