import { useRef, useState, type FormEvent } from 'react';
import { useRedeemCodeMutation, type RedeemCodeMutation } from '../../../client/generated/graphql';

type RedeemOutcome = RedeemCodeMutation['redeemCode'];

const GENERIC_FAILURE = 'This code is invalid or expired.';

/** What the person sees: the API deliberately says no more than "invalid or expired" or "slow down". */
function describeOutcome(outcome: RedeemOutcome): string {
  if (outcome.__typename === 'Redemption') return `Redeemed: ${outcome.grant ?? '(no grant)'}`;
  if (outcome.reason === 'RATE_LIMITED') {
    return `Too many attempts; try again in ${outcome.retryAfterSeconds ?? 'a few'} seconds`;
  }
  return GENERIC_FAILURE;
}

function statusText(data: RedeemCodeMutation | null | undefined, failed: boolean): string {
  if (failed) return 'Something went wrong; please try again.';
  return data ? describeOutcome(data.redeemCode) : '';
}

/** Browsers without crypto.randomUUID (plain-http origins other than localhost) still have getRandomValues. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function RedeemPage() {
  const [code, setCode] = useState('');
  // One key per attempt, kept across resubmits of the same code until an answer arrives:
  // if the response to a won claim is lost, the retry gets the Redemption back instead of a failure.
  const attemptKey = useRef<string | null>(null);
  // no-cache: a grant is for this person at this moment, not something to keep in a shared cache.
  const [redeem, { data, error, loading }] = useRedeemCodeMutation({ fetchPolicy: 'no-cache' });

  function changeCode(next: string) {
    setCode(next);
    attemptKey.current = null;
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    attemptKey.current ??= newIdempotencyKey();
    const result = await redeem({ variables: { input: { code, idempotencyKey: attemptKey.current } } }).catch(
      () => null,
    );
    if (result?.data) attemptKey.current = null;
  }

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '28rem', margin: '4rem auto', padding: '0 1rem' }}>
      <h1>Redeem a code</h1>
      <form onSubmit={submit} style={{ display: 'flex', gap: '0.5rem' }}>
        <label htmlFor="code" style={{ position: 'absolute', left: '-10000px' }}>
          Code
        </label>
        <input
          id="code"
          name="code"
          value={code}
          onChange={(event) => changeCode(event.target.value)}
          placeholder="K7QM-2XHP"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          required
          style={{ flex: 1, fontSize: '1.25rem', padding: '0.5rem', letterSpacing: '0.1em' }}
        />
        <button type="submit" disabled={loading} style={{ fontSize: '1.25rem', padding: '0.5rem 1rem' }}>
          Redeem
        </button>
      </form>
      <p role="status" aria-live="polite" data-testid="outcome" style={{ minHeight: '1.5em', fontSize: '1.1rem' }}>
        {statusText(data, error !== undefined)}
      </p>
    </main>
  );
}
