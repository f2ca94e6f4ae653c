/** The [public] fields: no credential, rate-limited per client by the service. */
import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { InvalidInput } from '../../codes/errors';
import type { GraphQLContext } from '../context';
import { RedeemCodeInput, RedeemableArgs } from '../inputs';
import {
  RedeemCodeResult,
  RedeemableResult,
  redeemCodeValue,
  redeemableValue,
  type RedeemCodeValue,
  type RedeemableValue,
} from '../types';

/**
 * Bounds what a public caller can make the server hold. Longer than a code can
 * be but still under this is not an error: the service answers INVALID_OR_EXPIRED.
 */
export const MAX_RAW_CODE_LENGTH = 256;

function requireRawCode(code: string): string {
  if (code.length > MAX_RAW_CODE_LENGTH) {
    throw new InvalidInput('code', `code must be at most ${MAX_RAW_CODE_LENGTH} characters`);
  }
  return code;
}

@Resolver()
export class RedemptionResolver {
  @Query(() => RedeemableResult, {
    description:
      '[public] Whether a code could be redeemed now, without consuming it. A failed check counts toward the rate limit.',
  })
  async redeemable(
    @Args(() => RedeemableArgs) { code, purpose, scope }: RedeemableArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<RedeemableValue> {
    const result = await context.service.check({
      code: requireRawCode(code),
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
  ): Promise<RedeemCodeValue> {
    const result = await context.service.redeem({
      code: requireRawCode(input.code),
      subject: input.subject ?? null,
      purpose: input.purpose ?? null,
      scope: input.scope ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      client: context.client,
    });
    return redeemCodeValue(result);
  }
}
