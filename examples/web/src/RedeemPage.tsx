import { useRedeemCodeMutation, type RedeemCodeMutation } from '../../../client/generated/graphql';
import { useAttemptKey } from './attempt';
import { CodeForm } from './CodeForm';
import { describeFailure, SOMETHING_WENT_WRONG } from './outcome';
import { Status } from './Status';

function describeOutcome(outcome: RedeemCodeMutation['redeemCode']): string {
  return outcome.__typename === 'Redemption' ? `Redeemed: ${outcome.grant ?? '(no grant)'}` : describeFailure(outcome);
}

function statusText(data: RedeemCodeMutation | null | undefined, failed: boolean): string {
  if (failed) return SOMETHING_WENT_WRONG;
  return data ? describeOutcome(data.redeemCode) : '';
}

export function RedeemPage() {
  const attempt = useAttemptKey();
  // no-cache: a grant is for this person at this moment, not something to keep in a shared cache.
  const [redeem, { data, error, loading }] = useRedeemCodeMutation({ fetchPolicy: 'no-cache' });

  async function submit(code: string) {
    const result = await redeem({ variables: { input: { code, idempotencyKey: attempt.take() } } }).catch(() => null);
    if (result?.data) attempt.settle();
  }

  return (
    <>
      <h1>Redeem a code</h1>
      <CodeForm action="Redeem" busy={loading} onSubmit={submit} onChange={attempt.settle} />
      <Status text={statusText(data, error !== undefined)} />
    </>
  );
}
