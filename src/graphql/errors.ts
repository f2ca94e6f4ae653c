/**
 * The one mapping from typed failures to what a GraphQL client sees
 * (extensions.code and a safe message). Everything not listed here is masked
 * as INTERNAL_SERVER_ERROR; its detail goes to the log only.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { describeError } from '../ops/logger';
import { CodeSpaceExhausted, InvalidInput, RateLimiterUnavailable } from '../codes/errors';
import { InvariantViolation, StoreUnavailable } from '../store/errors';

/** No admin key, or one that is not configured. */
export class Unauthenticated extends Error {
  override readonly name = 'Unauthenticated';
  constructor() {
    super('This field needs an admin API key: send Authorization: Bearer <key>.');
  }
}

/** A valid admin key asked for something outside its scope. */
export class Forbidden extends Error {
  override readonly name = 'Forbidden';
  constructor(message: string) {
    super(message);
  }
}

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  TEMPORARILY_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  CODE_SPACE_EXHAUSTED: 'CODE_SPACE_EXHAUSTED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable; retry shortly.';
export const INTERNAL_MESSAGE = 'Internal server error.';
const EXHAUSTED_MESSAGE = 'Could not find enough unused codes; the code space is too crowded. Ask an operator.';

/** Codes Apollo and graphql-js give to problems with the request itself: kept as they are. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface ErrorFormatterDeps {
  readonly logger: Logger;
  readonly onInvariantViolation: () => void;
}

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** Apollo's formatError: every error of every response passes through here. */
export function createErrorFormatter({ logger, onInvariantViolation }: ErrorFormatterDeps): ErrorFormatter {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const shown = (code: string, message: string, extra: Record<string, unknown> = {}): GraphQLFormattedError => ({
      message,
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
      extensions: { code, ...extra },
    });

    if (original instanceof InvalidInput) {
      return shown(ErrorCode.BAD_USER_INPUT, original.message, { field: original.field });
    }
    if (original instanceof Unauthenticated) return shown(ErrorCode.UNAUTHENTICATED, original.message);
    if (original instanceof Forbidden) return shown(ErrorCode.FORBIDDEN, original.message);
    if (original instanceof StoreUnavailable || original instanceof RateLimiterUnavailable) {
      logger.warn({ error: describeError(original) }, 'dependency unavailable');
      return shown(ErrorCode.TEMPORARILY_UNAVAILABLE, UNAVAILABLE_MESSAGE);
    }
    if (original instanceof CodeSpaceExhausted) {
      logger.error({ error: describeError(original) }, 'code space exhausted');
      return shown(ErrorCode.CODE_SPACE_EXHAUSTED, EXHAUSTED_MESSAGE);
    }
    if (original instanceof InvariantViolation) {
      onInvariantViolation();
      logger.error({ error: describeError(original) }, 'invariant violated');
      return shown(ErrorCode.INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE);
    }
    const requestCode = requestErrorCode(original, formatted);
    if (requestCode) return shown(requestCode, withoutEchoedValues(formatted.message));
    logger.error({ error: describeError(original) }, 'unexpected error');
    return shown(ErrorCode.INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE);
  };
}

/** The code of an error about the request itself (parse, validation, variables), or null for anything else. */
function requestErrorCode(original: unknown, formatted: GraphQLFormattedError): string | null {
  const code = formatted.extensions?.code;
  return original instanceof GraphQLError && typeof code === 'string' && REQUEST_ERROR_CODES.has(code) ? code : null;
}

/** graphql-js quotes a bad variable's value in its message; the value may be a code or a key. */
const VARIABLE_VALUE = /^(Variable "\$\w+") got invalid value /;
/** The location graphql-js names after the value; a quote inside the value is escaped, so it cannot fake one. */
const VARIABLE_PATH = / at "(\w+(?:\.\w+|\[\d+\])*)"; /;
/** graphql-js's own closing words that name no value; anything else is dropped. */
const SAFE_DETAIL =
  /; (Field "[\w.]+" (?:is not defined by type "\w+"|of required type "[\w![\]]+" was not provided)\.)$/;
/** Literal values in a document (`Expected value of type "Int", found "x"`, `Int cannot represent …: "x"`) too. */
const QUOTED_LITERAL = /(, found|cannot represent[\w -]*:) [\s\S]*$/;

export function withoutEchoedValues(message: string): string {
  const variable = VARIABLE_VALUE.exec(message);
  if (!variable)
    return message.replace(QUOTED_LITERAL, (_match, lead: string) =>
      lead === ', found' ? '.' : `${lead.slice(0, -1)}.`,
    );
  const path = VARIABLE_PATH.exec(message)?.[1];
  const detail = SAFE_DETAIL.exec(message)?.[1];
  return [`${variable[1]} got an invalid value${path ? ` at "${path}"` : ''}.`, detail].filter(Boolean).join(' ');
}
