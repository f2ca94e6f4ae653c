/** The real entry point (node dist/src/main.js, built by the test run's global setup) fails fast with one clear line. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyLine } from '../../../src/codes/keyring';
import { createTestDatabase } from '../../support/database';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

let cwd: string;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'cc-main-'));
}, 180_000);

afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

interface Ended {
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
}

/** Runs main.js with exactly `env` (plus PATH); `whileRunning` sees stdout as it comes and may signal the process. */
function run(env: Record<string, string>, whileRunning?: (stdout: string, stop: () => void) => void): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      whileRunning?.(stdout, () => child.kill('SIGTERM'));
    });
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

/** Runs main.js and sends it SIGTERM once, as soon as it says it is listening. */
function runUntilListening(env: Record<string, string>): Promise<Ended> {
  let signalled = false;
  return run(env, (stdout, stop) => {
    if (!signalled && stdout.includes('"msg":"listening"')) {
      signalled = true;
      stop();
    }
  });
}

/** The URL of the "listening" log line (JSON: stdout is a pipe here). */
function listeningUrl(stdout: string): string {
  const line = stdout.split('\n').find((candidate) => candidate.includes('"msg":"listening"'));
  return (JSON.parse(line ?? '{}') as { url?: string }).url ?? 'no listening line';
}

it('exits 1 on bad configuration, saying what to fix', async () => {
  const result = await run({ NODE_ENV: 'production', PORT: 'eighty' });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    [
      'claimcheck: invalid configuration:',
      '  CODE_HMAC_KEYS is required in production: set version:base64key entries (at least 32 random bytes each), comma-separated',
      '  PORT must be an integer from 0 to 65535 (got "eighty")',
      '',
    ].join('\n'),
  );
}, 30_000);

it('exits 1 with one line when the database cannot be reached, without its password', async () => {
  const result = await run({
    NODE_ENV: 'production',
    CODE_HMAC_KEYS: generateKeyLine('v1', randomBytes),
    DATABASE_URL: 'mysql://app:hunter2-password@127.0.0.1:1/claimcheck',
  });
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^claimcheck: cannot reach the database at 127\.0\.0\.1:1 \(DATABASE_URL\): .*ECONNREFUSED/);
  expect(result.stderr + result.stdout).not.toContain('hunter2');
}, 30_000);

it('serves, then stops cleanly with exit code 0 on SIGTERM', async () => {
  const database = await createTestDatabase('cc_main');
  try {
    const result = await runUntilListening({
      CODE_HMAC_KEYS: generateKeyLine('v1', randomBytes),
      DATABASE_URL: database.url,
      PORT: '0',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"msg":"server stopped"');
    // The banner, on stderr: where the API is, how to use Sandbox, and (outside production without
    // ADMIN_API_KEYS) one session key, printed once, never in a log line.
    const url = listeningUrl(result.stdout);
    const banner = result.stderr.trim().split('\n');
    expect(banner).toEqual([
      `claimcheck: serving ${url}`,
      'claimcheck: Apollo Sandbox: open that URL in a browser, then replace <your admin key> in its Authorization header with an admin key',
      expect.stringMatching(
        /^claimcheck: ADMIN_API_KEYS is not set; admin key for this session only \(every scope\): \S{24,}$/,
      ),
    ]);
    const sessionKey = banner[2]!.split(' ').pop()!;
    expect(result.stderr.split(sessionKey)).toHaveLength(2);
    expect(result.stdout).not.toContain(sessionKey);
  } finally {
    await database.drop();
  }
}, 30_000);

it('in production, writes JSON lines and a banner that only says where it serves', async () => {
  const database = await createTestDatabase('cc_main');
  try {
    const result = await runUntilListening({
      NODE_ENV: 'production',
      CODE_HMAC_KEYS: generateKeyLine('v1', randomBytes),
      ADMIN_API_KEYS: randomBytes(24).toString('base64url'),
      DATABASE_URL: database.url,
      PORT: '0',
    });
    expect(result.code).toBe(0);
    for (const line of result.stdout.trim().split('\n'))
      expect(JSON.parse(line)).toMatchObject({ service: 'claimcheck' });
    expect(result.stderr).toBe(`claimcheck: serving ${listeningUrl(result.stdout)}\n`);
  } finally {
    await database.drop();
  }
}, 30_000);
