/**
 * End to end: the example page, built with Vite and served beside a real
 * claimcheck server (same origin through a proxy), redeems a code issued over
 * the admin API in headless chromium; the same code then fails generically.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { IssueCodeDocument, type IssueCodeMutation } from '../../../client/generated/graphql';
import { launchChromium, servePage, type PageServer } from '../../support/browser';
import { graphql, startTestServer, type TestServer } from '../../support/server';

const ROOT = join(__dirname, '..', '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const GRANT = 'plan:pro-trial-30d';
/** Failed attempts a client may make per window: few, so that the rate-limit message comes quickly. */
const MAX_FAILURES = 3;

let server: TestServer;
let pageServer: PageServer;
let browser: Browser;
let page: Page;

/** Built into a folder of its own, so that another test building the page (npm run web) cannot empty it mid-test. */
async function buildPage(): Promise<string> {
  const outDir = join(ARTIFACTS, 'web-build');
  await promisify(execFile)(process.execPath, [join(ROOT, 'examples/web/build.mjs')], {
    cwd: ROOT,
    env: { ...process.env, WEB_OUT_DIR: outDir },
  });
  return outDir;
}

async function issueCode(): Promise<string> {
  const { body } = await graphql<IssueCodeMutation>(server.graphqlUrl, {
    query: print(IssueCodeDocument),
    variables: { input: { grant: GRANT } },
    key: server.adminKey,
  });
  if (!body.data) throw new Error(`issueCode failed: ${JSON.stringify(body.errors)}`);
  return body.data.issueCode.code;
}

/** Types the code into a freshly loaded page, as a new visitor would, and returns what the page says. */
async function redeemInPage(code: string): Promise<string> {
  await page.goto(pageServer.url);
  await page.getByRole('textbox', { name: 'Code' }).fill(code);
  await page.getByRole('button', { name: 'Redeem' }).click();
  const outcome = page.getByRole('status');
  await outcome.filter({ hasText: /\S/ }).waitFor();
  return (await outcome.textContent()) ?? '';
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, name) });
}

beforeAll(async () => {
  // Each resource is kept as soon as it exists, so that afterAll releases it even when another failed to start.
  const [root] = await Promise.all([
    buildPage(),
    startTestServer({ env: { RATE_LIMIT_MAX_FAILURES: String(MAX_FAILURES) } }).then((started) => (server = started)),
    launchChromium().then((launched) => (browser = launched)),
    mkdir(ARTIFACTS, { recursive: true }),
  ]);
  pageServer = await servePage(root, server.graphqlUrl);
  page = await browser.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
  await server?.close();
});

describe('example redeem page', () => {
  it('shows the grant to the first redeemer and the generic failure to the next', async () => {
    const code = await issueCode();
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
