/**
 * The server's HTTP front on node:http: routes, request ids, Studio CORS, the
 * JSON body, HTTP metrics, and the bridge to Apollo's
 * executeHTTPGraphQLRequest, as Apollo's own standalone server builds it.
 * This is the path of every redemption: what can be made once is made in
 * the constructor, and every complete answer is one writeHead and one end,
 * which Node sends in a single write.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Metrics } from '../../ops/metrics';
import { describeError, type Logger } from '../../ops/logger';
import type { OpsEndpoint } from '../../ops/routes';
import type { ServerContext } from '../context';
import { HttpFailure, JSON_CONTENT_TYPE } from './answer';
import { JsonBodyReader } from './body';
import { addPreflightHeaders, fromStudio, STUDIO_ORIGIN } from './cors';
import { HttpRequestMetrics, OTHER_ROUTE } from './metrics';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

export const GRAPHQL_PATH = '/graphql';

/** The methods an ops endpoint answers; HEAD gets GET's headers without the body. */
const OPS_METHODS = 'GET, HEAD';

/** What the front needs of Apollo Server (started): one HTTP request in, one HTTP answer out. */
export type GraphQLExecutor = Pick<ApolloServer<ServerContext>, 'executeHTTPGraphQLRequest'>;

export interface HttpFrontendDeps {
  readonly apollo: GraphQLExecutor;
  /** One request's GraphQL context; Apollo asks for it only once the request has passed its CSRF check. */
  readonly contextFor: (request: IncomingMessage, requestId: string) => Promise<ServerContext>;
  /** By path. */
  readonly ops: ReadonlyMap<string, OpsEndpoint>;
  readonly metrics: Metrics;
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
}

/** One request and what every answer to it needs. */
interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** The metrics label. */
  route: string;
}

export class HttpFrontend {
  readonly #deps: HttpFrontendDeps;
  readonly #bodies: JsonBodyReader;
  readonly #metrics: HttpRequestMetrics;
  readonly #notFound = new HttpFailure(404, 'Not found.', 'NOT_FOUND');
  readonly #methodNotAllowed = new HttpFailure(405, `Only ${OPS_METHODS} are allowed here.`, 'METHOD_NOT_ALLOWED');
  readonly #internal = new HttpFailure(500, 'Internal server error.', 'INTERNAL_SERVER_ERROR');

  constructor(deps: HttpFrontendDeps) {
    this.#deps = deps;
    this.#bodies = new JsonBodyReader(deps.bodyLimitBytes);
    this.#metrics = new HttpRequestMetrics(deps.metrics, [GRAPHQL_PATH, ...deps.ops.keys()]);
  }

  /** The node:http 'request' listener. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    const exchange: Exchange = {
      request,
      response,
      requestId: requestIdFor(request.headers[REQUEST_ID_HEADER]),
      startedAt: performance.now(),
      route: OTHER_ROUTE,
    };
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const search = queryAt === -1 ? '' : url.slice(queryAt);
    if (this.#dispatch(exchange, path, search, path)) return;
    // Express matched paths regardless of case and with a trailing slash: such requests still work, labelled other.
    const loose = loosePath(path);
    if (loose !== path && this.#dispatch(exchange, loose, search, OTHER_ROUTE)) return;
    this.#fail(exchange, baseHeaders(exchange), this.#notFound);
  };

  /** Serves `path` when it is a route, labelled `route`; false when it is none. */
  #dispatch(exchange: Exchange, path: string, search: string, route: string): boolean {
    if (path === GRAPHQL_PATH) {
      exchange.route = route;
      void this.#graphql(exchange, search);
      return true;
    }
    const endpoint = this.#deps.ops.get(path);
    if (endpoint === undefined) return false;
    exchange.route = route;
    void this.#ops(exchange, endpoint);
    return true;
  }

  async #graphql(exchange: Exchange, search: string): Promise<void> {
    const { request, response, requestId } = exchange;
    // Every /graphql answer varies by Origin, Studio's preflight and failures included.
    const headers: OutgoingHttpHeaders = { [REQUEST_ID_HEADER]: requestId, vary: 'Origin' };
    try {
      if (fromStudio(request.headers)) {
        headers['access-control-allow-origin'] = STUDIO_ORIGIN;
        if (request.method === 'OPTIONS') {
          response.writeHead(204, addPreflightHeaders(headers, request.headers));
          response.end();
          this.#record(exchange, 204);
          return;
        }
      }
      const body = await this.#bodies.read(request, request.headers);
      if (body instanceof HttpFailure) {
        this.#fail(exchange, headers, body);
        return;
      }
      const answer = await this.#deps.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: methodOf(request), headers: headerMapOf(request.headers), search, body },
        context: () => this.#deps.contextFor(request, requestId),
      });
      // Apollo's headers last: they win, as they did when Apollo set them after the CORS middleware.
      for (const [name, value] of answer.headers) headers[name] = value;
      const status = answer.status ?? 200;
      if (answer.body.kind === 'complete') this.#send(exchange, status, headers, answer.body.string);
      else await this.#stream(exchange, status, headers, answer.body.asyncIterator);
    } catch (error) {
      this.#crashed(exchange, error);
    }
  }

  async #ops(exchange: Exchange, endpoint: OpsEndpoint): Promise<void> {
    const headers = baseHeaders(exchange);
    try {
      const method = exchange.request.method;
      if (method !== 'GET' && method !== 'HEAD') {
        headers.allow = OPS_METHODS;
        this.#fail(exchange, headers, this.#methodNotAllowed);
        return;
      }
      const answer = await endpoint();
      headers['content-type'] = answer.contentType;
      this.#send(exchange, answer.status, headers, answer.body);
    } catch (error) {
      this.#crashed(exchange, error);
    }
  }

  /** One complete answer in a single write (to a HEAD request, Node sends the headers only). */
  #send(exchange: Exchange, status: number, headers: OutgoingHttpHeaders, body: string): void {
    headers['content-length'] = Buffer.byteLength(body);
    exchange.response.writeHead(status, headers);
    exchange.response.end(body);
    this.#record(exchange, status);
  }

  #fail(exchange: Exchange, headers: OutgoingHttpHeaders, failure: HttpFailure): void {
    headers['content-type'] = JSON_CONTENT_TYPE;
    this.#send(exchange, failure.status, headers, failure.body);
  }

  /** Incremental delivery (multipart): rare, so written chunk by chunk as Apollo's integrations do. */
  async #stream(
    exchange: Exchange,
    status: number,
    headers: OutgoingHttpHeaders,
    chunks: AsyncIterableIterator<string>,
  ): Promise<void> {
    const { response } = exchange;
    response.writeHead(status, headers);
    for await (const chunk of chunks) {
      // A client that went away stops the execution (leaving the loop returns the iterator).
      if (response.destroyed) break;
      response.write(chunk);
    }
    response.end();
    this.#record(exchange, status);
  }

  /**
   * A bug, not the request's fault: logged, and answered with a fixed message
   * and fresh headers (the failure may have been a header Node refused) when
   * the answer has not begun; else the connection is cut.
   */
  #crashed(exchange: Exchange, error: unknown): void {
    const { response, requestId } = exchange;
    this.#deps.logger.error({ error: describeError(error), requestId }, 'http request failed');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    try {
      this.#fail(exchange, baseHeaders(exchange), this.#internal);
    } catch {
      response.destroy();
    }
  }

  #record(exchange: Exchange, status: number): void {
    this.#metrics.record(exchange.route, methodOf(exchange.request), status, exchange.startedAt);
  }
}

function loosePath(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

function baseHeaders(exchange: Exchange): OutgoingHttpHeaders {
  return { [REQUEST_ID_HEADER]: exchange.requestId };
}

/** Node's parser always sets the method of a server request. */
function methodOf(request: IncomingMessage): string {
  return request.method!;
}

/** Apollo's view of the request headers; repeated ones joined with ", ", as the Fetch API's Headers does. */
function headerMapOf(headers: IncomingHttpHeaders): HeaderMap {
  const map = new HeaderMap();
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) map.set(name, typeof value === 'string' ? value : value.join(', '));
  }
  return map;
}
