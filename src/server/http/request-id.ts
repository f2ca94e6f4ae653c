/** Request ids: the caller's X-Request-Id when it is safe to log, else a random UUID. */
import { randomUUID } from 'node:crypto';

/** As Node presents it (lower case). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is reused only when it cannot smuggle anything into a log line. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdFor(given: string | string[] | undefined): string {
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
