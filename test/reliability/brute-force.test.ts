/**
 * A guessing client against two instances that share their rate limits
 * through the database. However a client spreads its guesses (aliases in one
 * operation, parallel connections, both instances), at most
 * RATE_LIMIT_MAX_FAILURES of them are answered; spread over many addresses,
 * a scope answers at most RATE_LIMIT_SCOPE_MAX_FAILURES. Other scopes stay
 * open, and a blocked user's valid code is still theirs after the window.
 */
import { randomInt } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  Fleet,
  type IssuedCode,
  type RedeemAnswer,
  type RedeemOutcome,
  type ServerInstance,
  WinLedger,
  codeRows,
  issueCodes,
  testNoSecretLeaks,
  redeem,
  redeemMany,
  serverErrors,
  sleep,
  tally,
  uniqueAddress,
} from '../support/processes';

const MAX_FAILURES = 10;
const SCOPE_MAX_FAILURES = 30;
/** Short, so that the last test can wait it out; long enough for the scope test to see its scope still closed. */
const WINDOW_SECONDS = 5;
const ALIASES = 3;

let database: TestDatabase;
let fleet: Fleet;
let instances: ServerInstance[];
const issued: IssuedCode[] = [];
const ledger = new WinLedger();

beforeAll(async () => {
  database = await createTestDatabase('cc_rel_brute');
  fleet = new Fleet('brute-force', database);
  const env = {
    TRUST_PROXY: 'true',
    RATE_LIMIT_MAX_FAILURES: String(MAX_FAILURES),
    RATE_LIMIT_SCOPE_MAX_FAILURES: String(SCOPE_MAX_FAILURES),
    RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  };
  instances = await Promise.all(['a', 'b'].map((name) => fleet.start(name, { env })));
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  await database?.drop();
  fleet?.figures.report('brute-force');
});

async function issue(scope: string | null): Promise<IssuedCode> {
  const [code] = await issueCodes(fleet, instances[0]!.client, { count: 1, scope, grantPrefix: `brute-${scope}` });
  issued.push(code!);
  return code!;
}

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A well-formed code that was never issued (one in 31^8 chance otherwise). */
function guess(): string {
  const symbols = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${symbols.slice(0, 4).join('')}-${symbols.slice(4).join('')}`;
}

/** One operation with ALIASES redeemCode guesses, from `address`. */
async function aliasedGuesses(instance: ServerInstance, address: string, scope: string): Promise<RedeemOutcome[]> {
  const inputs = Array.from({ length: ALIASES }, () => ({ code: guess(), scope }));
  const answer = await redeemMany(instance.client, inputs, address);
  expect(answer.status).toBe(200);
  return answer.outcomes;
}

/**
 * Every refusal must say when to come back: about a window. It can exceed the
 * window by a second when the request read its clock before a racing request
 * opened the window (ceil of 5.3 s), so the bound is loose.
 */
function expectRetryAfter(outcomes: readonly RedeemOutcome[]): void {
  for (const outcome of outcomes.filter((entry) => entry.kind === 'failure' && entry.reason === 'RATE_LIMITED')) {
    expect(outcome).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    const seconds = (outcome as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(2 * WINDOW_SECONDS);
  }
}

test(`one client's ${20 * ALIASES} parallel guesses over aliases, connections and both instances: at most ${MAX_FAILURES} answered`, async () => {
  const address = uniqueAddress();
  const operations = Array.from({ length: 20 }, (_, index) =>
    aliasedGuesses(instances[index % 2]!, address, 'brute-alias'),
  );
  const outcomes = (await Promise.all(operations)).flat();
  const counts = tally(outcomes);
  fleet.figures.note('one client: outcomes', JSON.stringify(counts));

  expect(counts.INVALID_OR_EXPIRED ?? 0).toBeGreaterThan(0);
  expect(counts.INVALID_OR_EXPIRED).toBeLessThanOrEqual(MAX_FAILURES);
  expect(counts.RATE_LIMITED).toBe(outcomes.length - counts.INVALID_OR_EXPIRED!);
  expectRetryAfter(outcomes);
}, 60_000);

test(`guesses in one scope from ${3 * SCOPE_MAX_FAILURES} addresses: at most ${SCOPE_MAX_FAILURES} answered; other scopes stay open`, async () => {
  const scope = 'brute-scope';
  const blockedCode = await issue(scope);
  const otherScopeCode = await issue('brute-other');
  const unscopedCode = await issue(null);
  const guesses = Array.from({ length: 3 * SCOPE_MAX_FAILURES }, (_, index) =>
    redeem(instances[index % 2]!.client, { code: guess(), scope }, uniqueAddress()),
  );
  const answers = await Promise.all(guesses);
  const counts = tally(answers.map((answer) => answer.outcome));
  fleet.figures.note('one scope, many addresses: outcomes', JSON.stringify(counts));

  const newcomer = await redeem(instances[0]!.client, { code: blockedCode.code, scope }, uniqueAddress());
  const otherScope = await redeem(
    instances[1]!.client,
    { code: otherScopeCode.code, scope: 'brute-other', subject: 'other scope' },
    uniqueAddress(),
  );
  const unscoped = await redeem(
    instances[0]!.client,
    { code: unscopedCode.code, subject: 'unscoped' },
    uniqueAddress(),
  );
  [newcomer, otherScope, unscoped].forEach((answer) => ledger.record(answer.outcome));

  expect(serverErrors(answers)).toEqual([]);
  expect(counts.INVALID_OR_EXPIRED ?? 0).toBeGreaterThan(0);
  expect(counts.INVALID_OR_EXPIRED).toBeLessThanOrEqual(SCOPE_MAX_FAILURES);
  expect(counts.RATE_LIMITED).toBe(answers.length - counts.INVALID_OR_EXPIRED!);
  expectRetryAfter(answers.map((answer) => answer.outcome));
  // The whole scope is closed for now, even to an address that never failed...
  expect(newcomer.outcome).toMatchObject({ kind: 'failure', reason: 'RATE_LIMITED' });
  // ...but no other scope is.
  expect(otherScope.outcome).toMatchObject({ kind: 'redeemed', codeId: otherScopeCode.id });
  expect(unscoped.outcome).toMatchObject({ kind: 'redeemed', codeId: unscopedCode.id });
}, 60_000);

test("a rate-limited user's valid code is not consumed, and is theirs once the window has passed", async () => {
  const scope = 'brute-patient';
  const mine = await issue(scope);
  const address = uniqueAddress();
  const failures: RedeemAnswer[] = [];
  for (let attempt = 0; attempt <= MAX_FAILURES; attempt++) {
    failures.push(await redeem(instances[attempt % 2]!.client, { code: guess(), scope }, address));
  }
  const refused = await redeem(instances[0]!.client, { code: mine.code, scope, subject: 'patient' }, address);
  const untouched = (await codeRows(database)).get(mine.id);
  expect(refused.outcome).toMatchObject({ kind: 'failure', reason: 'RATE_LIMITED' });
  expectRetryAfter([refused.outcome]);

  await sleep((refused.outcome as { retryAfterSeconds: number }).retryAfterSeconds * 1000 + 250);
  const later = await redeem(instances[1]!.client, { code: mine.code, scope, subject: 'patient' }, address);
  ledger.record(later.outcome);

  expect(tally(failures.map((answer) => answer.outcome))).toEqual({
    INVALID_OR_EXPIRED: MAX_FAILURES,
    RATE_LIMITED: 1,
  });
  expect(untouched).toMatchObject({ usedAt: null });
  expect(later.outcome).toMatchObject({ kind: 'redeemed', codeId: mine.id, subject: 'patient' });
}, 60_000);

test('every valid code of this file was won exactly once or not at all', async () => {
  const verdict = ledger.verify(issued, await codeRows(database));
  fleet.figures.add('codesLost', verdict.lost);
  fleet.figures.add('codesWonTwice', verdict.wonTwice);
  expect(verdict.problems).toEqual([]);
});

testNoSecretLeaks(
  () => fleet,
  () => issued,
);
