/** The JSON error answers the HTTP layer gives itself, in GraphQL's error shape; never an echo of the request. */

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** An answer decided before (or instead of) GraphQL, serialized once. */
export class HttpFailure {
  readonly body: string;

  constructor(
    readonly status: number,
    message: string,
    code: string,
  ) {
    this.body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  }
}
