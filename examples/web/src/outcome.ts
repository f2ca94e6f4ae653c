import type { RedeemFailureFieldsFragment } from '../../../client/generated/graphql';

export const GENERIC_FAILURE = 'This code is invalid or expired.';
export const SOMETHING_WENT_WRONG = 'Something went wrong; please try again.';

/** What the person sees: the API deliberately says no more than "invalid or expired" or "slow down". */
export function describeFailure(failure: RedeemFailureFieldsFragment): string {
  if (failure.reason === 'RATE_LIMITED') {
    return `Too many attempts; try again in ${failure.retryAfterSeconds ?? 'a few'} seconds`;
  }
  return GENERIC_FAILURE;
}
