/** The [admin] webhook fields. A scoped key creates, sees and deletes only endpoints of its own scope. */
import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { encodeCursor } from '../../codes/cursor';
import type { CreatedEndpoint, WebhookEndpointView } from '../../codes/webhooks/endpoints';
import { actingScope, adminOf } from '../access';
import type { GraphQLContext } from '../context';
import { CreateWebhookEndpointInput, WebhookDeliveriesArgs } from '../inputs';
import { CreateWebhookEndpointPayload, WebhookDeliveryConnection, WebhookEndpoint } from '../types';
import { connection, DEFAULT_PAGE_SIZE } from './admin';

@Resolver()
export class WebhookResolver {
  @Authorized()
  @Query(() => [WebhookEndpoint], { description: '[admin] Webhook endpoints visible to the caller.' })
  async webhookEndpoints(@Ctx() context: GraphQLContext): Promise<WebhookEndpointView[]> {
    return context.webhooks.list(adminOf(context).scope);
  }

  @Authorized()
  @Query(() => WebhookDeliveryConnection, {
    description: '[admin] Deliveries to one endpoint, newest first (first: default 50, at most 500).',
  })
  async webhookDeliveries(
    @Args(() => WebhookDeliveriesArgs) { endpointId, first, after }: WebhookDeliveriesArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<WebhookDeliveryConnection> {
    const page = await context.webhooks.deliveries(endpointId, adminOf(context).scope, {
      first: first ?? DEFAULT_PAGE_SIZE,
      after: after ?? null,
    });
    return connection(page, (node) => encodeCursor(node.eventId));
  }

  @Authorized()
  @Mutation(() => CreateWebhookEndpointPayload, { description: '[admin] Subscribe a URL to events.' })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() context: GraphQLContext,
  ): Promise<CreatedEndpoint> {
    return context.webhooks.create({
      url: input.url,
      events: input.events,
      scope: actingScope(adminOf(context), input.scope ?? null),
      description: input.description ?? null,
    });
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: '[admin] Stop deliveries to an endpoint; true if it existed and was visible to the caller.',
  })
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext): Promise<boolean> {
    return context.webhooks.delete(id, adminOf(context).scope);
  }
}
