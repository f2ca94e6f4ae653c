import type { GraphQLContext } from '../graphql/context';

/** The GraphQL context plus what only the server's plugins need. */
export interface ServerContext extends GraphQLContext {
  readonly requestId: string;
}
