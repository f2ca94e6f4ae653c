/** The [public] fields: no credential, rate-limited per client by the domain. */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { InvalidInput } from '../../codes/errors';
import type { ReleaseResult } from '../../codes/types';
import type { GraphQLContext } from '../context';
import { HoldCodeInput, RedeemCodeInput, RedeemableArgs } from '../inputs';
import {
  HoldCodeResult,
  holdCodeValue,
  RedeemCodeResult,
  redeemCodeValue,
  RedeemableResult,
  redeemableValue,
  ReleaseHoldPayload,
} from '../types';

/**
 * Bounds what a public caller can make the server hold. Longer than a code (or
 * a holdId) can be but still under this is not an error: the domain answers
 * INVALID_OR_EXPIRED.
 */
export const MAX_RAW_INPUT_LENGTH = 256;

function bounded(field: string, value: string): string {
  if (value.length > MAX_RAW_INPUT_LENGTH) {
    throw new InvalidInput(field, `${field} must be at most ${MAX_RAW_INPUT_LENGTH} characters`);
  }
  return value;
}

@Resolver()
export class PublicResolver {
  @Query(() => RedeemableResult, {
    description:
      '[public] Whether a code could be redeemed now, without consuming it. A failed check counts toward the rate limit.',
  })
  async redeemable(
    @Args(() => RedeemableArgs) { code, purpose, scope }: RedeemableArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<object> {
    const result = await context.codes.redeemer.check({
      code: bounded('code', code),
      purpose: purpose ?? null,
      scope: scope ?? null,
      client: context.client,
    });
    return redeemableValue(result);
  }

  @Mutation(() => RedeemCodeResult, {
    description: '[public] Redeem a code: exactly one concurrent caller wins; every other gets INVALID_OR_EXPIRED.',
  })
  async redeemCode(
    @Arg('input', () => RedeemCodeInput) input: RedeemCodeInput,
    @Ctx() context: GraphQLContext,
  ): Promise<object> {
    const result = await context.codes.redeemer.redeem({
      code: bounded('code', input.code),
      subject: input.subject ?? null,
      purpose: input.purpose ?? null,
      scope: input.scope ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      client: context.client,
    });
    return redeemCodeValue(result);
  }

  @Mutation(() => HoldCodeResult, {
    description:
      '[public] Set one use of a code aside for a checkout: exactly as many holds and redemptions as the code allows can be active at once.',
  })
  async holdCode(
    @Arg('input', () => HoldCodeInput) input: HoldCodeInput,
    @Ctx() context: GraphQLContext,
  ): Promise<object> {
    const result = await context.codes.holds.hold({
      code: bounded('code', input.code),
      subject: input.subject ?? null,
      purpose: input.purpose ?? null,
      scope: input.scope ?? null,
      ttlSeconds: input.ttlSeconds ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      client: context.client,
    });
    return holdCodeValue(result);
  }

  @Mutation(() => RedeemCodeResult, {
    description: `[public] Turn an active hold into a redemption. Confirming a hold again returns
the same Redemption; an expired, released or unknown hold is INVALID_OR_EXPIRED.`,
  })
  async confirmHold(@Arg('holdId', () => ID) holdId: string, @Ctx() context: GraphQLContext): Promise<object> {
    const result = await context.codes.holds.confirm({ holdId: bounded('holdId', holdId), client: context.client });
    return redeemCodeValue(result);
  }

  @Mutation(() => ReleaseHoldPayload, { description: '[public] Give a held use back before it expires.' })
  async releaseHold(@Arg('holdId', () => ID) holdId: string, @Ctx() context: GraphQLContext): Promise<ReleaseResult> {
    return context.codes.holds.release({ holdId: bounded('holdId', holdId), client: context.client });
  }
}
