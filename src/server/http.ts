/** Express middleware around the GraphQL endpoint: request ids, CORS for Apollo Studio, metrics, body errors. */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Metrics } from '../ops/metrics';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A caller's id is reused only when it cannot smuggle anything into a log line. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const STUDIO_ORIGIN = 'https://studio.apollographql.com';

const KNOWN_ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics']);

export function requestIdOf(res: Response): string {
  return String(res.locals.requestId);
}

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    const id = given !== undefined && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.set(REQUEST_ID_HEADER, id);
    next();
  };
}

export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    // Fixed labels only: an unknown path must not create a new time series.
    const route = KNOWN_ROUTES.has(req.path) ? req.path : 'other';
    const stop = metrics.httpDuration.startTimer({ route });
    res.on('finish', () => {
      stop();
      metrics.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
    });
    next();
  };
}

/**
 * Apollo Sandbox in a browser tab on Studio's origin calls a local server
 * cross-origin; no other origin gets CORS headers. The key is sent as a
 * header, never as a cookie, so credentials stay off.
 */
export function studioCors(): RequestHandler {
  return (req, res, next) => {
    res.vary('Origin');
    if (req.get('Origin') !== STUDIO_ORIGIN) return next();
    res.set('Access-Control-Allow-Origin', STUDIO_ORIGIN);
    if (req.method !== 'OPTIONS') return next();
    res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.set('Access-Control-Allow-Headers', req.get('Access-Control-Request-Headers') ?? 'Content-Type, Authorization');
    res.set('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

interface BodyParserError extends Error {
  readonly type?: string;
  readonly status?: number;
}

/** express.json()'s failures as GraphQL-style JSON: the body is never echoed. */
export function bodyErrors(limitBytes: number): ErrorRequestHandler {
  return (error: BodyParserError, _req, res, next) => {
    if (error.type === 'entity.too.large') {
      res.status(413).json(requestError(`The request body is larger than ${limitBytes} bytes.`, 'PAYLOAD_TOO_LARGE'));
    } else if (error.type === 'entity.parse.failed') {
      res.status(400).json(requestError('The request body is not valid JSON.', 'BAD_REQUEST'));
    } else if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      res.status(error.status).json(requestError('The request could not be read.', 'BAD_REQUEST'));
    } else {
      next(error);
    }
  };
}

function requestError(message: string, code: string): { errors: { message: string; extensions: { code: string } }[] } {
  return { errors: [{ message, extensions: { code } }] };
}
