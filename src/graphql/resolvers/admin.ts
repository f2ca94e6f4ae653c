/** The [admin] fields: an admin key is required (authChecker), and a scoped key stays in its scope (access.ts). */
import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { encodeCursor } from '../../codes/cursor';
import type {
  CodePageView,
  CodeStats as CodeStatsValue,
  CodeView,
  IssueOptions,
  IssuedCode as IssuedCodeValue,
  RevokeResult,
} from '../../codes/types';
import { actingScope, adminOf, visibleScope, type AdminPrincipal } from '../access';
import type { GraphQLContext } from '../context';
import { CodeStatsArgs, CodesArgs, IssueCodeInput, IssueCodesInput, RevokeCodeArgs } from '../inputs';
import { Code, CodeConnection, CodeStats, IssuedCode, RevokeCodePayload } from '../types';

/** The contract's page size when `first` is absent. */
export const DEFAULT_PAGE_SIZE = 50;

const NOT_VISIBLE: RevokeResult = Object.freeze({ revoked: false, code: null });

function issueOptions(admin: AdminPrincipal, input: IssueCodeInput | IssueCodesInput): IssueOptions {
  return {
    purpose: input.purpose ?? null,
    scope: actingScope(admin, input.scope ?? null),
    grant: input.grant ?? null,
    ttlSeconds: input.ttlSeconds ?? null,
  };
}

function connection(page: CodePageView): CodeConnection {
  return {
    edges: page.items.map((node) => ({ cursor: encodeCursor(node.id), node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}

@Resolver()
export class CodeAdminResolver {
  @Authorized()
  @Query(() => Code, { nullable: true, description: "[admin] One code's metadata." })
  async code(@Arg('id', () => ID) id: string, @Ctx() context: GraphQLContext): Promise<CodeView | null> {
    return context.service.get(id, adminOf(context).scope);
  }

  @Authorized()
  @Query(() => CodeConnection, {
    description: '[admin] Codes, newest first, as a cursor-paginated connection (first: default 50, at most 500).',
  })
  async codes(
    @Args(() => CodesArgs) { filter, first, after }: CodesArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<CodeConnection> {
    const page = await context.service.list({
      filter: {
        scope: actingScope(adminOf(context), filter?.scope ?? null),
        purpose: filter?.purpose ?? null,
        state: filter?.state ?? null,
      },
      first: first ?? DEFAULT_PAGE_SIZE,
      after: after ?? null,
    });
    return connection(page);
  }

  @Authorized()
  @Query(() => CodeStats, { description: '[admin] Counts of codes by state.' })
  async codeStats(
    @Args(() => CodeStatsArgs) { scope, purpose }: CodeStatsArgs,
    @Ctx() context: GraphQLContext,
  ): Promise<CodeStatsValue> {
    return context.service.stats({ scope: actingScope(adminOf(context), scope ?? null), purpose: purpose ?? null });
  }

  @Authorized()
  @Mutation(() => IssuedCode, { description: '[admin] Issue one code.' })
  async issueCode(
    @Arg('input', () => IssueCodeInput) input: IssueCodeInput,
    @Ctx() context: GraphQLContext,
  ): Promise<IssuedCodeValue> {
    return context.service.issue(issueOptions(adminOf(context), input));
  }

  @Authorized()
  @Mutation(() => [IssuedCode], { description: '[admin] Issue many codes at once, all distinct.' })
  async issueCodes(
    @Arg('input', () => IssueCodesInput) input: IssueCodesInput,
    @Ctx() context: GraphQLContext,
  ): Promise<IssuedCodeValue[]> {
    return context.service.issueMany(input.count, issueOptions(adminOf(context), input));
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
    return within === undefined ? NOT_VISIBLE : context.service.revoke(id, within);
  }
}
