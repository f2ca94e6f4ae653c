/**
 * End to end: the example checkout page (#checkout), built with Vite and
 * served beside a real claimcheck server, in headless chromium. Carts are
 * separate browser contexts on one single-use code: the first cart's hold
 * keeps the second out until it removes the code; the second then holds it
 * and places its order; a third cart is refused. The admin API confirms
 * each step on the server, and the hold id stays in the cart's memory only.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  CodeDocument,
  RedemptionDocument,
  type CodeQuery,
  type HoldCodeMutation,
  type RedemptionQuery,
} from '../../../client/generated/graphql';
import { adminRequest, issueCode } from '../../support/admin';
import { openExamplePage, type ExamplePage } from '../../support/browser';
import { Resources } from '../../support/resources';

const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');
const GRANT = 'discount:last-seat-20pct';
/** What the checkout page asks for (HOLD_SECONDS in examples/web/src/CheckoutPage.tsx). */
const HOLD_MS = 900_000;
const GENERIC_FAILURE = 'This code is invalid or expired.';
/** How long a page may take to show an answer before the step counts as failed. */
const ANSWER_MS = 10_000;

const resources = new Resources();
let example: ExamplePage;

/** A new cart: a browser context of its own (no shared storage), on the checkout page. */
async function openCart(page?: Page): Promise<Page> {
  const cart = page ?? (await example.browser.newPage());
  await cart.goto(`${example.pageServer.url}#checkout`);
  await cart.getByRole('heading', { name: 'Checkout' }).waitFor();
  return cart;
}

/** Types the code and applies it; returns the holdCode answer the page received. */
async function applyCode(cart: Page, code: string): Promise<HoldCodeMutation['holdCode']> {
  await cart.getByRole('textbox', { name: 'Code' }).fill(code);
  return clickApply(cart);
}

async function clickApply(cart: Page): Promise<HoldCodeMutation['holdCode']> {
  const answer = cart.waitForResponse((response) => response.url().endsWith('/graphql'));
  await cart.getByRole('button', { name: 'Apply code' }).click();
  const { data } = (await (await answer).json()) as { data: HoldCodeMutation };
  return data.holdCode;
}

/** The text of a region of the page once it shows. */
async function regionText(cart: Page, name: string): Promise<string> {
  const region = cart.getByRole('region', { name });
  await region.waitFor({ timeout: ANSWER_MS });
  return (await region.textContent()) ?? '';
}

/** What the status line says once it says something. */
async function statusText(cart: Page): Promise<string> {
  const status = cart.getByRole('status');
  await status.filter({ hasText: /\S/ }).waitFor({ timeout: ANSWER_MS });
  return (await status.textContent()) ?? '';
}

async function codeOnServer(id: string): Promise<NonNullable<CodeQuery['code']>> {
  const { code } = await adminRequest<CodeQuery>(example.server, CodeDocument, { id });
  if (!code) throw new Error(`no code ${id}`);
  return code;
}

/** Everything a page keeps beyond its memory: its address, storage, cookies and markup. */
async function whatThePageKeeps(cart: Page): Promise<string> {
  // An expression, not a function: the browser's globals are not in the Node test's types.
  const kept = await cart.evaluate<string>(
    'JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, document.documentElement.outerHTML])',
  );
  return `${cart.url()}\n${kept}`;
}

async function screenshot(cart: Page, name: string): Promise<void> {
  await cart.screenshot({ path: join(ARTIFACTS, name) });
}

beforeAll(async () => {
  example = await openExamplePage(resources);
}, 60_000);

// Whatever beforeAll got to, even when it failed or timed out; the carts' pages close with the browser.
afterAll(() => resources.close());

describe('example checkout page', () => {
  it('holds the last use for one cart, gives it back on removal, and turns a hold into the order', async () => {
    const { code, record } = await issueCode(example.server, { grant: GRANT });
    const cartA = await openCart(example.page);
    const cartB = await openCart();

    const heldAt = Date.now();
    const held = await applyCode(cartA, code);
    if (held.__typename !== 'Hold') throw new Error(`cart A was refused: ${JSON.stringify(held)}`);
    expect(await regionText(cartA, 'Applied code')).toContain(`Code applied: ${GRANT}`);
    const shownExpiry = await cartA.locator('time').getAttribute('datetime');
    expect(shownExpiry).toBe(held.expiresAt);
    expect(Date.parse(held.expiresAt)).toBeGreaterThanOrEqual(heldAt + HOLD_MS - 1000);
    expect(Date.parse(held.expiresAt)).toBeLessThanOrEqual(Date.now() + HOLD_MS + 1000);
    expect(await whatThePageKeeps(cartA)).not.toContain(held.holdId);
    await screenshot(cartA, 'checkout-held.png');
    // A visit to the redeem page and back keeps the cart, and with it the hold.
    await cartA.getByRole('link', { name: 'Redeem' }).click();
    await cartA.getByRole('heading', { name: 'Redeem a code' }).waitFor();
    await cartA.getByRole('link', { name: 'Checkout' }).click();
    expect(await regionText(cartA, 'Applied code')).toContain(`Code applied: ${GRANT}`);
    expect(await codeOnServer(record.id)).toMatchObject({ state: 'USED', heldCount: 1, redemptionCount: 0 });

    // The only use is held by cart A: cart B, typing as people type, gets the one generic answer.
    expect((await applyCode(cartB, code.toLowerCase())).__typename).toBe('RedeemFailure');
    expect(await statusText(cartB)).toBe(GENERIC_FAILURE);
    await screenshot(cartB, 'checkout-refused-while-held.png');

    await cartA.getByRole('button', { name: 'Remove code' }).click();
    expect(await statusText(cartA)).toBe('Code removed.');
    await cartA.getByRole('textbox', { name: 'Code' }).waitFor();
    expect(await codeOnServer(record.id)).toMatchObject({ state: 'REDEEMABLE', heldCount: 0 });

    // The code is still typed in cart B: applying it again now holds it.
    expect((await clickApply(cartB)).__typename).toBe('Hold');
    expect(await regionText(cartB, 'Applied code')).toContain(`Code applied: ${GRANT}`);
    await cartB.getByRole('button', { name: 'Place order' }).click();
    const order = await regionText(cartB, 'Order');
    expect(order).toContain(`Order placed with: ${GRANT}`);
    await screenshot(cartB, 'checkout-ordered.png');

    const redemptionId = (await cartB.getByTestId('redemption-id').textContent()) ?? '';
    const { redemption } = await adminRequest<RedemptionQuery>(example.server, RedemptionDocument, {
      id: redemptionId,
    });
    expect(redemption).toMatchObject({ id: redemptionId, codeId: record.id, reversedAt: null });
    expect(await codeOnServer(record.id)).toMatchObject({ state: 'USED', heldCount: 0, redemptionCount: 1 });

    const cartC = await openCart();
    expect((await applyCode(cartC, code)).__typename).toBe('RedeemFailure');
    expect(await statusText(cartC)).toBe(GENERIC_FAILURE);

    // The hold id is a secret capability: never in a log line either.
    expect(example.server.logs.join('\n')).not.toContain(held.holdId);
  }, 60_000);
});
