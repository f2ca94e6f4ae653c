/**
 * SQL metacharacters through the HTTP API, against real issued codes: a
 * hostile scope, purpose or subject wins nothing it should not, changes no
 * other row (the tables are read before and after), and the legitimate
 * criteria still win. The conformance suite asserts the same of the store.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { createPool, type Pool } from 'mysql2/promise';
import { idToBinary } from '../../../src/store/mysql/ids';
import { graphql, startTestServer, type TestServer } from '../../support/server';

let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startTestServer();
  pool = createPool({ uri: server.database.url, connectionLimit: 2 });
});

afterAll(async () => {
  await pool?.end();
  await server?.close();
});

const SCOPE = 'shop-7';
const PURPOSE = 'promo';

function hostileValues(otherId: string): string[] {
  return [
    "x' OR 1=1 -- ",
    `x" OR id='${otherId}' -- `,
    `${SCOPE}' OR '1'='1`,
    'x\\',
    "x\\' OR 1=1 -- ",
    'x\0y',
    'x\u2019 OR 1=1 --',
    `${SCOPE}\u02bc OR \u02bc1\u02bc=\u02bc1`,
    'x; UPDATE codes SET revoked_at = NOW() -- ',
  ];
}

const REDEEM = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) { __typename ... on Redemption { id codeId subject } ... on RedeemFailure { reason } }
}`;
const CHECK = `query Check($code: String!, $purpose: String, $scope: String) {
  redeemable(code: $code, purpose: $purpose, scope: $scope) { __typename }
}`;
const HOLD = `mutation Hold($input: HoldCodeInput!) {
  holdCode(input: $input) { __typename ... on RedeemFailure { reason } }
}`;
const REVOKE = `mutation Revoke($id: ID!, $scope: String) { revokeCode(id: $id, scope: $scope) { revoked code { id } } }`;
const LIST = `query List($filter: CodeFilter) { codes(filter: $filter, first: 100) { edges { node { id } } } }`;
const STATS = `query Stats($scope: String, $purpose: String) {
  codeStats(scope: $scope, purpose: $purpose) { redeemable used revoked expired scheduled redemptions }
}`;
const ISSUE = `mutation Issue($input: IssueCodeInput!) { issueCode(input: $input) { code record { id } } }`;

async function call(query: string, variables: Record<string, unknown>, key?: string) {
  const response = await graphql<Record<string, any>>(server.graphqlUrl, { query, variables, key }); // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(response.body.errors).toBeUndefined();
  return response.body.data!;
}

async function issue(input: Record<string, unknown>): Promise<{ code: string; id: string }> {
  const data = await call(
    ISSUE,
    { input: { purpose: PURPOSE, scope: SCOPE, grant: 'ten off', ...input } },
    server.adminKey,
  );
  return { code: data.issueCode.code, id: data.issueCode.record.id };
}

/** Every row of the tables a redemption, hold or revocation could change, as text. */
async function tables(): Promise<string> {
  const rows: Record<string, unknown> = {};
  for (const table of ['codes', 'redemptions', 'holds']) {
    const [result] = await pool.query<RowDataPacket[]>(`SELECT * FROM ${table} ORDER BY id`);
    rows[table] = result;
  }
  return JSON.stringify(rows);
}

describe('hostile criteria through the HTTP API, against real codes', () => {
  let target: { code: string; id: string };
  let other: { code: string; id: string };

  beforeAll(async () => {
    target = await issue({ maxRedemptions: 3 });
    other = await issue({ maxRedemptions: 3, scope: 'shop-8' });
  });

  it('a hostile scope or purpose redeems, checks and holds nothing, and changes no row', async () => {
    const before = await tables();
    for (const hostile of hostileValues(other.id)) {
      for (const criteria of [
        { purpose: PURPOSE, scope: hostile },
        { purpose: hostile, scope: SCOPE },
        { purpose: hostile, scope: hostile },
      ]) {
        const redeemed = await call(REDEEM, { input: { code: target.code, subject: 'mallory', ...criteria } });
        expect(redeemed.redeemCode).toEqual({ __typename: 'RedeemFailure', reason: 'INVALID_OR_EXPIRED' });
        const checked = await call(CHECK, { code: target.code, ...criteria });
        expect(checked.redeemable.__typename).toBe('RedeemFailure');
        const held = await call(HOLD, { input: { code: target.code, subject: 'mallory', ...criteria } });
        expect(held.holdCode).toEqual({ __typename: 'RedeemFailure', reason: 'INVALID_OR_EXPIRED' });
      }
    }
    expect(await tables()).toBe(before);
  });

  it('a hostile scope revokes, lists and counts nothing, and changes no row', async () => {
    const before = await tables();
    for (const hostile of hostileValues(other.id)) {
      const revoked = await call(REVOKE, { id: target.id, scope: hostile }, server.adminKey);
      expect(revoked.revokeCode).toEqual({ revoked: false, code: null });
      const listed = await call(LIST, { filter: { scope: hostile } }, server.adminKey);
      expect(listed.codes.edges).toEqual([]);
      const counted = await call(STATS, { scope: hostile, purpose: hostile }, server.adminKey);
      expect(Object.values(counted.codeStats).every((count) => count === 0)).toBe(true);
    }
    expect(await tables()).toBe(before);
  });

  it('a hostile subject is stored exactly as given, takes one use of the right code, and nothing else', async () => {
    const otherRow = () => pool.query<RowDataPacket[]>('SELECT * FROM codes WHERE id = ?', [idToBinary(other.id)]);
    const [otherBefore] = await otherRow();
    const subjects = hostileValues(other.id).slice(0, 3);
    for (const subject of subjects) {
      const redeemed = await call(REDEEM, { input: { code: target.code, purpose: PURPOSE, scope: SCOPE, subject } });
      expect(redeemed.redeemCode).toMatchObject({ __typename: 'Redemption', codeId: target.id, subject });
    }
    const [stored] = await pool.query<RowDataPacket[]>(
      'SELECT subject FROM redemptions WHERE code_id = ? ORDER BY id',
      [idToBinary(target.id)],
    );
    // Subjects compare exactly: the column is binary.
    expect(stored.map((row) => (row.subject as Buffer).toString('utf8'))).toEqual(subjects);
    const [otherAfter] = await otherRow();
    expect(otherAfter).toEqual(otherBefore);
    const spent = await call(REDEEM, { input: { code: target.code, purpose: PURPOSE, scope: SCOPE, subject: 'late' } });
    expect(spent.redeemCode).toEqual({ __typename: 'RedeemFailure', reason: 'INVALID_OR_EXPIRED' });
  });

  it('the legitimate scope and purpose still win after every hostile attempt', async () => {
    const redeemed = await call(REDEEM, {
      input: { code: other.code, purpose: PURPOSE, scope: 'shop-8', subject: 'alice' },
    });
    expect(redeemed.redeemCode).toMatchObject({ __typename: 'Redemption', codeId: other.id });
  });
});
