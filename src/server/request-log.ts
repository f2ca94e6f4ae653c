/** An Apollo plugin: one log line and the metrics for every GraphQL request. Never variables, never the query. */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import type { Metrics } from '../ops/metrics';
import type { ServerContext } from './context';

const MAX_OPERATION_NAME = 64;

export function requestLogPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin<ServerContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ response, operation, operationName, contextValue }) {
          const seconds = (performance.now() - started) / 1000;
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const outcome = outcomeOf(errors);
          const field = rootFieldOf(operation);
          metrics.graphqlRequests.inc({ operation: field, outcome });
          metrics.graphqlDuration.observe({ operation: field }, seconds);
          logger.info(
            {
              requestId: contextValue.requestId,
              operationName: operationName?.slice(0, MAX_OPERATION_NAME) ?? null,
              operation: field,
              outcome,
              latencyMs: Math.round(seconds * 10_000) / 10,
            },
            'graphql request',
          );
        },
      };
    },
  };
}

/** ok, or the code of the first error (already mapped by formatError). */
function outcomeOf(errors: readonly GraphQLFormattedError[] | undefined): string {
  if (!errors || errors.length === 0) return 'ok';
  const code = errors[0].extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * A bounded label: the root field when the operation selects one (only a
 * validated operation gets here, so it names a schema field), else multiple
 * or unknown.
 */
function rootFieldOf(operation: OperationDefinitionNode | undefined): string {
  if (!operation) return 'unknown';
  const names = new Set(
    operation.selectionSet.selections.flatMap((selection) =>
      selection.kind === Kind.FIELD ? [selection.name.value] : [],
    ),
  );
  if (names.size === 1 && names.size === operation.selectionSet.selections.length) return [...names][0];
  return names.size === 0 ? 'unknown' : 'multiple';
}
