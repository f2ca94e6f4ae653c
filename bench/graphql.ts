/** The GraphQL operations the benchmark sends, and how it reads their answers. */
import { BENCH_ADMIN_KEY } from './server';

const ISSUE_CODES = `mutation IssueCodes($input: IssueCodesInput!) {
  issueCodes(input: $input) { code record { id expiresAt } }
}`;

const ISSUE_CODE = `mutation IssueCode($input: IssueCodeInput!) {
  issueCode(input: $input) { code record { id } }
}`;

const REDEMPTION_COUNT = `query RedemptionCount($id: ID!) {
  code(id: $id) { redemptionCount }
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

/**
 * redeemCode with a subject of its own per request: many redeemers of one multi-use code, none of them
 * twice (a code with a per-subject limit would count them).
 */
export function redeemAsFreshSubjects(): PublicOperation {
  let subjects = 0;
  return {
    ...REDEEM,
    body: (code, scope) =>
      JSON.stringify({
        query: REDEEM_CODE,
        variables: { input: { code, scope, subject: `bench-user-${++subjects}` } },
      }),
  };
}

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
  const variables = { input: { count, scope, grant: 'bench-grant' } };
  const answer = await askAdmin<{ code: string }[]>(endpoint, 'issueCodes', ISSUE_CODES, variables);
  if (answer.length !== count) throw new Error(`issueCodes(${count}) returned ${answer.length} codes`);
  return answer.map((issued) => issued.code);
}

/** Issues one code that `maxRedemptions` redemptions may use. */
export async function issueMultiUseCode(
  endpoint: string,
  maxRedemptions: number,
): Promise<{ readonly code: string; readonly id: string }> {
  const variables = { input: { maxRedemptions, grant: 'bench-grant' } };
  const issued = await askAdmin<{ code: string; record: { id: string } }>(endpoint, 'issueCode', ISSUE_CODE, variables);
  return { code: issued.code, id: issued.record.id };
}

/** The code's active redemptions, as the server counts them. */
export async function redemptionCount(endpoint: string, id: string): Promise<number> {
  const code = await askAdmin<{ redemptionCount: number } | null>(endpoint, 'code', REDEMPTION_COUNT, { id });
  if (code === null) throw new Error(`code ${id} is not there`);
  return code.redemptionCount;
}

const CREATE_WEBHOOK_ENDPOINT = `mutation Subscribe($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id } }
}`;
const DELETE_WEBHOOK_ENDPOINT = 'mutation Unsubscribe($id: ID!) { deleteWebhookEndpoint(id: $id) }';

/** A webhook endpoint for `events` at `url`; its id. */
export async function createWebhookEndpoint(endpoint: string, url: string, events: readonly string[]): Promise<string> {
  const variables = { input: { url, events, description: 'bench receiver' } };
  const created = await askAdmin<{ endpoint: { id: string } }>(
    endpoint,
    'createWebhookEndpoint',
    CREATE_WEBHOOK_ENDPOINT,
    variables,
  );
  return created.endpoint.id;
}

export async function deleteWebhookEndpoint(endpoint: string, id: string): Promise<void> {
  await askAdmin<boolean>(endpoint, 'deleteWebhookEndpoint', DELETE_WEBHOOK_ENDPOINT, { id });
}

/** One admin operation (with the admin key); its field's data, or an error that shows the answer. */
async function askAdmin<T>(endpoint: string, field: string, query: string, variables: object): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { ...JSON_HEADERS, authorization: `Bearer ${BENCH_ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  const data = parseData(text);
  if (!response.ok || !data || !(field in data))
    throw new Error(`${field} failed: HTTP ${response.status} ${text.slice(0, 500)}`);
  return data[field] as T;
}

/** The answer's data, or null when it is unreadable or holds an error. */
function parseData(text: string): Record<string, unknown> | null {
  try {
    const answer = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: unknown[] };
    return answer.errors?.length ? null : (answer.data ?? null);
  } catch {
    return null;
  }
}
