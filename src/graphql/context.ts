/** What every resolver receives, built per request by the server: no module state. */
import type { CodeServices } from '../codes/services';
import type { WebhookAdmin } from '../codes/webhooks/endpoints';
import type { ClientIdentity } from '../codes/types';
import type { AdminPrincipal } from './access';

export interface GraphQLContext {
  readonly codes: CodeServices;
  readonly webhooks: WebhookAdmin;
  /** The admin behind the request's bearer key; null without a key or with an unknown one. */
  readonly admin: AdminPrincipal | null;
  /** Who is asking, for the rate limits of the public fields. */
  readonly client: ClientIdentity;
}
