import { useState } from 'react';
import {
  useConfirmHoldMutation,
  useHoldCodeMutation,
  useReleaseHoldMutation,
  type ConfirmHoldMutation,
  type HoldCodeMutation,
} from '../../../client/generated/graphql';
import { useAttemptKey } from './attempt';
import { BUTTON, CodeForm } from './CodeForm';
import { describeFailure, SOMETHING_WENT_WRONG } from './outcome';
import { Status } from './Status';

type Hold = Extract<HoldCodeMutation['holdCode'], { __typename: 'Hold' }>;
type Order = Extract<ConfirmHoldMutation['confirmHold'], { __typename: 'Redemption' }>;

/** How long a code stays set aside for this cart unless the order is placed or the code removed: time to pay. */
const HOLD_SECONDS = 900;

/** The cart of this example: one line, so that the page is about the code. */
const CART_LINE = '1 × Annual plan';

function AppliedCode({ hold }: { readonly hold: Hold }) {
  return (
    <>
      <p>Code applied: {hold.grant ?? '(no grant)'}</p>
      <p>
        Held for you until <time dateTime={hold.expiresAt}>{new Date(hold.expiresAt).toLocaleTimeString()}</time>
      </p>
    </>
  );
}

function PlacedOrder({ order }: { readonly order: Order }) {
  return (
    <>
      <p>Order placed with: {order.grant ?? '(no grant)'}</p>
      <p>
        Redemption <code data-testid="redemption-id">{order.id}</code>
      </p>
    </>
  );
}

/**
 * Checkout with a code: entering it holds one use for this cart (so that
 * nobody else takes the last one while the customer pays), "Place order"
 * turns the hold into a redemption, "Remove code" gives the use back.
 */
export function CheckoutPage() {
  // The holdId is a capability: whoever presents it can confirm or release the hold. It stays in
  // this cart's memory only, never in the URL, storage or logs; a real shop keeps it server-side
  // with the checkout session.
  const [hold, setHold] = useState<Hold | null>(null);
  const [order, setOrder] = useState<Order | null>(null);
  const [notice, setNotice] = useState('');
  const attempt = useAttemptKey();
  // no-cache: holds and grants are for this cart at this moment, not for a shared cache.
  const [holdCode, holding] = useHoldCodeMutation({ fetchPolicy: 'no-cache' });
  const [confirmHold, confirming] = useConfirmHoldMutation({ fetchPolicy: 'no-cache' });
  const [releaseHold, releasing] = useReleaseHoldMutation({ fetchPolicy: 'no-cache' });
  const busy = holding.loading || confirming.loading || releasing.loading;

  async function applyCode(code: string) {
    const input = { code, ttlSeconds: HOLD_SECONDS, idempotencyKey: attempt.take() };
    const result = await holdCode({ variables: { input } }).catch(() => null);
    // Without an answer the key is kept: applying again is the same attempt and gets the same hold back.
    if (!result?.data) return setNotice(SOMETHING_WENT_WRONG);
    attempt.settle();
    const outcome = result.data.holdCode;
    if (outcome.__typename === 'Hold') setHold(outcome);
    setNotice(outcome.__typename === 'Hold' ? '' : describeFailure(outcome));
  }

  async function placeOrder(held: Hold) {
    // Safe to press again after a lost answer: confirming a hold twice returns the same redemption.
    const result = await confirmHold({ variables: { holdId: held.holdId } }).catch(() => null);
    if (!result?.data) return setNotice(SOMETHING_WENT_WRONG);
    const outcome = result.data.confirmHold;
    if (outcome.__typename === 'Redemption') {
      setHold(null);
      setOrder(outcome);
      return setNotice('');
    }
    // Refused for good (the hold expired): the code must be entered again. Rate limited: the hold may still stand.
    if (outcome.reason === 'INVALID_OR_EXPIRED') setHold(null);
    setNotice(describeFailure(outcome));
  }

  async function removeCode(held: Hold) {
    const result = await releaseHold({ variables: { holdId: held.holdId } }).catch(() => null);
    if (!result?.data) return setNotice(SOMETHING_WENT_WRONG);
    // released: false means the hold had already ended: either way this cart no longer holds a use.
    setHold(null);
    setNotice('Code removed.');
  }

  return (
    <>
      <h1>Checkout</h1>
      <section aria-label="Cart">
        <p>{CART_LINE}</p>
      </section>
      {order && (
        <section aria-label="Order">
          <PlacedOrder order={order} />
        </section>
      )}
      {!order && hold && (
        <section aria-label="Applied code">
          <AppliedCode hold={hold} />
          <div style={{ display: 'flex', gap: '0.5rem' }}>
            <button type="button" disabled={busy} onClick={() => placeOrder(hold)} style={BUTTON}>
              Place order
            </button>
            <button type="button" disabled={busy} onClick={() => removeCode(hold)} style={BUTTON}>
              Remove code
            </button>
          </div>
        </section>
      )}
      {!order && !hold && <CodeForm action="Apply code" busy={busy} onSubmit={applyCode} onChange={attempt.settle} />}
      <Status text={notice} />
    </>
  );
}
