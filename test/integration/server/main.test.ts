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
    let signalled = false;
    const result = await run(
      { CODE_HMAC_KEYS: generateKeyLine('v1', randomBytes), DATABASE_URL: database.url, PORT: '0' },
      (stdout, stop) => {
        if (!signalled && stdout.includes('"msg":"listening"')) {
          signalled = true;
          stop();
        }
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"msg":"server stopped"');
    // Outside production without ADMIN_API_KEYS: one session key, printed once, on stderr only.
    expect(result.stderr).toMatch(/^claimcheck: ADMIN_API_KEYS is not set; admin key for this session only/);
    const sessionKey = result.stderr.trim().split(' ').pop()!;
    expect(result.stdout).not.toContain(sessionKey);
  } finally {
    await database.drop();
  }
}, 30_000);
