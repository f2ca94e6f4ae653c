/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import { gql } from '@apollo/client';
import type * as ApolloReactCommon from '@apollo/client';
import * as ApolloReactHooks from '@apollo/client';
const defaultOptions = {} as const;
export type CodeFilter = {
  purpose?: string | null | undefined;
  scope?: string | null | undefined;
  state?: CodeState | null | undefined;
};

/**
 * A code's state at the time of the query. More values may be added.
 * USED means every allowed redemption is taken (for a single-use code: it was
 * redeemed); uses taken by unexpired holds count as taken.
 */
export type CodeState =
  | 'EXPIRED'
  | 'REDEEMABLE'
  | 'REVOKED'
  /** Issued with a startsAt that has not come yet. */
  | 'SCHEDULED'
  | 'USED';

export type CreateWebhookEndpointInput = {
  description?: string | null | undefined;
  events: Array<WebhookEventType>;
  /** Only events of codes in this scope; scoped admin keys can only create endpoints in their own scope. */
  scope?: string | null | undefined;
  /** An http(s) URL that receives POSTed events. */
  url: string;
};

export type HoldCodeInput = {
  /** As the user typed it, like RedeemCodeInput.code. */
  code: string;
  /** As in RedeemCodeInput: a retry with the same key returns the same Hold. */
  idempotencyKey?: string | null | undefined;
  purpose?: string | null | undefined;
  scope?: string | null | undefined;
  /** Who holds, as the host application identifies them; counts toward maxRedemptionsPerSubject. */
  subject?: string | null | undefined;
  /** How long the use stays held unless confirmed or released; default 900, from 1 to 86400. */
  ttlSeconds?: number | null | undefined;
};

export type IssueCodeInput = {
  /** An absolute end instead of ttlSeconds (giving both is BAD_USER_INPUT). */
  expiresAt?: string | null | undefined;
  /** Opaque payload returned to whoever redeems the code. */
  grant?: string | null | undefined;
  /** Redemptions allowed in total; 1 (single-use) when absent; at most 1000000000. */
  maxRedemptions?: number | null | undefined;
  /**
   * Redemptions allowed per subject; no per-subject limit when absent. A code
   * with this limit only redeems (or is held) for a request that names a subject.
   */
  maxRedemptionsPerSubject?: number | null | undefined;
  /** Label of the flow the code is for (e.g. invite, promo); redemption must name the same purpose. */
  purpose?: string | null | undefined;
  /** Tenant or community boundary; scoped admin keys can only issue into their own scope. */
  scope?: string | null | undefined;
  /** Not redeemable before this instant (must be before the code expires). */
  startsAt?: string | null | undefined;
  /** Lifetime in seconds; the server's policy TTL when absent. */
  ttlSeconds?: number | null | undefined;
};

export type IssueCodesInput = {
  /** How many codes to issue in one call, from 1 to the server's batch limit (at least 10000). */
  count: number;
  expiresAt?: string | null | undefined;
  grant?: string | null | undefined;
  maxRedemptions?: number | null | undefined;
  maxRedemptionsPerSubject?: number | null | undefined;
  purpose?: string | null | undefined;
  scope?: string | null | undefined;
  startsAt?: string | null | undefined;
  ttlSeconds?: number | null | undefined;
};

export type RedeemCodeInput = {
  /** As the user typed it: any letter case, spaces and hyphens allowed. */
  code: string;
  /**
   * A random value the client makes once per redemption attempt and resends on
   * retry. If the code was already won with this same key, the original
   * Redemption is returned again instead of a failure, so a retry after a lost
   * response is safe. Without it, or with another key, a used code fails as usual.
   */
  idempotencyKey?: string | null | undefined;
  /** Must equal the code's purpose; an absent purpose matches only codes issued without one. */
  purpose?: string | null | undefined;
  /** When given, only a code of this scope matches. */
  scope?: string | null | undefined;
  /** Who redeems, as the host application identifies them; recorded as the code's usedBy. */
  subject?: string | null | undefined;
};

/**
 * Why a redemption or a check did not succeed. Every not-redeemable state
 * (unknown, malformed, expired, already used, revoked, wrong purpose, wrong
 * scope) is INVALID_OR_EXPIRED, so that a caller cannot learn whether a code
 * exists.
 */
export type RedeemFailureReason =
  | 'INVALID_OR_EXPIRED'
  | 'RATE_LIMITED';

/** What webhook endpoints can subscribe to. On the wire the event type is the lower-case dotted name in brackets. */
export type WebhookEventType =
  /** [codes.issued] one event per issueCode or issueCodes call */
  | 'CODES_ISSUED'
  /** [code.redeemed] a redemption was made (by redeemCode or confirmHold) */
  | 'CODE_REDEEMED'
  /** [code.revoked] */
  | 'CODE_REVOKED'
  /** [hold.created] */
  | 'HOLD_CREATED'
  /** [hold.released] released by releaseHold, or expired unconfirmed */
  | 'HOLD_RELEASED'
  /** [redemption.reversed] */
  | 'REDEMPTION_REVERSED';

export type CheckCodeQueryVariables = Exact<{
  code: string;
  purpose?: string | null | undefined;
  scope?: string | null | undefined;
}>;


export type CheckCodeQuery = { redeemable:
    | { __typename: 'RedeemFailure', reason: RedeemFailureReason, retryAfterSeconds: number | null }
    | { __typename: 'RedeemableCode', codeId: string, purpose: string | null, scope: string | null, grant: string | null, expiresAt: string }
   };

export type CodeQueryVariables = Exact<{
  id: string | number;
}>;


export type CodeQuery = { code: { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null } | null };

export type CodeFieldsFragment = { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null };

export type CodeRedemptionsQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CodeRedemptionsQuery = { code: { id: string, redemptionCount: number, redemptions: { edges: Array<{ cursor: string, node: { id: string, codeId: string, subject: string | null, redeemedAt: string, reversedAt: string | null, reversalReason: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type CodeStatsQueryVariables = Exact<{
  scope?: string | null | undefined;
  purpose?: string | null | undefined;
}>;


export type CodeStatsQuery = { codeStats: { redeemable: number, used: number, revoked: number, expired: number, scheduled: number, redemptions: number } };

export type CodesQueryVariables = Exact<{
  filter?: CodeFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CodesQuery = { codes: { edges: Array<{ cursor: string, node: { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ConfirmHoldMutationVariables = Exact<{
  holdId: string | number;
}>;


export type ConfirmHoldMutation = { confirmHold:
    | { __typename: 'RedeemFailure', reason: RedeemFailureReason, retryAfterSeconds: number | null }
    | { __typename: 'Redemption', id: string, codeId: string, purpose: string | null, scope: string | null, grant: string | null, subject: string | null, redeemedAt: string }
   };

export type CreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type CreateWebhookEndpointMutation = { createWebhookEndpoint: { secret: string, endpoint: { id: string, url: string, events: Array<WebhookEventType>, scope: string | null, description: string | null, createdAt: string } } };

export type DeleteWebhookEndpointMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteWebhookEndpointMutation = { deleteWebhookEndpoint: boolean };

export type HoldCodeMutationVariables = Exact<{
  input: HoldCodeInput;
}>;


export type HoldCodeMutation = { holdCode:
    | { __typename: 'Hold', holdId: string, codeId: string, purpose: string | null, scope: string | null, grant: string | null, subject: string | null, expiresAt: string }
    | { __typename: 'RedeemFailure', reason: RedeemFailureReason, retryAfterSeconds: number | null }
   };

export type IssueCodeMutationVariables = Exact<{
  input: IssueCodeInput;
}>;


export type IssueCodeMutation = { issueCode: { code: string, record: { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null } } };

export type IssueCodesMutationVariables = Exact<{
  input: IssueCodesInput;
}>;


export type IssueCodesMutation = { issueCodes: Array<{ code: string, record: { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null } }> };

export type RedeemCodeMutationVariables = Exact<{
  input: RedeemCodeInput;
}>;


export type RedeemCodeMutation = { redeemCode:
    | { __typename: 'RedeemFailure', reason: RedeemFailureReason, retryAfterSeconds: number | null }
    | { __typename: 'Redemption', id: string, codeId: string, purpose: string | null, scope: string | null, grant: string | null, subject: string | null, redeemedAt: string }
   };

export type RedeemFailureFieldsFragment = { reason: RedeemFailureReason, retryAfterSeconds: number | null };

export type RedemptionQueryVariables = Exact<{
  id: string | number;
}>;


export type RedemptionQuery = { redemption: { id: string, codeId: string, subject: string | null, redeemedAt: string, reversedAt: string | null, reversalReason: string | null } | null };

export type RedemptionFieldsFragment = { id: string, codeId: string, purpose: string | null, scope: string | null, grant: string | null, subject: string | null, redeemedAt: string };

export type RedemptionRecordFieldsFragment = { id: string, codeId: string, subject: string | null, redeemedAt: string, reversedAt: string | null, reversalReason: string | null };

export type ReleaseHoldMutationVariables = Exact<{
  holdId: string | number;
}>;


export type ReleaseHoldMutation = { releaseHold: { released: boolean } };

export type ReverseRedemptionMutationVariables = Exact<{
  id: string | number;
  reason?: string | null | undefined;
}>;


export type ReverseRedemptionMutation = { reverseRedemption: { reversed: boolean, redemption: { id: string, codeId: string, subject: string | null, redeemedAt: string, reversedAt: string | null, reversalReason: string | null } | null, code: { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null } | null } };

export type RevokeCodeMutationVariables = Exact<{
  id: string | number;
  scope?: string | null | undefined;
}>;


export type RevokeCodeMutation = { revokeCode: { revoked: boolean, code: { id: string, state: CodeState, purpose: string | null, scope: string | null, grant: string | null, keyVersion: string, createdAt: string, startsAt: string | null, expiresAt: string, maxRedemptions: number, maxRedemptionsPerSubject: number | null, redemptionCount: number, heldCount: number, usedAt: string | null, usedBy: string | null, revokedAt: string | null } | null } };

export type WebhookDeliveriesQueryVariables = Exact<{
  endpointId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type WebhookDeliveriesQuery = { webhookDeliveries: { edges: Array<{ cursor: string, node: { id: string, eventId: string, eventType: WebhookEventType, attempts: number, lastStatus: number | null, deliveredAt: string | null, nextAttemptAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type WebhookEndpointFieldsFragment = { id: string, url: string, events: Array<WebhookEventType>, scope: string | null, description: string | null, createdAt: string };

export type WebhookEndpointsQueryVariables = Exact<{ [key: string]: never; }>;


export type WebhookEndpointsQuery = { webhookEndpoints: Array<{ id: string, url: string, events: Array<WebhookEventType>, scope: string | null, description: string | null, createdAt: string }> };

export const CodeFieldsFragmentDoc = gql`
    fragment CodeFields on Code {
  id
  state
  purpose
  scope
  grant
  keyVersion
  createdAt
  startsAt
  expiresAt
  maxRedemptions
  maxRedemptionsPerSubject
  redemptionCount
  heldCount
  usedAt
  usedBy
  revokedAt
}
    `;
export const RedeemFailureFieldsFragmentDoc = gql`
    fragment RedeemFailureFields on RedeemFailure {
  reason
  retryAfterSeconds
}
    `;
export const RedemptionFieldsFragmentDoc = gql`
    fragment RedemptionFields on Redemption {
  id
  codeId
  purpose
  scope
  grant
  subject
  redeemedAt
}
    `;
export const RedemptionRecordFieldsFragmentDoc = gql`
    fragment RedemptionRecordFields on RedemptionRecord {
  id
  codeId
  subject
  redeemedAt
  reversedAt
  reversalReason
}
    `;
export const WebhookEndpointFieldsFragmentDoc = gql`
    fragment WebhookEndpointFields on WebhookEndpoint {
  id
  url
  events
  scope
  description
  createdAt
}
    `;
export const CheckCodeDocument = gql`
    query CheckCode($code: String!, $purpose: String, $scope: String) {
  redeemable(code: $code, purpose: $purpose, scope: $scope) {
    __typename
    ... on RedeemableCode {
      codeId
      purpose
      scope
      grant
      expiresAt
    }
    ...RedeemFailureFields
  }
}
    ${RedeemFailureFieldsFragmentDoc}`;

/**
 * __useCheckCodeQuery__
 *
 * To run a query within a React component, call `useCheckCodeQuery` and pass it any options that fit your needs.
 * When your component renders, `useCheckCodeQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useCheckCodeQuery({
 *   variables: {
 *      code: // value for 'code'
 *      purpose: // value for 'purpose'
 *      scope: // value for 'scope'
 *   },
 * });
 */
export function useCheckCodeQuery(baseOptions: ApolloReactHooks.QueryHookOptions<CheckCodeQuery, CheckCodeQueryVariables> & ({ variables: CheckCodeQueryVariables; skip?: boolean; } | { skip: boolean; }) ) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<CheckCodeQuery, CheckCodeQueryVariables>(CheckCodeDocument, options);
      }
export function useCheckCodeLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<CheckCodeQuery, CheckCodeQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<CheckCodeQuery, CheckCodeQueryVariables>(CheckCodeDocument, options);
        }
// @ts-ignore
export function useCheckCodeSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<CheckCodeQuery, CheckCodeQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CheckCodeQuery, CheckCodeQueryVariables>;
export function useCheckCodeSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CheckCodeQuery, CheckCodeQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CheckCodeQuery | undefined, CheckCodeQueryVariables>;
export function useCheckCodeSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CheckCodeQuery, CheckCodeQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<CheckCodeQuery, CheckCodeQueryVariables>(CheckCodeDocument, options);
        }
export type CheckCodeQueryHookResult = ReturnType<typeof useCheckCodeQuery>;
export type CheckCodeLazyQueryHookResult = ReturnType<typeof useCheckCodeLazyQuery>;
export type CheckCodeSuspenseQueryHookResult = ReturnType<typeof useCheckCodeSuspenseQuery>;
export type CheckCodeQueryResult = ApolloReactCommon.QueryResult<CheckCodeQuery, CheckCodeQueryVariables>;
export const CodeDocument = gql`
    query Code($id: ID!) {
  code(id: $id) {
    ...CodeFields
  }
}
    ${CodeFieldsFragmentDoc}`;

/**
 * __useCodeQuery__
 *
 * To run a query within a React component, call `useCodeQuery` and pass it any options that fit your needs.
 * When your component renders, `useCodeQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useCodeQuery({
 *   variables: {
 *      id: // value for 'id'
 *   },
 * });
 */
export function useCodeQuery(baseOptions: ApolloReactHooks.QueryHookOptions<CodeQuery, CodeQueryVariables> & ({ variables: CodeQueryVariables; skip?: boolean; } | { skip: boolean; }) ) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<CodeQuery, CodeQueryVariables>(CodeDocument, options);
      }
export function useCodeLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<CodeQuery, CodeQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<CodeQuery, CodeQueryVariables>(CodeDocument, options);
        }
// @ts-ignore
export function useCodeSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<CodeQuery, CodeQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodeQuery, CodeQueryVariables>;
export function useCodeSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodeQuery, CodeQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodeQuery | undefined, CodeQueryVariables>;
export function useCodeSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodeQuery, CodeQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<CodeQuery, CodeQueryVariables>(CodeDocument, options);
        }
export type CodeQueryHookResult = ReturnType<typeof useCodeQuery>;
export type CodeLazyQueryHookResult = ReturnType<typeof useCodeLazyQuery>;
export type CodeSuspenseQueryHookResult = ReturnType<typeof useCodeSuspenseQuery>;
export type CodeQueryResult = ApolloReactCommon.QueryResult<CodeQuery, CodeQueryVariables>;
export const CodeRedemptionsDocument = gql`
    query CodeRedemptions($id: ID!, $first: Int, $after: String) {
  code(id: $id) {
    id
    redemptionCount
    redemptions(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...RedemptionRecordFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    ${RedemptionRecordFieldsFragmentDoc}`;

/**
 * __useCodeRedemptionsQuery__
 *
 * To run a query within a React component, call `useCodeRedemptionsQuery` and pass it any options that fit your needs.
 * When your component renders, `useCodeRedemptionsQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useCodeRedemptionsQuery({
 *   variables: {
 *      id: // value for 'id'
 *      first: // value for 'first'
 *      after: // value for 'after'
 *   },
 * });
 */
export function useCodeRedemptionsQuery(baseOptions: ApolloReactHooks.QueryHookOptions<CodeRedemptionsQuery, CodeRedemptionsQueryVariables> & ({ variables: CodeRedemptionsQueryVariables; skip?: boolean; } | { skip: boolean; }) ) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>(CodeRedemptionsDocument, options);
      }
export function useCodeRedemptionsLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>(CodeRedemptionsDocument, options);
        }
// @ts-ignore
export function useCodeRedemptionsSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>;
export function useCodeRedemptionsSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodeRedemptionsQuery | undefined, CodeRedemptionsQueryVariables>;
export function useCodeRedemptionsSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>(CodeRedemptionsDocument, options);
        }
export type CodeRedemptionsQueryHookResult = ReturnType<typeof useCodeRedemptionsQuery>;
export type CodeRedemptionsLazyQueryHookResult = ReturnType<typeof useCodeRedemptionsLazyQuery>;
export type CodeRedemptionsSuspenseQueryHookResult = ReturnType<typeof useCodeRedemptionsSuspenseQuery>;
export type CodeRedemptionsQueryResult = ApolloReactCommon.QueryResult<CodeRedemptionsQuery, CodeRedemptionsQueryVariables>;
export const CodeStatsDocument = gql`
    query CodeStats($scope: String, $purpose: String) {
  codeStats(scope: $scope, purpose: $purpose) {
    redeemable
    used
    revoked
    expired
    scheduled
    redemptions
  }
}
    `;

/**
 * __useCodeStatsQuery__
 *
 * To run a query within a React component, call `useCodeStatsQuery` and pass it any options that fit your needs.
 * When your component renders, `useCodeStatsQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useCodeStatsQuery({
 *   variables: {
 *      scope: // value for 'scope'
 *      purpose: // value for 'purpose'
 *   },
 * });
 */
export function useCodeStatsQuery(baseOptions?: ApolloReactHooks.QueryHookOptions<CodeStatsQuery, CodeStatsQueryVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<CodeStatsQuery, CodeStatsQueryVariables>(CodeStatsDocument, options);
      }
export function useCodeStatsLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<CodeStatsQuery, CodeStatsQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<CodeStatsQuery, CodeStatsQueryVariables>(CodeStatsDocument, options);
        }
// @ts-ignore
export function useCodeStatsSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<CodeStatsQuery, CodeStatsQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodeStatsQuery, CodeStatsQueryVariables>;
export function useCodeStatsSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodeStatsQuery, CodeStatsQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodeStatsQuery | undefined, CodeStatsQueryVariables>;
export function useCodeStatsSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodeStatsQuery, CodeStatsQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<CodeStatsQuery, CodeStatsQueryVariables>(CodeStatsDocument, options);
        }
export type CodeStatsQueryHookResult = ReturnType<typeof useCodeStatsQuery>;
export type CodeStatsLazyQueryHookResult = ReturnType<typeof useCodeStatsLazyQuery>;
export type CodeStatsSuspenseQueryHookResult = ReturnType<typeof useCodeStatsSuspenseQuery>;
export type CodeStatsQueryResult = ApolloReactCommon.QueryResult<CodeStatsQuery, CodeStatsQueryVariables>;
export const CodesDocument = gql`
    query Codes($filter: CodeFilter, $first: Int, $after: String) {
  codes(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
      node {
        ...CodeFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    ${CodeFieldsFragmentDoc}`;

/**
 * __useCodesQuery__
 *
 * To run a query within a React component, call `useCodesQuery` and pass it any options that fit your needs.
 * When your component renders, `useCodesQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useCodesQuery({
 *   variables: {
 *      filter: // value for 'filter'
 *      first: // value for 'first'
 *      after: // value for 'after'
 *   },
 * });
 */
export function useCodesQuery(baseOptions?: ApolloReactHooks.QueryHookOptions<CodesQuery, CodesQueryVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<CodesQuery, CodesQueryVariables>(CodesDocument, options);
      }
export function useCodesLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<CodesQuery, CodesQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<CodesQuery, CodesQueryVariables>(CodesDocument, options);
        }
// @ts-ignore
export function useCodesSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<CodesQuery, CodesQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodesQuery, CodesQueryVariables>;
export function useCodesSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodesQuery, CodesQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<CodesQuery | undefined, CodesQueryVariables>;
export function useCodesSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<CodesQuery, CodesQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<CodesQuery, CodesQueryVariables>(CodesDocument, options);
        }
export type CodesQueryHookResult = ReturnType<typeof useCodesQuery>;
export type CodesLazyQueryHookResult = ReturnType<typeof useCodesLazyQuery>;
export type CodesSuspenseQueryHookResult = ReturnType<typeof useCodesSuspenseQuery>;
export type CodesQueryResult = ApolloReactCommon.QueryResult<CodesQuery, CodesQueryVariables>;
export const ConfirmHoldDocument = gql`
    mutation ConfirmHold($holdId: ID!) {
  confirmHold(holdId: $holdId) {
    __typename
    ...RedemptionFields
    ...RedeemFailureFields
  }
}
    ${RedemptionFieldsFragmentDoc}
${RedeemFailureFieldsFragmentDoc}`;
export type ConfirmHoldMutationFn = ApolloReactCommon.MutationFunction<ConfirmHoldMutation, ConfirmHoldMutationVariables>;

/**
 * __useConfirmHoldMutation__
 *
 * To run a mutation, you first call `useConfirmHoldMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useConfirmHoldMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [confirmHoldMutation, { data, loading, error }] = useConfirmHoldMutation({
 *   variables: {
 *      holdId: // value for 'holdId'
 *   },
 * });
 */
export function useConfirmHoldMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<ConfirmHoldMutation, ConfirmHoldMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<ConfirmHoldMutation, ConfirmHoldMutationVariables>(ConfirmHoldDocument, options);
      }
export type ConfirmHoldMutationHookResult = ReturnType<typeof useConfirmHoldMutation>;
export type ConfirmHoldMutationResult = ApolloReactCommon.MutationResult<ConfirmHoldMutation>;
export type ConfirmHoldMutationOptions = ApolloReactCommon.BaseMutationOptions<ConfirmHoldMutation, ConfirmHoldMutationVariables>;
export const CreateWebhookEndpointDocument = gql`
    mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    endpoint {
      ...WebhookEndpointFields
    }
    secret
  }
}
    ${WebhookEndpointFieldsFragmentDoc}`;
export type CreateWebhookEndpointMutationFn = ApolloReactCommon.MutationFunction<CreateWebhookEndpointMutation, CreateWebhookEndpointMutationVariables>;

/**
 * __useCreateWebhookEndpointMutation__
 *
 * To run a mutation, you first call `useCreateWebhookEndpointMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useCreateWebhookEndpointMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [createWebhookEndpointMutation, { data, loading, error }] = useCreateWebhookEndpointMutation({
 *   variables: {
 *      input: // value for 'input'
 *   },
 * });
 */
export function useCreateWebhookEndpointMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<CreateWebhookEndpointMutation, CreateWebhookEndpointMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<CreateWebhookEndpointMutation, CreateWebhookEndpointMutationVariables>(CreateWebhookEndpointDocument, options);
      }
export type CreateWebhookEndpointMutationHookResult = ReturnType<typeof useCreateWebhookEndpointMutation>;
export type CreateWebhookEndpointMutationResult = ApolloReactCommon.MutationResult<CreateWebhookEndpointMutation>;
export type CreateWebhookEndpointMutationOptions = ApolloReactCommon.BaseMutationOptions<CreateWebhookEndpointMutation, CreateWebhookEndpointMutationVariables>;
export const DeleteWebhookEndpointDocument = gql`
    mutation DeleteWebhookEndpoint($id: ID!) {
  deleteWebhookEndpoint(id: $id)
}
    `;
export type DeleteWebhookEndpointMutationFn = ApolloReactCommon.MutationFunction<DeleteWebhookEndpointMutation, DeleteWebhookEndpointMutationVariables>;

/**
 * __useDeleteWebhookEndpointMutation__
 *
 * To run a mutation, you first call `useDeleteWebhookEndpointMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useDeleteWebhookEndpointMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [deleteWebhookEndpointMutation, { data, loading, error }] = useDeleteWebhookEndpointMutation({
 *   variables: {
 *      id: // value for 'id'
 *   },
 * });
 */
export function useDeleteWebhookEndpointMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<DeleteWebhookEndpointMutation, DeleteWebhookEndpointMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<DeleteWebhookEndpointMutation, DeleteWebhookEndpointMutationVariables>(DeleteWebhookEndpointDocument, options);
      }
export type DeleteWebhookEndpointMutationHookResult = ReturnType<typeof useDeleteWebhookEndpointMutation>;
export type DeleteWebhookEndpointMutationResult = ApolloReactCommon.MutationResult<DeleteWebhookEndpointMutation>;
export type DeleteWebhookEndpointMutationOptions = ApolloReactCommon.BaseMutationOptions<DeleteWebhookEndpointMutation, DeleteWebhookEndpointMutationVariables>;
export const HoldCodeDocument = gql`
    mutation HoldCode($input: HoldCodeInput!) {
  holdCode(input: $input) {
    __typename
    ... on Hold {
      holdId
      codeId
      purpose
      scope
      grant
      subject
      expiresAt
    }
    ...RedeemFailureFields
  }
}
    ${RedeemFailureFieldsFragmentDoc}`;
export type HoldCodeMutationFn = ApolloReactCommon.MutationFunction<HoldCodeMutation, HoldCodeMutationVariables>;

/**
 * __useHoldCodeMutation__
 *
 * To run a mutation, you first call `useHoldCodeMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useHoldCodeMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [holdCodeMutation, { data, loading, error }] = useHoldCodeMutation({
 *   variables: {
 *      input: // value for 'input'
 *   },
 * });
 */
export function useHoldCodeMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<HoldCodeMutation, HoldCodeMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<HoldCodeMutation, HoldCodeMutationVariables>(HoldCodeDocument, options);
      }
export type HoldCodeMutationHookResult = ReturnType<typeof useHoldCodeMutation>;
export type HoldCodeMutationResult = ApolloReactCommon.MutationResult<HoldCodeMutation>;
export type HoldCodeMutationOptions = ApolloReactCommon.BaseMutationOptions<HoldCodeMutation, HoldCodeMutationVariables>;
export const IssueCodeDocument = gql`
    mutation IssueCode($input: IssueCodeInput!) {
  issueCode(input: $input) {
    code
    record {
      ...CodeFields
    }
  }
}
    ${CodeFieldsFragmentDoc}`;
export type IssueCodeMutationFn = ApolloReactCommon.MutationFunction<IssueCodeMutation, IssueCodeMutationVariables>;

/**
 * __useIssueCodeMutation__
 *
 * To run a mutation, you first call `useIssueCodeMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useIssueCodeMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [issueCodeMutation, { data, loading, error }] = useIssueCodeMutation({
 *   variables: {
 *      input: // value for 'input'
 *   },
 * });
 */
export function useIssueCodeMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<IssueCodeMutation, IssueCodeMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<IssueCodeMutation, IssueCodeMutationVariables>(IssueCodeDocument, options);
      }
export type IssueCodeMutationHookResult = ReturnType<typeof useIssueCodeMutation>;
export type IssueCodeMutationResult = ApolloReactCommon.MutationResult<IssueCodeMutation>;
export type IssueCodeMutationOptions = ApolloReactCommon.BaseMutationOptions<IssueCodeMutation, IssueCodeMutationVariables>;
export const IssueCodesDocument = gql`
    mutation IssueCodes($input: IssueCodesInput!) {
  issueCodes(input: $input) {
    code
    record {
      ...CodeFields
    }
  }
}
    ${CodeFieldsFragmentDoc}`;
export type IssueCodesMutationFn = ApolloReactCommon.MutationFunction<IssueCodesMutation, IssueCodesMutationVariables>;

/**
 * __useIssueCodesMutation__
 *
 * To run a mutation, you first call `useIssueCodesMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useIssueCodesMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [issueCodesMutation, { data, loading, error }] = useIssueCodesMutation({
 *   variables: {
 *      input: // value for 'input'
 *   },
 * });
 */
export function useIssueCodesMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<IssueCodesMutation, IssueCodesMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<IssueCodesMutation, IssueCodesMutationVariables>(IssueCodesDocument, options);
      }
export type IssueCodesMutationHookResult = ReturnType<typeof useIssueCodesMutation>;
export type IssueCodesMutationResult = ApolloReactCommon.MutationResult<IssueCodesMutation>;
export type IssueCodesMutationOptions = ApolloReactCommon.BaseMutationOptions<IssueCodesMutation, IssueCodesMutationVariables>;
export const RedeemCodeDocument = gql`
    mutation RedeemCode($input: RedeemCodeInput!) {
  redeemCode(input: $input) {
    __typename
    ...RedemptionFields
    ...RedeemFailureFields
  }
}
    ${RedemptionFieldsFragmentDoc}
${RedeemFailureFieldsFragmentDoc}`;
export type RedeemCodeMutationFn = ApolloReactCommon.MutationFunction<RedeemCodeMutation, RedeemCodeMutationVariables>;

/**
 * __useRedeemCodeMutation__
 *
 * To run a mutation, you first call `useRedeemCodeMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useRedeemCodeMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [redeemCodeMutation, { data, loading, error }] = useRedeemCodeMutation({
 *   variables: {
 *      input: // value for 'input'
 *   },
 * });
 */
export function useRedeemCodeMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<RedeemCodeMutation, RedeemCodeMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<RedeemCodeMutation, RedeemCodeMutationVariables>(RedeemCodeDocument, options);
      }
export type RedeemCodeMutationHookResult = ReturnType<typeof useRedeemCodeMutation>;
export type RedeemCodeMutationResult = ApolloReactCommon.MutationResult<RedeemCodeMutation>;
export type RedeemCodeMutationOptions = ApolloReactCommon.BaseMutationOptions<RedeemCodeMutation, RedeemCodeMutationVariables>;
export const RedemptionDocument = gql`
    query Redemption($id: ID!) {
  redemption(id: $id) {
    ...RedemptionRecordFields
  }
}
    ${RedemptionRecordFieldsFragmentDoc}`;

/**
 * __useRedemptionQuery__
 *
 * To run a query within a React component, call `useRedemptionQuery` and pass it any options that fit your needs.
 * When your component renders, `useRedemptionQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useRedemptionQuery({
 *   variables: {
 *      id: // value for 'id'
 *   },
 * });
 */
export function useRedemptionQuery(baseOptions: ApolloReactHooks.QueryHookOptions<RedemptionQuery, RedemptionQueryVariables> & ({ variables: RedemptionQueryVariables; skip?: boolean; } | { skip: boolean; }) ) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<RedemptionQuery, RedemptionQueryVariables>(RedemptionDocument, options);
      }
export function useRedemptionLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<RedemptionQuery, RedemptionQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<RedemptionQuery, RedemptionQueryVariables>(RedemptionDocument, options);
        }
// @ts-ignore
export function useRedemptionSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<RedemptionQuery, RedemptionQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<RedemptionQuery, RedemptionQueryVariables>;
export function useRedemptionSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<RedemptionQuery, RedemptionQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<RedemptionQuery | undefined, RedemptionQueryVariables>;
export function useRedemptionSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<RedemptionQuery, RedemptionQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<RedemptionQuery, RedemptionQueryVariables>(RedemptionDocument, options);
        }
export type RedemptionQueryHookResult = ReturnType<typeof useRedemptionQuery>;
export type RedemptionLazyQueryHookResult = ReturnType<typeof useRedemptionLazyQuery>;
export type RedemptionSuspenseQueryHookResult = ReturnType<typeof useRedemptionSuspenseQuery>;
export type RedemptionQueryResult = ApolloReactCommon.QueryResult<RedemptionQuery, RedemptionQueryVariables>;
export const ReleaseHoldDocument = gql`
    mutation ReleaseHold($holdId: ID!) {
  releaseHold(holdId: $holdId) {
    released
  }
}
    `;
export type ReleaseHoldMutationFn = ApolloReactCommon.MutationFunction<ReleaseHoldMutation, ReleaseHoldMutationVariables>;

/**
 * __useReleaseHoldMutation__
 *
 * To run a mutation, you first call `useReleaseHoldMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useReleaseHoldMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [releaseHoldMutation, { data, loading, error }] = useReleaseHoldMutation({
 *   variables: {
 *      holdId: // value for 'holdId'
 *   },
 * });
 */
export function useReleaseHoldMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<ReleaseHoldMutation, ReleaseHoldMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<ReleaseHoldMutation, ReleaseHoldMutationVariables>(ReleaseHoldDocument, options);
      }
export type ReleaseHoldMutationHookResult = ReturnType<typeof useReleaseHoldMutation>;
export type ReleaseHoldMutationResult = ApolloReactCommon.MutationResult<ReleaseHoldMutation>;
export type ReleaseHoldMutationOptions = ApolloReactCommon.BaseMutationOptions<ReleaseHoldMutation, ReleaseHoldMutationVariables>;
export const ReverseRedemptionDocument = gql`
    mutation ReverseRedemption($id: ID!, $reason: String) {
  reverseRedemption(id: $id, reason: $reason) {
    reversed
    redemption {
      ...RedemptionRecordFields
    }
    code {
      ...CodeFields
    }
  }
}
    ${RedemptionRecordFieldsFragmentDoc}
${CodeFieldsFragmentDoc}`;
export type ReverseRedemptionMutationFn = ApolloReactCommon.MutationFunction<ReverseRedemptionMutation, ReverseRedemptionMutationVariables>;

/**
 * __useReverseRedemptionMutation__
 *
 * To run a mutation, you first call `useReverseRedemptionMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useReverseRedemptionMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [reverseRedemptionMutation, { data, loading, error }] = useReverseRedemptionMutation({
 *   variables: {
 *      id: // value for 'id'
 *      reason: // value for 'reason'
 *   },
 * });
 */
export function useReverseRedemptionMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<ReverseRedemptionMutation, ReverseRedemptionMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<ReverseRedemptionMutation, ReverseRedemptionMutationVariables>(ReverseRedemptionDocument, options);
      }
export type ReverseRedemptionMutationHookResult = ReturnType<typeof useReverseRedemptionMutation>;
export type ReverseRedemptionMutationResult = ApolloReactCommon.MutationResult<ReverseRedemptionMutation>;
export type ReverseRedemptionMutationOptions = ApolloReactCommon.BaseMutationOptions<ReverseRedemptionMutation, ReverseRedemptionMutationVariables>;
export const RevokeCodeDocument = gql`
    mutation RevokeCode($id: ID!, $scope: String) {
  revokeCode(id: $id, scope: $scope) {
    revoked
    code {
      ...CodeFields
    }
  }
}
    ${CodeFieldsFragmentDoc}`;
export type RevokeCodeMutationFn = ApolloReactCommon.MutationFunction<RevokeCodeMutation, RevokeCodeMutationVariables>;

/**
 * __useRevokeCodeMutation__
 *
 * To run a mutation, you first call `useRevokeCodeMutation` within a React component and pass it any options that fit your needs.
 * When your component renders, `useRevokeCodeMutation` returns a tuple that includes:
 * - A mutate function that you can call at any time to execute the mutation
 * - An object with fields that represent the current status of the mutation's execution
 *
 * @param baseOptions options that will be passed into the mutation, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options-2;
 *
 * @example
 * const [revokeCodeMutation, { data, loading, error }] = useRevokeCodeMutation({
 *   variables: {
 *      id: // value for 'id'
 *      scope: // value for 'scope'
 *   },
 * });
 */
export function useRevokeCodeMutation(baseOptions?: ApolloReactHooks.MutationHookOptions<RevokeCodeMutation, RevokeCodeMutationVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useMutation<RevokeCodeMutation, RevokeCodeMutationVariables>(RevokeCodeDocument, options);
      }
export type RevokeCodeMutationHookResult = ReturnType<typeof useRevokeCodeMutation>;
export type RevokeCodeMutationResult = ApolloReactCommon.MutationResult<RevokeCodeMutation>;
export type RevokeCodeMutationOptions = ApolloReactCommon.BaseMutationOptions<RevokeCodeMutation, RevokeCodeMutationVariables>;
export const WebhookDeliveriesDocument = gql`
    query WebhookDeliveries($endpointId: ID!, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id
        eventId
        eventType
        attempts
        lastStatus
        deliveredAt
        nextAttemptAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `;

/**
 * __useWebhookDeliveriesQuery__
 *
 * To run a query within a React component, call `useWebhookDeliveriesQuery` and pass it any options that fit your needs.
 * When your component renders, `useWebhookDeliveriesQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useWebhookDeliveriesQuery({
 *   variables: {
 *      endpointId: // value for 'endpointId'
 *      first: // value for 'first'
 *      after: // value for 'after'
 *   },
 * });
 */
export function useWebhookDeliveriesQuery(baseOptions: ApolloReactHooks.QueryHookOptions<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables> & ({ variables: WebhookDeliveriesQueryVariables; skip?: boolean; } | { skip: boolean; }) ) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>(WebhookDeliveriesDocument, options);
      }
export function useWebhookDeliveriesLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>(WebhookDeliveriesDocument, options);
        }
// @ts-ignore
export function useWebhookDeliveriesSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>;
export function useWebhookDeliveriesSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<WebhookDeliveriesQuery | undefined, WebhookDeliveriesQueryVariables>;
export function useWebhookDeliveriesSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>(WebhookDeliveriesDocument, options);
        }
export type WebhookDeliveriesQueryHookResult = ReturnType<typeof useWebhookDeliveriesQuery>;
export type WebhookDeliveriesLazyQueryHookResult = ReturnType<typeof useWebhookDeliveriesLazyQuery>;
export type WebhookDeliveriesSuspenseQueryHookResult = ReturnType<typeof useWebhookDeliveriesSuspenseQuery>;
export type WebhookDeliveriesQueryResult = ApolloReactCommon.QueryResult<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>;
export const WebhookEndpointsDocument = gql`
    query WebhookEndpoints {
  webhookEndpoints {
    ...WebhookEndpointFields
  }
}
    ${WebhookEndpointFieldsFragmentDoc}`;

/**
 * __useWebhookEndpointsQuery__
 *
 * To run a query within a React component, call `useWebhookEndpointsQuery` and pass it any options that fit your needs.
 * When your component renders, `useWebhookEndpointsQuery` returns an object from Apollo Client that contains loading, error, and data properties
 * you can use to render your UI.
 *
 * @param baseOptions options that will be passed into the query, supported options are listed on: https://www.apollographql.com/docs/react/api/react-hooks/#options;
 *
 * @example
 * const { data, loading, error } = useWebhookEndpointsQuery({
 *   variables: {
 *   },
 * });
 */
export function useWebhookEndpointsQuery(baseOptions?: ApolloReactHooks.QueryHookOptions<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>) {
        const options = {...defaultOptions, ...baseOptions}
        return ApolloReactHooks.useQuery<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>(WebhookEndpointsDocument, options);
      }
export function useWebhookEndpointsLazyQuery(baseOptions?: ApolloReactHooks.LazyQueryHookOptions<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>) {
          const options = {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useLazyQuery<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>(WebhookEndpointsDocument, options);
        }
// @ts-ignore
export function useWebhookEndpointsSuspenseQuery(baseOptions?: ApolloReactHooks.SuspenseQueryHookOptions<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>;
export function useWebhookEndpointsSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>): ApolloReactHooks.UseSuspenseQueryResult<WebhookEndpointsQuery | undefined, WebhookEndpointsQueryVariables>;
export function useWebhookEndpointsSuspenseQuery(baseOptions?: ApolloReactHooks.SkipToken | ApolloReactHooks.SuspenseQueryHookOptions<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>) {
          const options = baseOptions === ApolloReactHooks.skipToken ? baseOptions : {...defaultOptions, ...baseOptions}
          return ApolloReactHooks.useSuspenseQuery<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>(WebhookEndpointsDocument, options);
        }
export type WebhookEndpointsQueryHookResult = ReturnType<typeof useWebhookEndpointsQuery>;
export type WebhookEndpointsLazyQueryHookResult = ReturnType<typeof useWebhookEndpointsLazyQuery>;
export type WebhookEndpointsSuspenseQueryHookResult = ReturnType<typeof useWebhookEndpointsSuspenseQuery>;
export type WebhookEndpointsQueryResult = ApolloReactCommon.QueryResult<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>;