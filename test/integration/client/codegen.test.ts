/**
 * The committed client/generated/graphql.ts is what `npm run codegen` would
 * write now (schema.graphql and client/operations unchanged since), and it
 * type-checks together with the example page that uses it. The operations
 * select every field of the schema, so that each one has a typed hook.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import {
  buildSchema,
  isObjectType,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import * as generated from '../../../client/generated/graphql';

const ROOT = join(__dirname, '..', '..', '..');
const GENERATED = 'client/generated/graphql.ts';
const run = promisify(execFile);

interface FileOutput {
  readonly filename: string;
  readonly content: string;
}

// In a child process: the codegen CLI loads ESM-only dependencies, which jest's CommonJS runtime cannot require.
const GENERATE_TO_STDOUT = `
  import { readFileSync } from 'node:fs';
  import { generate } from '@graphql-codegen/cli';
  import { parse } from 'yaml';
  const config = parse(readFileSync('codegen.yml', 'utf8'));
  const outputs = await generate({ ...config, cwd: process.cwd(), silent: true }, false);
  process.stdout.write(JSON.stringify(outputs));
`;

/** What `npm run codegen` would write, with the same codegen.yml, without writing it. */
async function generateInMemory(): Promise<FileOutput[]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', GENERATE_TO_STDOUT], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as FileOutput[];
}

const OPERATIONS = join(ROOT, 'client', 'operations');

function operationDocuments(): DocumentNode[] {
  return readdirSync(OPERATIONS)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => parse(readFileSync(join(OPERATIONS, file), 'utf8')));
}

/** Every `Type.field` of the schema's object types, introspection aside. */
function schemaFields(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !type.name.startsWith('__'))
    .flatMap((type) =>
      Object.keys((type as { getFields(): object }).getFields()).map((field) => `${type.name}.${field}`),
    )
    .sort();
}

/** Every `Type.field` some operation or fragment selects (fragments are walked on their own type condition). */
function selectedFields(schema: GraphQLSchema, documents: readonly DocumentNode[]): Set<string> {
  const selected = new Set<string>();
  for (const document of documents) {
    const typeInfo = new TypeInfo(schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field: () => {
          const parent = typeInfo.getParentType();
          const field = typeInfo.getFieldDef();
          if (parent && field && !field.name.startsWith('__')) selected.add(`${parent.name}.${field.name}`);
        },
      }),
    );
  }
  return selected;
}

describe('generated client', () => {
  it('selects every field of the schema in some operation, so that every one of them has typed access', () => {
    const schema = buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8'));
    const selected = selectedFields(schema, operationDocuments());
    expect(schemaFields(schema).filter((field) => !selected.has(field))).toEqual([]);
  });

  it.each([
    'useRedeemCodeMutation',
    'useCheckCodeQuery',
    'useHoldCodeMutation',
    'useConfirmHoldMutation',
    'useReleaseHoldMutation',
    'useIssueCodeMutation',
    'useIssueCodesMutation',
    'useRevokeCodeMutation',
    'useReverseRedemptionMutation',
    'useCodeQuery',
    'useCodesQuery',
    'useCodeRedemptionsQuery',
    'useRedemptionQuery',
    'useCodeStatsQuery',
  ])('exports the hook %s', (hook) => {
    expect(typeof (generated as Record<string, unknown>)[hook]).toBe('function');
  });

  it('is up to date with schema.graphql and client/operations (else run `npm run codegen`)', async () => {
    const outputs = await generateInMemory();
    expect(outputs.map((output) => relative(ROOT, join(ROOT, output.filename)))).toEqual([GENERATED]);
    expect(readFileSync(join(ROOT, GENERATED), 'utf8')).toBe(outputs[0].content);
  }, 60_000);

  it('type-checks, with the example page', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = run(process.execPath, [tsc, '-p', join(ROOT, 'examples/web/tsconfig.json')], {
      cwd: ROOT,
    });
    await expect(check).resolves.toBeDefined();
  }, 60_000);
});
