/** The executable schema, built from the decorated classes. */
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './access';
import { CodeAdminResolver } from './resolvers/admin';
import { RedemptionResolver } from './resolvers/redemption';
import { DateTimeISO } from './types';

export function buildClaimcheckSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [RedemptionResolver, CodeAdminResolver],
    authChecker,
    authMode: 'error',
    // Limits are checked by the service (InvalidInput), which names the field; no second set of rules here.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeISO }],
  });
}
