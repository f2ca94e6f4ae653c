/**
 * Every shell command the README shows is run: the admin CLI's commands here,
 * literally (placeholders filled in), `npm start` here too, and the others by
 * the test or CI step named for them below. Every GraphQL operation it shows
 * is valid against the schema.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSchema, parse, validate } from 'graphql';
import { generateKeyLine } from '../../../src/codes/keyring';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { REPO_ROOT } from '../../support/contract';
import { startTestServer } from '../../support/server';
import { servicesFromEnv } from '../../support/service';

/** Commands run elsewhere: the file that runs each, and what in that file shows it. */
const RUN_ELSEWHERE: Record<string, { file: string; marker: string }> = {
  'npm ci': { file: '.ci/run', marker: 'npm ci' },
  'npm test': { file: '.ci/run', marker: 'npm test' },
  'npm run codegen': { file: 'test/integration/client/codegen.test.ts', marker: "readFileSync('codegen.yml'" },
  // No Docker engine runs on CI: the compose file and .env.example are checked statically.
  'cp .env.example .env': { file: 'test/unit/compose/compose.test.ts', marker: '.env.example' },
  'docker compose up --build': { file: 'test/unit/compose/compose.test.ts', marker: 'docker-compose.yml' },
};

/** Long-running commands this file starts itself (the CLI commands are run here too). */
const RUN_HERE = ['npm start', 'npm run web'];

const INVITES = join(REPO_ROOT, 'invites.csv');

function readmeBlocks(language: string): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((block) => block[1]!);
}

function readmeCommands(): string[] {
  return readmeBlocks('sh')
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

let database: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await createTestDatabase('cc_readme');
  env = {
    ...process.env,
    DATABASE_URL: database.url,
    CODE_HMAC_KEYS: generateKeyLine('v1', (size) => Buffer.alloc(size, 7)),
    NODE_ENV: 'production',
  };
}, 60_000);

afterAll(async () => {
  rmSync(INVITES, { force: true });
  await database.drop();
});

const shell = (command: string) => promisify(execFile)('bash', ['-c', command], { cwd: REPO_ROOT, env });

test('the README shows commands, and each is either run here or by the file named for it', () => {
  const commands = readmeCommands();
  expect(commands).toEqual(expect.arrayContaining(['npm ci', 'npm start', 'npm test']));
  for (const command of commands) {
    if (command.startsWith('npx claimcheck ') || RUN_HERE.includes(command)) continue;
    const elsewhere = RUN_ELSEWHERE[command];
    expect({ command, runBy: elsewhere?.file }).toEqual({ command, runBy: expect.any(String) });
    expect(readFileSync(join(REPO_ROOT, elsewhere!.file), 'utf8')).toContain(elsewhere!.marker);
  }
});

/**
 * A customer redeems one of the invites, as the public API would (the CLI has no command for it):
 * the README's `<code-id>` and `<redemption-id>` stand for that code and that redemption.
 */
async function redeemInvite(row: string): Promise<{ codeId: string; redemptionId: string }> {
  const [code, codeId] = row.split(',') as [string, string];
  const services = await servicesFromEnv(env);
  try {
    const attempt = { code, subject: 'customer-1', purpose: 'invite', scope: 'club-7', idempotencyKey: null };
    const result = await services.codes.redeemer.redeem({ ...attempt, client: { clientKey: 'readme-test' } });
    if (result.kind !== 'redeemed') throw new Error(`the invite did not redeem: ${result.kind}`);
    return { codeId, redemptionId: result.redemption.id };
  } finally {
    await services.close();
  }
}

/** The README's example dates, moved on by whole years when needed, so that the commands stay valid whenever this runs. */
function keptInTheFuture(command: string): string {
  const date = /\b(\d{4})(-\d{2}-\d{2}T)/g;
  const years = [...command.matchAll(date)].map((match) => Number(match[1]));
  if (years.length === 0) return command;
  const shift = Math.max(0, new Date().getUTCFullYear() + 1 - Math.min(...years));
  return command.replace(date, (_, year: string, rest: string) => `${Number(year) + shift}${rest}`);
}

async function redemption(id: string) {
  const services = await servicesFromEnv(env);
  try {
    return await services.codes.admin.redemption(id, null);
  } finally {
    await services.close();
  }
}

test('the admin CLI commands of the README work as shown', async () => {
  const cli = readmeCommands().filter((command) => command.startsWith('npx claimcheck '));
  expect(cli.length).toBeGreaterThanOrEqual(9);
  const placeholders = new Map<string, string>();
  // A command that exits non-zero rejects; each must also leave what it promises.
  for (const command of cli) {
    const named = [...new Set(command.match(/<[a-z-]+>/g) ?? [])];
    for (const placeholder of named)
      expect({ command, [placeholder]: placeholders.get(placeholder) }).toEqual({
        command,
        [placeholder]: expect.any(String),
      });
    const filled = named.reduce(
      (text, placeholder) => text.replaceAll(placeholder, placeholders.get(placeholder)!),
      command,
    );
    const { stdout } = await shell(keptInTheFuture(filled));
    if (command.includes('> invites.csv')) {
      const rows = readFileSync(INVITES, 'utf8').trim().split('\n');
      expect(rows).toHaveLength(501);
      placeholders.set('<id>', rows[1]!.split(',')[1]!);
      const redeemed = await redeemInvite(rows[2]!);
      placeholders.set('<code-id>', redeemed.codeId).set('<redemption-id>', redeemed.redemptionId);
    } else if (command.includes('--max-redemptions')) {
      // The promotion: a code of 1,000 uses, once per customer, scheduled from its start to its end.
      expect(JSON.parse(stdout)).toMatchObject({
        max_redemptions: 1000,
        max_per_subject: 1,
        starts_at: expect.any(String),
      });
    } else if (named.length > 0) {
      for (const placeholder of named) expect(stdout).toContain(placeholders.get(placeholder));
    } else {
      expect(stdout.trim()).not.toBe('');
    }
  }
  expect(placeholders.get('<id>')).toMatch(/^[0-9a-f-]{36}$/);
  // `reverse` gave the use back, with the reason the README shows.
  expect(await redemption(placeholders.get('<redemption-id>')!)).toMatchObject({
    codeId: placeholders.get('<code-id>'),
    reversedAt: expect.any(Date),
    reversalReason: /--reason "([^"]+)"/.exec(cli.find((command) => command.includes(' reverse ')) ?? '')?.[1],
  });
}, 120_000);

test('every GraphQL operation the README shows is valid against the schema', () => {
  const schema = buildSchema(readFileSync(join(REPO_ROOT, 'schema.graphql'), 'utf8'));
  const blocks = readmeBlocks('graphql');
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  for (const block of blocks)
    expect({ block, errors: validate(schema, parse(block)).map(String) }).toEqual({ block, errors: [] });
});

test('npm run web serves the example page and forwards /graphql to the API on the same origin', async () => {
  const api = await startTestServer();
  const port = 5900 + Math.floor(Math.random() * 90);
  const child = spawn('npm', ['run', 'web'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CLAIMCHECK_API: api.url, WEB_PORT: String(port) },
    detached: true,
    stdio: 'ignore',
  });
  try {
    // Polled, not read from the output: Vite colours its banner when CI is set, splitting the port from the host.
    await waitFor(() => answers(`http://127.0.0.1:${port}/`), 60_000);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(await page.text()).toContain('<div id="root">');
    const answer = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await answer.json()).toEqual({ data: { __typename: 'Query' } });
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await api.close();
  }
}, 90_000);

/** The lines the first-run section shows `npm start` printing on stderr (the banner), as the README writes them. */
function firstRunBanner(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const firstRun = readme.slice(readme.indexOf('## First run'), readme.indexOf('## For frontend developers'));
  const shown = /```text\n([\s\S]*?)```/.exec(firstRun)?.[1] ?? '';
  return shown.split('\n').filter((line) => line.startsWith('claimcheck: '));
}

const SESSION_KEY_LINE =
  /^(claimcheck: ADMIN_API_KEYS is not set; admin key for this session only \(every scope\): )(\S+)$/;

test('npm start, as a newcomer runs it, prints what the first-run section shows and stops cleanly on SIGTERM', async () => {
  const port = 4900 + Math.floor(Math.random() * 90);
  // Outside production and without ADMIN_API_KEYS, as on a fresh clone (the HMAC key is given, not written into the repo).
  const newcomer: NodeJS.ProcessEnv = { ...env, NODE_ENV: 'development', PORT: String(port) };
  delete newcomer.ADMIN_API_KEYS;
  const child = spawn('npm', ['start'], { cwd: REPO_ROOT, env: newcomer, detached: true });
  let output = '';
  let banner = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (banner += chunk.toString()));
  try {
    await waitFor(() => banner.split('\n').some((line) => SESSION_KEY_LINE.test(line)), 60_000);
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(response.status).toBe(200);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
  }
  // npm itself dies of the signal; the server under it must drain and say so before its output closes.
  await new Promise((resolve) => child.on('close', resolve));
  expect(output).toContain('server stopped');
  // The README's example key and port stand for this run's.
  const shown = firstRunBanner();
  expect(shown).toHaveLength(3);
  const readmeKey = SESSION_KEY_LINE.exec(shown[2] ?? '')?.[2] ?? '';
  const printed = banner
    .trim()
    .split('\n')
    .map((line) =>
      line.replaceAll(`127.0.0.1:${port}/`, '127.0.0.1:4000/').replace(SESSION_KEY_LINE, `$1${readmeKey}`),
    );
  expect(printed).toEqual(shown);
}, 90_000);

async function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    (response) => response.ok,
    () => false,
  );
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
