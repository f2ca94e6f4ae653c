/**
 * The admin CLI as operators run it: the built bin/claimcheck.js in a child
 * process, configured only through its environment, on a fresh database.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../../support/database';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'claimcheck.js');
const HMAC_KEYS = `v1:${Buffer.alloc(32, 7).toString('base64')}`;
const DISPLAY_CODE = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

let database: TestDatabase;

// Each run is a fresh Node process that connects and checks migrations: most of a second on a busy machine.
jest.setTimeout(30_000);

/** Only what an operator would set: no NODE_ENV, nothing inherited from jest. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, DATABASE_URL: database.url, CODE_HMAC_KEYS: HMAC_KEYS, ...extra };
}

async function claimcheck(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv()): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function succeeds(args: readonly string[]): Promise<string> {
  const run = await claimcheck(args);
  if (run.exitCode !== 0) throw new Error(`claimcheck ${args.join(' ')} exited ${run.exitCode}: ${run.stderr}`);
  return run.stdout;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  // The CLI runs from dist/, which the test run's global setup compiled from this checkout.
  database = await createTestDatabase('cc_cli');
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

describe('claimcheck CLI', () => {
  it('keygen prints a fresh version:base64key of 32 bytes', async () => {
    const [first, second] = await Promise.all([succeeds(['keygen']), succeeds(['keygen', '--version', 'v2'])]);
    expect(first).toMatch(/^v1:[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(first.trim().slice(3), 'base64')).toHaveLength(32);
    expect(second).toMatch(/^v2:/);
    expect(second.slice(3)).not.toBe(first.slice(3));
  });

  it('issue --format csv writes a header and one row per code, codes only on stdout', async () => {
    const run = await claimcheck([
      'issue',
      '--count',
      '3',
      '--purpose',
      'invite',
      '--grant',
      'seat, row 4',
      '--ttl',
      '2d',
    ]);
    expect(run.exitCode).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header).toBe('code,id,expires_at,purpose,scope,grant,key_version');
    expect(rows).toHaveLength(3);
    const codes = rows.map((row) => row.split(',')[0]);
    for (const code of codes) expect(code).toMatch(DISPLAY_CODE);
    expect(new Set(codes).size).toBe(3);
    expect(rows[0]).toMatch(/,invite,,"seat, row 4",v1$/);
    for (const code of codes) expect(run.stderr).not.toContain(code);
  });

  it('issue --format jsonl writes one object per code', async () => {
    const issued = jsonLines(await succeeds(['issue', '--count', '2', '--scope', 'acme', '--format', 'jsonl']));
    expect(issued).toHaveLength(2);
    expect(issued[0]).toEqual(
      expect.objectContaining({ code: expect.stringMatching(DISPLAY_CODE), scope: 'acme', purpose: null }),
    );
  });

  it("show, revoke and show again tell the code's state", async () => {
    const [issued] = jsonLines(await succeeds(['issue', '--format', 'jsonl', '--scope', 'beta']));
    const id = issued.id as string;
    expect(JSON.parse(await succeeds(['show', id]))).toEqual(expect.objectContaining({ id, state: 'REDEEMABLE' }));

    const wrongScope = await claimcheck(['revoke', id, '--scope', 'acme']);
    expect(wrongScope.exitCode).toBe(1);
    expect(wrongScope.stderr).toMatch(/^claimcheck: no code with id \S+ in scope acme\n$/);

    expect(JSON.parse(await succeeds(['revoke', id, '--scope', 'beta']))).toEqual(
      expect.objectContaining({ id, state: 'REVOKED' }),
    );
    expect(JSON.parse(await succeeds(['show', id])).state).toBe('REVOKED');
    const again = await claimcheck(['revoke', id]);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toContain('nothing to revoke');
  });

  it('list pages through codes newest first and filters', async () => {
    const all = jsonLines(await succeeds(['list', '--format', 'jsonl']));
    expect(all).toHaveLength(6);
    expect(all.map((code) => code.created_at)).toEqual(
      all
        .map((code) => code.created_at)
        .sort()
        .reverse(),
    );

    const firstPage = await claimcheck(['list', '--first', '4']);
    expect(firstPage.stdout.trim().split('\n')).toHaveLength(1 + 4);
    const cursor = /--after (\S+)/.exec(firstPage.stderr)?.[1];
    expect(cursor).toBeDefined();
    const rest = jsonLines(await succeeds(['list', '--first', '4', '--after', cursor!, '--format', 'jsonl']));
    expect(rest.map((code) => code.id)).toEqual(all.slice(4).map((code) => code.id));

    const revoked = jsonLines(await succeeds(['list', '--state', 'revoked', '--format', 'jsonl']));
    expect(revoked.map((code) => code.state)).toEqual(['REVOKED']);
    expect(jsonLines(await succeeds(['list', '--scope', 'acme', '--format', 'jsonl']))).toHaveLength(2);
  });

  it('stats counts codes by state', async () => {
    expect(JSON.parse(await succeeds(['stats']))).toEqual({ redeemable: 5, used: 0, revoked: 1, expired: 0 });
    expect(JSON.parse(await succeeds(['stats', '--purpose', 'invite']))).toEqual(
      expect.objectContaining({ redeemable: 3 }),
    );
  });

  it.each([
    [['issue', '--count', 'three'], /--count/],
    [['list', '--format', 'xml'], /--format/],
    [['frobnicate'], /unknown command/],
  ])('exits 2 with a message on a bad command line: %j', async (args, message) => {
    const run = await claimcheck(args);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toMatch(/^claimcheck: error: /);
    expect(run.stderr).toMatch(message);
  });

  it('exits 1 with one line naming the problem on a bad configuration', async () => {
    const run = await claimcheck(['stats'], cliEnv({ NODE_ENV: 'production', CODE_HMAC_KEYS: 'v1:not-a-key' }));
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^claimcheck: bad configuration: .*CODE_HMAC_KEYS/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 with one line when the database cannot be reached', async () => {
    const run = await claimcheck(['stats'], cliEnv({ DATABASE_URL: 'mysql://root@127.0.0.1:1/claimcheck' }));
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^claimcheck: cannot reach the database/)]);
  });
});
