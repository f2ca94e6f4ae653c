/**
 * The audit trail's refused attempts, end to end over HTTP: racers that lose
 * a code they found redeemable are recorded as LOST_RACE, a client over its
 * limit as rate_limited, and no entry and no log line holds a secret (the
 * code as typed or normalized, the grant, the idempotency key, the admin key).
 */
import type { RowDataPacket } from 'mysql2/promise';
import { createPool, type Pool } from 'mysql2/promise';
import { graphql, startTestServer, type TestServer } from '../../support/server';

const MAX_FAILURES = 3;
let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startTestServer({
    // Each racer is its own client (X-Forwarded-For from a trusted loopback proxy), so only the race refuses them.
    env: { TRUST_PROXY: 'loopback', RATE_LIMIT_MAX_FAILURES: String(MAX_FAILURES) },
  });
  pool = createPool({ uri: server.database.url, connectionLimit: 2 });
});

afterAll(async () => {
  await pool?.end();
  await server?.close();
});

const GRANT = 'grant-7f3a-plan-gold';
const ISSUE = `mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code record { id } } }`;
const REDEEM = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) { __typename ... on RedeemFailure { reason } }
}`;

async function issue(): Promise<{ code: string; id: string }> {
  const response = await graphql<{ issueCode: { code: string; record: { id: string } } }>(server.graphqlUrl, {
    query: ISSUE,
    variables: { input: { purpose: 'invite', grant: GRANT } },
    key: server.adminKey,
  });
  return { code: response.body.data!.issueCode.code, id: response.body.data!.issueCode.record.id };
}

let clients = 0;
async function redeem(code: string, client = `198.51.100.${++clients % 250}`, idempotencyKey?: string) {
  const response = await graphql<{ redeemCode: { __typename: string; reason?: string } }>(server.graphqlUrl, {
    query: REDEEM,
    variables: { input: { code, purpose: 'invite', subject: `racer-${clients}`, idempotencyKey } },
    headers: { 'x-forwarded-for': client },
  });
  return response.body.data!.redeemCode;
}

async function journal(): Promise<RowDataPacket[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT * FROM code_events ORDER BY id');
  return rows;
}

/** The entries after the first `from`, once there are `count` of them: refusals are written in batches, off the request. */
async function entriesAfter(from: number, count: number): Promise<RowDataPacket[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entries = (await journal()).slice(from);
    if (entries.length >= count || Date.now() > deadline) return entries;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const idempotencyKeys: string[] = [];
const codes: string[] = [];

describe('refused attempts in the audit trail', () => {
  it('racers that lose a code they found redeemable are recorded as LOST_RACE, the rest as USED', async () => {
    const racers = 30;
    const reasons: string[] = [];
    for (let round = 0; round < 3; round++) {
      const { code, id } = await issue();
      codes.push(code);
      const before = (await journal()).length;
      const answers = await Promise.all(
        Array.from({ length: racers }, (_, index) => {
          const key = `race-${round}-${index}-idempotency`;
          idempotencyKeys.push(key);
          return redeem(code, undefined, key);
        }),
      );
      expect(answers.filter((answer) => answer.__typename === 'Redemption')).toHaveLength(1);
      const refusals = await entriesAfter(before, racers - 1);
      expect(refusals).toHaveLength(racers - 1);
      for (const entry of refusals) {
        expect(entry.event_type).toBe('redeem_failed');
        expect(entry.code_id?.toString('hex')).toBe(id.replaceAll('-', ''));
        reasons.push(String(entry.reason));
      }
    }
    // A refusal whose read came after the winner's COMMIT saw a used code; one whose read came before lost the race.
    expect(reasons.every((reason) => reason === 'redeem:LOST_RACE' || reason === 'redeem:USED')).toBe(true);
    expect(reasons.filter((reason) => reason === 'redeem:LOST_RACE').length).toBeGreaterThan(0);
    console.info(
      `audit trail: ${reasons.length} refused racers, ${reasons.filter((reason) => reason === 'redeem:LOST_RACE').length} LOST_RACE`,
    );
  }, 60_000);

  it('a client over its limit is recorded as rate_limited, after its failures', async () => {
    const { code } = await issue();
    codes.push(code);
    const client = '203.0.113.77';
    const before = (await journal()).length;
    const guesses = ['2222-2222', '3333-3333', '4444-4444'].slice(0, MAX_FAILURES);
    for (const guess of guesses) expect((await redeem(guess, client)).reason).toBe('INVALID_OR_EXPIRED');
    expect((await redeem(code, client)).reason).toBe('RATE_LIMITED');
    const entries = await entriesAfter(before, MAX_FAILURES + 1);
    expect(entries.map((entry) => entry.event_type)).toEqual([...guesses.map(() => 'redeem_failed'), 'rate_limited']);
    expect(entries.at(-1)).toMatchObject({ code_id: null, purpose: 'invite', reason: 'redeem' });
  });

  it('no journal entry and no log line holds a code, a grant, an idempotency key or an admin key', async () => {
    const secrets = [
      ...codes,
      ...codes.map((code) => code.replaceAll('-', '')),
      ...idempotencyKeys,
      GRANT,
      server.adminKey,
      server.scopedKey,
    ];
    const haystacks = [JSON.stringify(await journal()), ...server.logs];
    for (const secret of secrets) {
      for (const text of haystacks) expect(text.includes(secret)).toBe(false);
    }
  });
});
