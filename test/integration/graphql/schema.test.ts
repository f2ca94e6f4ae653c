/**
 * The schema the server builds: the committed schema.graphql is current, and
 * nothing in the public contract is removed, renamed or tightened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges, type GraphQLSchema } from 'graphql';
import { printClaimcheckSchema } from '../../../src/graphql/emit-schema';
import { buildClaimcheckSchema } from '../../../src/graphql/schema';
import { contractFile, REPO_ROOT } from '../../support/contract';

const CONTRACT = contractFile('contract.graphql');

let ours: GraphQLSchema;
let contract: GraphQLSchema;

beforeAll(async () => {
  ours = await buildClaimcheckSchema();
  contract = buildSchema(readFileSync(CONTRACT, 'utf8'));
});

it('matches the committed schema.graphql (else run `npm run schema`)', async () => {
  expect(readFileSync(join(REPO_ROOT, 'schema.graphql'), 'utf8')).toBe(await printClaimcheckSchema());
});

it('makes no breaking change to the contract', () => {
  expect(findBreakingChanges(contract, ours)).toEqual([]);
});

it('makes no dangerous change to the contract either', () => {
  expect(findDangerousChanges(contract, ours)).toEqual([]);
});

it('keeps the contract descriptions', () => {
  const described = (schema: GraphQLSchema): Record<string, string | null | undefined> =>
    Object.fromEntries(
      Object.values(schema.getTypeMap())
        .filter((type) => !type.name.startsWith('__'))
        .flatMap((type) => {
          const fields = 'getFields' in type ? Object.values(type.getFields()) : [];
          return [
            [type.name, type.description],
            ...fields.map((field) => [`${type.name}.${field.name}`, field.description] as const),
          ];
        }),
    );
  const expected = described(contract);
  const actual = described(ours);
  for (const [name, description] of Object.entries(expected)) expect([name, actual[name]]).toEqual([name, description]);
});
