/**
 * The contract's output types (../shared/api/contract.graphql): names,
 * nullability and descriptions exactly as there. Resolvers fill them with the
 * domain's values, which already have these shapes; every type resolves its
 * fields by plain property reads (simpleResolvers), with no per-field wrapper.
 */
import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, createUnionType, registerEnumType } from 'type-graphql';
import type { CheckResult, HoldResult, RedeemFailure as RedeemFailureResult, RedeemResult } from '../codes/types';

/** graphql-scalars' DateTimeISO (UTC, milliseconds), described as the contract describes it. */
export const DateTimeISO = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  description: 'An instant, serialized as an ISO-8601 string in UTC, e.g. 2026-11-28T17:00:00.000Z.',
});

/** Plain objects rather than TS enums: their values are the domain's string literals, so no casts. */
export const RedeemFailureReason = { INVALID_OR_EXPIRED: 'INVALID_OR_EXPIRED', RATE_LIMITED: 'RATE_LIMITED' } as const;
export type RedeemFailureReason = (typeof RedeemFailureReason)[keyof typeof RedeemFailureReason];

registerEnumType(RedeemFailureReason, {
  name: 'RedeemFailureReason',
  description: `Why a redemption or a check did not succeed. Every not-redeemable state
(unknown, malformed, expired, already used, revoked, wrong purpose, wrong
scope) is INVALID_OR_EXPIRED, so that a caller cannot learn whether a code
exists.`,
});

export const CodeState = {
  REDEEMABLE: 'REDEEMABLE',
  USED: 'USED',
  REVOKED: 'REVOKED',
  EXPIRED: 'EXPIRED',
  SCHEDULED: 'SCHEDULED',
} as const;
export type CodeState = (typeof CodeState)[keyof typeof CodeState];

registerEnumType(CodeState, {
  name: 'CodeState',
  description: `A code's state at the time of the query. More values may be added.
USED means every allowed redemption is taken (for a single-use code: it was
redeemed); uses taken by unexpired holds count as taken.`,
  valuesConfig: { SCHEDULED: { description: 'Issued with a startsAt that has not come yet.' } },
});

@ObjectType({ simpleResolvers: true })
export class RedeemFailure {
  @Field(() => RedeemFailureReason)
  reason!: RedeemFailureReason;

  @Field(() => Int, {
    nullable: true,
    description: 'Seconds until another attempt can succeed; set when reason is RATE_LIMITED.',
  })
  retryAfterSeconds!: number | null;
}

@ObjectType({
  description: 'Proof of a won claim: this caller, and no one else, consumed this use of the code.',
  simpleResolvers: true,
})
export class Redemption {
  @Field(() => ID, {
    description: "This redemption's own id: what reverseRedemption takes, and what the host application should record.",
  })
  id!: string;

  @Field(() => ID)
  codeId!: string;

  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  scope!: string | null;

  @Field(() => String, { nullable: true, description: 'The opaque payload set at issuance, returned to the winner.' })
  grant!: string | null;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => DateTimeISO)
  redeemedAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class RedeemableCode {
  @Field(() => ID)
  codeId!: string;

  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  scope!: string | null;

  @Field(() => String, { nullable: true })
  grant!: string | null;

  @Field(() => DateTimeISO)
  expiresAt!: Date;
}

@ObjectType({
  description: `One use of a code, set aside for this caller until expiresAt. holdId is a
secret capability: whoever presents it can confirm or release the hold, so
the host application keeps it server-side (e.g. with the checkout session).`,
  simpleResolvers: true,
})
export class Hold {
  @Field(() => ID)
  holdId!: string;

  @Field(() => ID)
  codeId!: string;

  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  scope!: string | null;

  @Field(() => String, { nullable: true })
  grant!: string | null;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => DateTimeISO)
  expiresAt!: Date;
}

/**
 * What the public unions resolve: the domain's own outcome values. Their
 * `kind` names the member, so resolving a union is one property read.
 */
const failure = (value: object): boolean => (value as { readonly kind: string }).kind === 'failure';

export const RedeemCodeResult = createUnionType({
  name: 'RedeemCodeResult',
  types: () => [Redemption, RedeemFailure] as const,
  resolveType: (value) => (failure(value) ? 'RedeemFailure' : 'Redemption'),
});

export const RedeemableResult = createUnionType({
  name: 'RedeemableResult',
  types: () => [RedeemableCode, RedeemFailure] as const,
  resolveType: (value) => (failure(value) ? 'RedeemFailure' : 'RedeemableCode'),
});

export const HoldCodeResult = createUnionType({
  name: 'HoldCodeResult',
  types: () => [Hold, RedeemFailure] as const,
  resolveType: (value) => (failure(value) ? 'RedeemFailure' : 'Hold'),
});

/** A failure with retryAfterSeconds present (null unless rate-limited), as the contract's type has it. */
export type RedeemFailureValue = { readonly kind: 'failure' } & RedeemFailure;

function failureValue(result: RedeemFailureResult): RedeemFailureValue {
  return {
    kind: 'failure',
    reason: result.reason,
    retryAfterSeconds: result.reason === 'RATE_LIMITED' ? result.retryAfterSeconds : null,
  };
}

export function redeemCodeValue(result: RedeemResult): object {
  return result.kind === 'redeemed' ? { kind: 'redeemed', ...result.redemption } : failureValue(result);
}

export function redeemableValue(result: CheckResult): object {
  return result.kind === 'redeemable' ? { kind: 'redeemable', ...result.code } : failureValue(result);
}

export function holdCodeValue(result: HoldResult): object {
  return result.kind === 'held' ? { kind: 'held', ...result.hold } : failureValue(result);
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ description: 'One redemption of a code, as admins see it.', simpleResolvers: true })
export class RedemptionRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  codeId!: string;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => DateTimeISO)
  redeemedAt!: Date;

  @Field(() => DateTimeISO, {
    nullable: true,
    description: 'Set once the redemption was reversed; its use went back to the code.',
  })
  reversedAt!: Date | null;

  @Field(() => String, { nullable: true })
  reversalReason!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class RedemptionRecordEdge {
  @Field()
  cursor!: string;

  @Field(() => RedemptionRecord)
  node!: RedemptionRecord;
}

@ObjectType({ simpleResolvers: true })
export class RedemptionRecordConnection {
  @Field(() => [RedemptionRecordEdge])
  edges!: RedemptionRecordEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({
  description: "A code's metadata. Never the plaintext code, never its lookup key.",
  simpleResolvers: true,
})
export class Code {
  @Field(() => ID)
  id!: string;

  @Field(() => CodeState)
  state!: CodeState;

  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  scope!: string | null;

  @Field(() => String, { nullable: true })
  grant!: string | null;

  @Field({ description: "Version of the HMAC key that derived this code's lookup key." })
  keyVersion!: string;

  @Field(() => DateTimeISO)
  createdAt!: Date;

  @Field(() => DateTimeISO)
  expiresAt!: Date;

  @Field(() => DateTimeISO, {
    nullable: true,
    description: "The latest active redemption's time and subject (for a single-use code: its redemption).",
  })
  usedAt!: Date | null;

  @Field(() => String, { nullable: true })
  usedBy!: string | null;

  @Field(() => DateTimeISO, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => DateTimeISO, {
    nullable: true,
    description: 'Not redeemable before this instant; null when redeemable from issuance.',
  })
  startsAt!: Date | null;

  @Field(() => Int, { description: 'Redemptions allowed in total (1 for a single-use code).' })
  maxRedemptions!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Redemptions allowed per subject; null when there is no per-subject limit.',
  })
  maxRedemptionsPerSubject!: number | null;

  @Field(() => Int, { description: 'Active redemptions: made and not reversed.' })
  redemptionCount!: number;

  @Field(() => Int, { description: 'Uses held right now by unexpired, unconfirmed holds.' })
  heldCount!: number;
}

@ObjectType({ simpleResolvers: true })
export class IssuedCode {
  @Field({
    description: `The plaintext code in display form (groups of four joined by hyphens, e.g.
K7QM-2XHP). Returned here once; the server never stores it.`,
  })
  code!: string;

  @Field(() => Code)
  record!: Code;
}

@ObjectType({ simpleResolvers: true })
export class RevokeCodePayload {
  @Field({ description: 'True only if this call revoked a code that was still unused and unrevoked.' })
  revoked!: boolean;

  @Field(() => Code, {
    nullable: true,
    description: 'The code after the call; null when no code with that id is visible to the caller.',
  })
  code!: Code | null;
}

@ObjectType({ simpleResolvers: true })
export class ReverseRedemptionPayload {
  @Field({ description: 'True only if this call reversed a redemption that was still active.' })
  reversed!: boolean;

  @Field(() => RedemptionRecord, {
    nullable: true,
    description: 'The redemption after the call; null when no redemption with that id is visible to the caller.',
  })
  redemption!: RedemptionRecord | null;

  @Field(() => Code, { nullable: true, description: 'Its code after the call.' })
  code!: Code | null;
}

@ObjectType({ simpleResolvers: true })
export class ReleaseHoldPayload {
  @Field({
    description: 'True only if this call released a hold that was still active; its use went back to the code.',
  })
  released!: boolean;
}

@ObjectType({ simpleResolvers: true })
export class CodeEdge {
  @Field()
  cursor!: string;

  @Field(() => Code)
  node!: Code;
}

@ObjectType({ simpleResolvers: true })
export class CodeConnection {
  @Field(() => [CodeEdge])
  edges!: CodeEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ simpleResolvers: true })
export class CodeStats {
  @Field(() => Int)
  redeemable!: number;

  @Field(() => Int)
  used!: number;

  @Field(() => Int)
  revoked!: number;

  @Field(() => Int)
  expired!: number;

  @Field(() => Int)
  scheduled!: number;

  @Field(() => Int, { description: 'Active redemptions over all the counted codes.' })
  redemptions!: number;
}

/** The contract's enum names; their values are the wire names the domain uses (code.redeemed, …). */
export const WebhookEventType = {
  CODE_REDEEMED: 'code.redeemed',
  REDEMPTION_REVERSED: 'redemption.reversed',
  CODE_REVOKED: 'code.revoked',
  CODES_ISSUED: 'codes.issued',
  HOLD_CREATED: 'hold.created',
  HOLD_RELEASED: 'hold.released',
} as const;
export type WebhookEventType = (typeof WebhookEventType)[keyof typeof WebhookEventType];

registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description:
    'What webhook endpoints can subscribe to. On the wire the event type is the lower-case dotted name in brackets.',
  valuesConfig: {
    CODE_REDEEMED: { description: '[code.redeemed] a redemption was made (by redeemCode or confirmHold)' },
    REDEMPTION_REVERSED: { description: '[redemption.reversed]' },
    CODE_REVOKED: { description: '[code.revoked]' },
    CODES_ISSUED: { description: '[codes.issued] one event per issueCode or issueCodes call' },
    HOLD_CREATED: { description: '[hold.created]' },
    HOLD_RELEASED: { description: '[hold.released] released by releaseHold, or expired unconfirmed' },
  },
});

@ObjectType({ simpleResolvers: true })
export class WebhookEndpoint {
  @Field(() => ID)
  id!: string;

  @Field()
  url!: string;

  @Field(() => [WebhookEventType])
  events!: WebhookEventType[];

  @Field(() => String, { nullable: true })
  scope!: string | null;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => DateTimeISO)
  createdAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field({
    description: `The signing secret (whsec_ followed by base64), shown only here. Deliveries
follow the Standard Webhooks signature scheme: headers webhook-id,
webhook-timestamp and webhook-signature ("v1," + base64 HMAC-SHA256 under the
secret's decoded bytes over "<webhook-id>.<webhook-timestamp>.<body>").`,
  })
  secret!: string;
}

@ObjectType({ simpleResolvers: true })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: "The event's id; the webhook-id header of every attempt at this delivery." })
  eventId!: string;

  @Field(() => WebhookEventType)
  eventType!: WebhookEventType;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt; null when it got no response.' })
  lastStatus!: number | null;

  @Field(() => DateTimeISO, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => DateTimeISO, {
    nullable: true,
    description: 'When the next attempt is due; null once delivered or given up.',
  })
  nextAttemptAt!: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class WebhookDeliveryEdge {
  @Field()
  cursor!: string;

  @Field(() => WebhookDelivery)
  node!: WebhookDelivery;
}

@ObjectType({ simpleResolvers: true })
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge])
  edges!: WebhookDeliveryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
