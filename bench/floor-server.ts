/**
 * The stack-floor server (floor.ts spawns it): each variant is one layer more of what claimcheck stands on,
 * without claimcheck, so that the CPU per request of each layer shows. Usage:
 *   PORT=… DATABASE_URL=… node dist/bench/bench/floor-server.js <variant>
 * Every path but /graphql answers 200 (the readiness probe).
 */
import 'reflect-metadata';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Pool } from 'mysql2/promise';
import {
  Arg,
  buildSchema,
  createUnionType,
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';
import { createMysqlPool } from '../src/store/mysql/pool';
import { RAW_POOL_SIZE, redeemInTransaction, redeemOnce } from './raw';

export const FLOOR_VARIANTS = ['http', 'graphql', 'graphql-2-statements', 'graphql-4-statements'] as const;
export type FloorVariant = (typeof FLOOR_VARIANTS)[number];

const GRAPHQL_PATH = '/graphql';
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
/** What every redemption of the constant variants answers (a made-up code id). */
const CONSTANT_CODE_ID = '0190a8f0-0000-7000-8000-000000000000';
const GRANT = 'bench-grant';

@ObjectType()
class Redemption {
  @Field(() => ID)
  codeId!: string;

  @Field(() => String, { nullable: true })
  grant!: string | null;

  @Field(() => GraphQLISODateTime)
  redeemedAt!: Date;
}

@ObjectType()
class RedeemFailure {
  @Field()
  reason!: string;

  @Field(() => Int, { nullable: true })
  retryAfterSeconds!: number | null;
}

const RedeemCodeResult = createUnionType({
  name: 'RedeemCodeResult',
  types: () => [Redemption, RedeemFailure] as const,
  resolveType: (value) => ('reason' in value ? 'RedeemFailure' : 'Redemption'),
});

/** The fields of claimcheck's RedeemCodeInput, so that the benchmark's operation is valid here too. */
@InputType()
class RedeemCodeInput {
  @Field()
  code!: string;

  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  purpose?: string | null;

  @Field(() => String, { nullable: true })
  scope?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

type Redeem = (input: RedeemCodeInput) => Promise<Redemption | RedeemFailure>;

/** What the resolver does; set once at start-up, for the variant. */
let redeem: Redeem;

@Resolver()
class FloorResolver {
  /** A schema needs a query; the load never sends it. */
  @Query(() => String)
  ping(): string {
    return 'pong';
  }

  @Mutation(() => RedeemCodeResult)
  redeemCode(@Arg('input', () => RedeemCodeInput) input: RedeemCodeInput): Promise<Redemption | RedeemFailure> {
    return redeem(input);
  }
}

function constantRedemption(): Redemption {
  return { codeId: CONSTANT_CODE_ID, grant: GRANT, redeemedAt: new Date() };
}

const NOT_REDEEMED: RedeemFailure = { reason: 'INVALID_OR_EXPIRED', retryAfterSeconds: null };

/** The resolver of a variant that reaches the database: the statements decide, as in the raw baseline. */
function databaseRedeem(pool: Pool, variant: FloorVariant): Redeem {
  const claim =
    variant === 'graphql-2-statements'
      ? (input: RedeemCodeInput) => redeemOnce(pool, input.code)
      : (input: RedeemCodeInput) => redeemInTransaction(pool, input.code, input.subject ?? 'bench-user');
  return async (input) => ((await claim(input)) ? constantRedemption() : NOT_REDEEMED);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Variant http: the body read, a fixed answer; no GraphQL at all. */
function fixedAnswer(): http.RequestListener {
  const answer = JSON.stringify({ data: { redeemCode: { __typename: 'Redemption', ...constantRedemption() } } });
  return (request, response) => {
    readBody(request).then(
      () => send(response, 200, answer),
      () => response.destroy(),
    );
  };
}

/** Apollo Server through executeHTTPGraphQLRequest, as src/server/http/frontend.ts bridges it, bare of plugins. */
async function graphqlAnswer(): Promise<http.RequestListener> {
  const schema = await buildSchema({ resolvers: [FloorResolver], validate: false });
  const apollo = new ApolloServer({
    schema,
    introspection: false,
    // Two of claimcheck's own: no cache hints computed, no landing page.
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  return (request, response) => {
    void (async () => {
      try {
        const text = await readBody(request);
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(request.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const answer = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: request.method!, headers, search: '', body: JSON.parse(text) },
          context: () => Promise.resolve({}),
        });
        if (answer.body.kind !== 'complete') throw new Error('no incremental delivery here');
        send(response, answer.status ?? 200, answer.body.string);
      } catch {
        response.destroy();
      }
    })();
  };
}

async function listenerFor(variant: FloorVariant): Promise<http.RequestListener> {
  if (variant === 'http') return fixedAnswer();
  if (variant === 'graphql') redeem = () => Promise.resolve(constantRedemption());
  else redeem = databaseRedeem(createMysqlPool(process.env.DATABASE_URL!, { connectionLimit: RAW_POOL_SIZE }), variant);
  return graphqlAnswer();
}

async function main(variant: string | undefined): Promise<void> {
  if (!FLOOR_VARIANTS.includes(variant as FloorVariant)) {
    console.error(`usage: floor-server.js <${FLOOR_VARIANTS.join('|')}>`);
    process.exitCode = 2;
    return;
  }
  const graphql = await listenerFor(variant as FloorVariant);
  const server = http.createServer((request, response) => {
    if (request.url === GRAPHQL_PATH) graphql(request, response);
    else send(response, 200, '{"status":"ready"}');
  });
  server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  process.once('SIGTERM', () => process.exit(0));
}

void main(process.argv[2]);
