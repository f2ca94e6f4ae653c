/**
 * The contract's output types (../shared/api/contract.graphql): names,
 * nullability and descriptions exactly as there. Resolvers fill them with the
 * service's values, which already have these shapes.
 */
import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, createUnionType, registerEnumType } from 'type-graphql';
import type { CheckResult, RedeemResult } from '../codes/types';

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

export const CodeState = { REDEEMABLE: 'REDEEMABLE', USED: 'USED', REVOKED: 'REVOKED', EXPIRED: 'EXPIRED' } as const;
export type CodeState = (typeof CodeState)[keyof typeof CodeState];

registerEnumType(CodeState, {
  name: 'CodeState',
  description: "A code's state at the time of the query. More values may be added.",
});

@ObjectType()
export class RedeemFailure {
  @Field(() => RedeemFailureReason)
  reason!: RedeemFailureReason;

  @Field(() => Int, {
    nullable: true,
    description: 'Seconds until another attempt can succeed; set when reason is RATE_LIMITED.',
  })
  retryAfterSeconds!: number | null;
}

@ObjectType({ description: 'Proof of a won claim: this caller, and no one else, consumed the code.' })
export class Redemption {
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

@ObjectType()
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

/** What a failure resolves to: the service's failure, with retryAfterSeconds made explicit for INVALID_OR_EXPIRED. */
export type RedeemFailureValue = { readonly kind: 'failure' } & RedeemFailure;

export type RedeemCodeValue = ({ readonly kind: 'redeemed' } & Redemption) | RedeemFailureValue;
export type RedeemableValue = ({ readonly kind: 'redeemable' } & RedeemableCode) | RedeemFailureValue;

/** The resolvers return the service's discriminated values (see below): `kind` tells the member. */
function isFailure(value: object): boolean {
  return 'kind' in value && value.kind === 'failure';
}

export const RedeemCodeResult = createUnionType({
  name: 'RedeemCodeResult',
  types: () => [Redemption, RedeemFailure] as const,
  resolveType: (value) => (isFailure(value) ? RedeemFailure : Redemption),
});

export const RedeemableResult = createUnionType({
  name: 'RedeemableResult',
  types: () => [RedeemableCode, RedeemFailure] as const,
  resolveType: (value) => (isFailure(value) ? RedeemFailure : RedeemableCode),
});

/** The service's redeem outcome, flattened into what the union resolves. */
export function redeemCodeValue(result: RedeemResult): RedeemCodeValue {
  return result.kind === 'redeemed' ? { kind: 'redeemed', ...result.redemption } : failureValue(result);
}

export function redeemableValue(result: CheckResult): RedeemableValue {
  return result.kind === 'redeemable' ? { kind: 'redeemable', ...result.code } : failureValue(result);
}

function failureValue(failure: Extract<RedeemResult, { kind: 'failure' }>): RedeemFailureValue {
  return {
    kind: 'failure',
    reason: failure.reason,
    retryAfterSeconds: failure.reason === 'RATE_LIMITED' ? failure.retryAfterSeconds : null,
  };
}

@ObjectType({ description: "A code's metadata. Never the plaintext code, never its lookup key." })
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

  @Field(() => DateTimeISO, { nullable: true })
  usedAt!: Date | null;

  @Field(() => String, { nullable: true })
  usedBy!: string | null;

  @Field(() => DateTimeISO, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class IssuedCode {
  @Field({
    description: `The plaintext code in display form (groups of four joined by hyphens, e.g.
K7QM-2XHP). Returned here once; the server never stores it.`,
  })
  code!: string;

  @Field(() => Code)
  record!: Code;
}

@ObjectType()
export class RevokeCodePayload {
  @Field({ description: 'True only if this call revoked a code that was still unused and unrevoked.' })
  revoked!: boolean;

  @Field(() => Code, {
    nullable: true,
    description: 'The code after the call; null when no code with that id is visible to the caller.',
  })
  code!: Code | null;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class CodeEdge {
  @Field()
  cursor!: string;

  @Field(() => Code)
  node!: Code;
}

@ObjectType()
export class CodeConnection {
  @Field(() => [CodeEdge])
  edges!: CodeEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class CodeStats {
  @Field(() => Int)
  redeemable!: number;

  @Field(() => Int)
  used!: number;

  @Field(() => Int)
  revoked!: number;

  @Field(() => Int)
  expired!: number;
}
