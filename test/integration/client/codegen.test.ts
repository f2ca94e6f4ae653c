/**
 * The committed client/generated/graphql.ts is what `npm run codegen` would
 * write now (schema.graphql and client/operations unchanged since), and it
 * type-checks together with the example page that uses it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

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

describe('generated client', () => {
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
