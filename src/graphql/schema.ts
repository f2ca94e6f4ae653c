/** The executable schema, built from the decorated classes. */
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './access';
import { CodeAdminResolver, CodeFieldsResolver } from './resolvers/admin';
import { PublicResolver } from './resolvers/public';
import { WebhookResolver } from './resolvers/webhooks';
import { DateTimeISO } from './types';

export function buildClaimcheckSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [PublicResolver, CodeAdminResolver, CodeFieldsResolver, WebhookResolver],
    authChecker,
    authMode: 'error',
    // Limits are checked by the service (InvalidInput), which names the field; no second set of rules here.
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeISO }],
  });
}
