/** The GraphQL operations the benchmark sends, and how it reads their answers. */
import { BENCH_ADMIN_KEY } from './server';

const ISSUE_CODES = `mutation IssueCodes($input: IssueCodesInput!) {
  issueCodes(input: $input) { code record { id expiresAt } }
}`;

const REDEEM_CODE = `mutation Redeem($input: RedeemCodeInput!) {
  redeemCode(input: $input) {
    __typename
    ... on Redemption { codeId grant redeemedAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;

const REDEEMABLE = `query Check($code: String!, $scope: String) {
  redeemable(code: $code, scope: $scope) {
    __typename
    ... on RedeemableCode { codeId expiresAt }
    ... on RedeemFailure { reason retryAfterSeconds }
  }
}`;

/** What one answer was: the operation's success type, a RedeemFailure, or an error of some kind. */
export type Outcome = 'success' | 'refused' | 'graphqlError' | 'non2xx' | 'malformed';

export type Tally = Record<Outcome, number>;

export function emptyTally(): Tally {
  return { success: 0, refused: 0, graphqlError: 0, non2xx: 0, malformed: 0 };
}

/** Everything that is not the success type: the benchmark's runs are built so that every request should win. */
export function unsuccessful(tally: Tally): number {
  return tally.refused + tally.graphqlError + tally.non2xx + tally.malformed;
}

/** Answers that were a result of the operation's type (success or RedeemFailure), not an error. */
export function results(tally: Tally): number {
  return tally.success + tally.refused;
}

/** A public operation the load runs send, one code per request. */
export interface PublicOperation {
  readonly field: 'redeemCode' | 'redeemable';
  readonly successType: 'Redemption' | 'RedeemableCode';
  body(code: string, scope: string | null): string;
}

export const REDEEM: PublicOperation = {
  field: 'redeemCode',
  successType: 'Redemption',
  body: (code, scope) =>
    JSON.stringify({ query: REDEEM_CODE, variables: { input: { code, scope, subject: 'bench-user' } } }),
};

export const CHECK: PublicOperation = {
  field: 'redeemable',
  successType: 'RedeemableCode',
  body: (code, scope) => JSON.stringify({ query: REDEEMABLE, variables: { code, scope } }),
};

export function classify(operation: PublicOperation, status: number, body: string): Outcome {
  if (status < 200 || status > 299) return 'non2xx';
  let answer: { data?: Record<string, { __typename?: string } | null> | null; errors?: unknown[] };
  try {
    answer = JSON.parse(body);
  } catch {
    return 'malformed';
  }
  if (answer.errors?.length) return 'graphqlError';
  const typename = answer.data?.[operation.field]?.__typename;
  if (typename === operation.successType) return 'success';
  return typename === 'RedeemFailure' ? 'refused' : 'malformed';
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** Issues `count` codes (one issueCodes call, with the admin key); returns them in display form. */
export async function issueCodes(endpoint: string, count: number, scope: string | null = null): Promise<string[]> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { ...JSON_HEADERS, authorization: `Bearer ${BENCH_ADMIN_KEY}` },
    body: JSON.stringify({ query: ISSUE_CODES, variables: { input: { count, scope, grant: 'bench-grant' } } }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  const answer = parseIssued(text);
  if (!response.ok || !answer)
    throw new Error(`issueCodes(${count}) failed: HTTP ${response.status} ${text.slice(0, 500)}`);
  if (answer.length !== count) throw new Error(`issueCodes(${count}) returned ${answer.length} codes`);
  return answer.map((issued) => issued.code);
}

function parseIssued(text: string): { code: string }[] | null {
  try {
    return (JSON.parse(text) as { data?: { issueCodes?: { code: string }[] } }).data?.issueCodes ?? null;
  } catch {
    return null;
  }
}
