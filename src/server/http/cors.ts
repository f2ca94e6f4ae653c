/**
 * CORS for Apollo Studio only: Sandbox in a browser tab on Studio's origin
 * calls a local server cross-origin; no other origin gets CORS headers. The
 * admin key travels as a header, never as a cookie, so credentials stay off.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export const STUDIO_ORIGIN = 'https://studio.apollographql.com';

const PREFLIGHT_METHODS = 'GET, POST, OPTIONS';
const PREFLIGHT_DEFAULT_HEADERS = 'Content-Type, Authorization';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export function fromStudio(headers: IncomingHttpHeaders): boolean {
  return headers.origin === STUDIO_ORIGIN;
}

/** Adds what a preflight from Studio is answered with (status 204, no body) to `headers`. */
export function addPreflightHeaders(headers: OutgoingHttpHeaders, request: IncomingHttpHeaders): OutgoingHttpHeaders {
  headers['access-control-allow-methods'] = PREFLIGHT_METHODS;
  headers['access-control-allow-headers'] = request['access-control-request-headers'] ?? PREFLIGHT_DEFAULT_HEADERS;
  headers['access-control-max-age'] = PREFLIGHT_MAX_AGE_SECONDS;
  return headers;
}
