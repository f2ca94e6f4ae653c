/** The contract's input types. Lengths and ranges are checked by the service (and, for raw input, by limits.ts). */
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { CodeState, DateTimeISO, WebhookEventType } from './types';

@InputType()
export class IssueCodeInput {
  @Field(() => String, {
    nullable: true,
    description: 'Label of the flow the code is for (e.g. invite, promo); redemption must name the same purpose.',
  })
  purpose?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Tenant or community boundary; scoped admin keys can only issue into their own scope.',
  })
  scope?: string | null;

  @Field(() => String, { nullable: true, description: 'Opaque payload returned to whoever redeems the code.' })
  grant?: string | null;

  @Field(() => Int, { nullable: true, description: "Lifetime in seconds; the server's policy TTL when absent." })
  ttlSeconds?: number | null;

  @Field(() => DateTimeISO, {
    nullable: true,
    description: 'An absolute end instead of ttlSeconds (giving both is BAD_USER_INPUT).',
  })
  expiresAt?: Date | null;

  @Field(() => DateTimeISO, {
    nullable: true,
    description: 'Not redeemable before this instant (must be before the code expires).',
  })
  startsAt?: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Redemptions allowed in total; 1 (single-use) when absent; at most 1000000000.',
  })
  maxRedemptions?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: `Redemptions allowed per subject; no per-subject limit when absent. A code
with this limit only redeems (or is held) for a request that names a subject.`,
  })
  maxRedemptionsPerSubject?: number | null;
}

@InputType()
export class IssueCodesInput {
  @Field(() => Int, {
    description: "How many codes to issue in one call, from 1 to the server's batch limit (at least 10000).",
  })
  count!: number;

  @Field(() => String, { nullable: true })
  purpose?: string | null;

  @Field(() => String, { nullable: true })
  scope?: string | null;

  @Field(() => String, { nullable: true })
  grant?: string | null;

  @Field(() => Int, { nullable: true })
  ttlSeconds?: number | null;

  @Field(() => DateTimeISO, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => DateTimeISO, { nullable: true })
  startsAt?: Date | null;

  @Field(() => Int, { nullable: true })
  maxRedemptions?: number | null;

  @Field(() => Int, { nullable: true })
  maxRedemptionsPerSubject?: number | null;
}

@InputType()
export class RedeemCodeInput {
  @Field({ description: 'As the user typed it: any letter case, spaces and hyphens allowed.' })
  code!: string;

  @Field(() => String, {
    nullable: true,
    description: "Who redeems, as the host application identifies them; recorded as the code's usedBy.",
  })
  subject?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Must equal the code's purpose; an absent purpose matches only codes issued without one.",
  })
  purpose?: string | null;

  @Field(() => String, { nullable: true, description: 'When given, only a code of this scope matches.' })
  scope?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `A random value the client makes once per redemption attempt and resends on
retry. If the code was already won with this same key, the original
Redemption is returned again instead of a failure, so a retry after a lost
response is safe. Without it, or with another key, a used code fails as usual.`,
  })
  idempotencyKey?: string | null;
}

@InputType()
export class HoldCodeInput {
  @Field({ description: 'As the user typed it, like RedeemCodeInput.code.' })
  code!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Who holds, as the host application identifies them; counts toward maxRedemptionsPerSubject.',
  })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  purpose?: string | null;

  @Field(() => String, { nullable: true })
  scope?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'How long the use stays held unless confirmed or released; default 900, from 1 to 86400.',
  })
  ttlSeconds?: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'As in RedeemCodeInput: a retry with the same key returns the same Hold.',
  })
  idempotencyKey?: string | null;
}

@InputType('CodeFilter')
export class CodeFilterInput {
  @Field(() => String, { nullable: true })
  scope?: string | null;

  @Field(() => String, { nullable: true })
  purpose?: string | null;

  @Field(() => CodeState, { nullable: true })
  state?: CodeState | null;
}

/*
 * Argument lists as classes: type-graphql keeps a class's field order, while
 * separate @Arg parameters would come out reversed in the schema.
 */

@ArgsType()
export class RedeemableArgs {
  @Field()
  code!: string;

  @Field(() => String, { nullable: true })
  purpose?: string | null;

  @Field(() => String, { nullable: true })
  scope?: string | null;
}

@ArgsType()
export class CodesArgs {
  @Field(() => CodeFilterInput, { nullable: true })
  filter?: CodeFilterInput | null;

  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@ArgsType()
export class CodeStatsArgs {
  @Field(() => String, { nullable: true })
  scope?: string | null;

  @Field(() => String, { nullable: true })
  purpose?: string | null;
}

@ArgsType()
export class RevokeCodeArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  scope?: string | null;
}

@ArgsType()
export class ReverseRedemptionArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  reason?: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'An http(s) URL that receives POSTed events.' })
  url!: string;

  @Field(() => [WebhookEventType])
  events!: WebhookEventType[];

  @Field(() => String, {
    nullable: true,
    description: 'Only events of codes in this scope; scoped admin keys can only create endpoints in their own scope.',
  })
  scope?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@ArgsType()
export class WebhookDeliveriesArgs {
  @Field(() => ID)
  endpointId!: string;

  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}
