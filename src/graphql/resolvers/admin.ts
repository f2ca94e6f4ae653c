/** The [admin] fields: an admin key is required (authChecker), and a scoped key stays in its scope (access.ts). */
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { encodeCursor as cursorAfter } from '../../codes/cursor';
import type {
  CodeStats as CodeStatsValue,
  CodeView,
  IssueOptions,
  IssuedCode as IssuedCodeValue,
  PageView,
  RedemptionRecord as RedemptionRecordValue,
  ReverseResult,
  RevokeResult,
} from '../../codes/types';
import { actingScope, adminOf, visibleScope, type AdminPrincipal } from '../access';
import type { GraphQLContext } from '../context';
import {
  CodeStatsArgs,
  CodesArgs,
  IssueCodeInput,
  IssueCodesInput,
  PageArgs,
  ReverseRedemptionArgs,
  RevokeCodeArgs,
} from '../inputs';
import {
  Code,
  CodeConnection,
  CodeStats,
  IssuedCode,
  RedemptionRecord,
  RedemptionRecordConnection,
  ReverseRedemptionPayload,
  RevokeCodePayload,
} from '../types';

/** The contract's page size when `first` is absent. */
export const DEFAULT_PAGE_SIZE = 50;

const NOT_VISIBLE: RevokeResult = Object.freeze({ revoked: false, code: null });
const NOTHING_REVERSED: ReverseResult = Object.freeze({ reversed: false, redemption: null, code: null });

function issueOptions(admin: AdminPrincipal, input: IssueCodeInput | IssueCodesInput): IssueOptions {
  return {
    purpose: input.purpose ?? null,
    scope: actingScope(admin, input.scope ?? null),
    grant: input.grant ?? null,
    ttlSeconds: input.ttlSeconds ?? null,
    expiresAt: input.expiresAt ?? null,
    startsAt: input.startsAt ?? null,
    maxRedemptions: input.maxRedemptions ?? null,
    maxRedemptionsPerSubject: input.maxRedemptionsPerSubject ?? null,
  };
}

/** A page of the domain as a Relay-style connection; each edge's cursor is the one the domain would continue after. */
export function connection<T extends { readonly id: string }>(
  page: PageView<T>,
  cursorOf: (node: T) => string,
): { edges: { cursor: string; node: T }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  return {
    edges: page.items.map((node) => ({ cursor: cursorOf(node), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}

@Resolver()
export class CodeAdminResolver {
  @Authorized()
  @Query(() => Code, { nullable: true, description: "[admin] One code's metadata." })
  async code(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext): Promise<CodeView | null> {
    return context.codes.admin.get(id, adminOf(context).scope);
  }

  @Authorized()
  @Query(() => CodeConnection, {
    description: '[admin] Codes, newest first, as a cursor-paginated connection (first: default 50, at most 500).',
  })
  async codes(
    @Args(() => CodesArgs) { filter, first, after }: CodesArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<CodeConnection> {
    const page = await context.codes.admin.list({
      filter: {
        scope: actingScope(adminOf(context), filter?.scope ?? null),
        purpose: filter?.purpose ?? null,
        state: filter?.state ?? null,
      },
      first: first ?? DEFAULT_PAGE_SIZE,
      after: after ?? null,
    });
    return connection(page, (node) => cursorAfter(node.id));
  }

  @Authorized()
  @Query(() => CodeStats, { description: '[admin] Counts of codes by state.' })
  async codeStats(
    @Args(() => CodeStatsArgs) { scope, purpose }: CodeStatsArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<CodeStatsValue> {
    return context.codes.admin.stats({ scope: actingScope(adminOf(context), scope ?? null), purpose: purpose ?? null });
  }

  @Authorized()
  @Query(() => RedemptionRecord, {
    nullable: true,
    description: '[admin] One redemption; null when it is not visible to the caller.',
  })
  async redemption(
    @Arg('id', () => ID) id: string,
    @Ctx() context: GraphQLContext,
  ): Promise<RedemptionRecordValue | null> {
    return context.codes.admin.redemption(id, adminOf(context).scope);
  }

  @Authorized()
  @Mutation(() => IssuedCode, { description: '[admin] Issue one code.' })
  async issueCode(
    @Arg('input', () => IssueCodeInput) input: IssueCodeInput,
    @Ctx() context: GraphQLContext,
  ): Promise<IssuedCodeValue> {
    return context.codes.admin.issue(issueOptions(adminOf(context), input));
  }

  @Authorized()
  @Mutation(() => [IssuedCode], { description: '[admin] Issue many codes at once, all distinct.' })
  async issueCodes(
    @Arg('input', () => IssueCodesInput) input: IssueCodesInput,
    @Ctx() context: GraphQLContext,
  ): Promise<IssuedCodeValue[]> {
    return context.codes.admin.issueMany(input.count, issueOptions(adminOf(context), input));
  }

  @Authorized()
  @Mutation(() => RevokeCodePayload, {
    description: '[admin] Revoke a code that is still unused; with scope, only a code of that scope.',
  })
  async revokeCode(
    @Args(() => RevokeCodeArgs) { id, scope }: RevokeCodeArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<RevokeResult> {
    const within = visibleScope(adminOf(context), scope ?? null);
    return within === undefined ? NOT_VISIBLE : context.codes.admin.revoke(id, within);
  }

  @Authorized()
  @Mutation(() => ReverseRedemptionPayload, {
    description: '[admin] Undo one redemption (e.g. the order was cancelled): its use goes back to the code.',
  })
  async reverseRedemption(
    @Args(() => ReverseRedemptionArgs) { id, reason }: ReverseRedemptionArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<ReverseResult> {
    const within = visibleScope(adminOf(context), null);
    return within === undefined ? NOTHING_REVERSED : context.codes.admin.reverse(id, reason ?? null, within);
  }
}

/** Code.redemptions: reachable only through an admin field that already showed the code to this caller. */
@Resolver(() => Code)
export class CodeFieldsResolver {
  @Authorized()
  @FieldResolver(() => RedemptionRecordConnection, {
    description:
      "[admin] This code's redemptions, newest first, reversed ones included (first: default 50, at most 500).",
  })
  async redemptions(
    @Root() code: CodeView,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<RedemptionRecordConnection> {
    const page = await context.codes.admin.redemptions(code.id, {
      first: first ?? DEFAULT_PAGE_SIZE,
      after: after ?? null,
    });
    return connection(page, (node) => cursorAfter(node.id));
  }
}
