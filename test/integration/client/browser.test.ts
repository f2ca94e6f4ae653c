/**
 * End to end: the example page, built with Vite and served beside a real
 * claimcheck server (same origin through a proxy), redeems a code issued over
 * the admin API in headless chromium; the same code then fails generically.
 */
import { join } from 'node:path';
import { issueCode } from '../../support/admin';
import { openExamplePage, type ExamplePage } from '../../support/browser';
import { Resources } from '../../support/resources';

const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');
const GRANT = 'plan:pro-trial-30d';
/** Failed attempts a client may make per window: few, so that the rate-limit message comes quickly. */
const MAX_FAILURES = 3;

const resources = new Resources();
let example: ExamplePage;

/** Types the code into a freshly loaded page, as a new visitor would, and returns what the page says. */
async function redeemInPage(code: string): Promise<string> {
  const { page, pageServer } = example;
  await page.goto(pageServer.url);
  await page.getByRole('textbox', { name: 'Code' }).fill(code);
  await page.getByRole('button', { name: 'Redeem' }).click();
  const outcome = page.getByRole('status');
  await outcome.filter({ hasText: /\S/ }).waitFor();
  return (await outcome.textContent()) ?? '';
}

async function screenshot(name: string): Promise<void> {
  await example.page.screenshot({ path: join(ARTIFACTS, name) });
}

beforeAll(async () => {
  example = await openExamplePage(resources, { server: { env: { RATE_LIMIT_MAX_FAILURES: String(MAX_FAILURES) } } });
}, 60_000);

// Whatever beforeAll got to, even when it failed or timed out.
afterAll(() => resources.close());

describe('example redeem page', () => {
  it('shows the grant to the first redeemer and the generic failure to the next', async () => {
    const { code } = await issueCode(example.server, { grant: GRANT });
    expect(await redeemInPage(code)).toBe(`Redeemed: ${GRANT}`);
    await screenshot('redeem-granted.png');
    // Typed as people type: lower case; the server normalizes it, and still refuses a second redemption.
    expect(await redeemInPage(code.toLowerCase())).toBe('This code is invalid or expired.');
    await screenshot('redeem-again.png');
  }, 30_000);

  it('tells a client that keeps guessing when to try again', async () => {
    let said = '';
    for (let attempt = 0; attempt <= MAX_FAILURES && !said.startsWith('Too many'); attempt += 1) {
      said = await redeemInPage('AAAA-AAAA');
    }
    await screenshot('redeem-rate-limited.png');
    expect(said).toMatch(/^Too many attempts; try again in \d+ seconds$/);
  }, 30_000);
});
