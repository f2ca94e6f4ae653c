/**
 * The admin CLI as operators run it: the built bin/claimcheck.js in a child
 * process, configured only through its environment, on a fresh database.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { servicesFromEnv } from '../../support/service';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'claimcheck.js');
const HMAC_KEYS = `v1:${Buffer.alloc(32, 7).toString('base64')}`;
const IN_A_MONTH = new Date(Math.floor(Date.now() / 1000) * 1000 + 30 * 86_400_000);
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
    expect(header).toBe('code,id,expires_at,purpose,scope,grant,key_version,starts_at,max_redemptions,max_per_subject');
    expect(rows).toHaveLength(3);
    const codes = rows.map((row) => row.split(',')[0]);
    for (const code of codes) expect(code).toMatch(DISPLAY_CODE);
    expect(new Set(codes).size).toBe(3);
    // A single-use code: no start, one use, no per-subject limit.
    expect(rows[0]).toMatch(/,invite,,"seat, row 4",v1,,1,$/);
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
    expect(JSON.parse(await succeeds(['stats']))).toEqual({
      redeemable: 5,
      used: 0,
      revoked: 1,
      expired: 0,
      scheduled: 0,
      redemptions: 0,
    });
    expect(JSON.parse(await succeeds(['stats', '--purpose', 'invite']))).toEqual(
      expect.objectContaining({ redeemable: 3 }),
    );
  });

  it('a promotion code from issue to reversal: limits, history, holds in show, reverse', async () => {
    const [issued] = jsonLines(
      await succeeds([
        'issue',
        '--purpose',
        'promo',
        '--scope',
        'summer',
        '--max-redemptions',
        '3',
        '--per-subject',
        '1',
        '--starts-at',
        '2020-01-01T00:00:00Z',
        '--expires-at',
        IN_A_MONTH.toISOString(),
        '--format',
        'jsonl',
      ]),
    );
    expect(issued).toMatchObject({ starts_at: '2020-01-01T00:00:00.000Z', max_redemptions: 3, max_per_subject: 1 });
    const id = issued!.id as string;
    const shown = JSON.parse(await succeeds(['show', id]));
    expect(shown).toMatchObject({
      id,
      state: 'REDEEMABLE',
      max_redemptions: 3,
      max_per_subject: 1,
      starts_at: '2020-01-01T00:00:00.000Z',
      expires_at: IN_A_MONTH.toISOString(),
      active_holds: [],
    });
    // Redemptions and holds are public operations: made here through the same domain the server runs.
    const services = await servicesFromEnv(cliEnv());
    try {
      const attempt = { purpose: 'promo', scope: 'summer', idempotencyKey: null, client: { clientKey: 'cli-test' } };
      const first = await services.codes.redeemer.redeem({ ...attempt, code: issued!.code as string, subject: 'ann' });
      const second = await services.codes.redeemer.redeem({ ...attempt, code: issued!.code as string, subject: 'bob' });
      const held = await services.codes.holds.hold({
        ...attempt,
        code: issued!.code as string,
        subject: 'cat',
        ttlSeconds: 600,
      });
      expect([first.kind, second.kind, held.kind]).toEqual(['redeemed', 'redeemed', 'held']);
      const withHold = await succeeds(['show', id]);
      expect(JSON.parse(withHold)).toMatchObject({
        state: 'USED',
        redemption_count: 2,
        held_count: 1,
        used_by: 'bob',
        active_holds: [expect.objectContaining({ subject: 'cat', ref: expect.any(String) })],
      });
      if (held.kind === 'held') expect(withHold).not.toContain(held.hold.holdId.slice('hold_'.length));

      const history = jsonLines(await succeeds(['redemptions', id, '--format', 'jsonl']));
      expect(history.map((row) => row.subject)).toEqual(['bob', 'ann']);
      const reversed = JSON.parse(await succeeds(['reverse', history[0]!.id as string, '--reason', 'order cancelled']));
      expect(reversed).toMatchObject({ id: history[0]!.id, subject: 'bob', reversal_reason: 'order cancelled' });
      expect(reversed.reversed_at).toEqual(expect.any(String));
      const again = await claimcheck(['reverse', history[0]!.id as string]);
      expect(again.exitCode).toBe(0);
      expect(again.stderr).toContain('nothing to reverse');
      expect(JSON.parse(await succeeds(['show', id]))).toMatchObject({ redemption_count: 1, used_by: 'ann' });
      const unknown = await claimcheck(['reverse', '0192f000-0000-7000-8000-000000000000']);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toMatch(/^claimcheck: no redemption with id/);
      // One use back: two of three are taken (a redemption and a hold), so the code redeems again.
      expect(
        jsonLines(await succeeds(['list', '--state', 'redeemable', '--scope', 'summer', '--format', 'jsonl'])),
      ).toEqual([expect.objectContaining({ id, state: 'REDEEMABLE', redemption_count: 1, held_count: 1 })]);
    } finally {
      await services.close();
    }
  });

  it.each([
    [['issue', '--max-redemptions', '0'], /--max-redemptions/],
    [['issue', '--starts-at', 'tomorrow'], /--starts-at/],
    [['issue', '--expires-at', '2099-01-01'], /--expires-at/],
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

  it.each([
    [
      ['issue', '--ttl', '1d', '--expires-at', '2030-01-01T00:00:00Z'],
      /^claimcheck: give either ttlSeconds or expiresAt, not both$/,
    ],
    [
      ['issue', '--max-redemptions', '2', '--per-subject', '3'],
      /^claimcheck: maxRedemptionsPerSubject must be an integer from 1 to 2$/,
    ],
  ])('exits 2 with the domain’s one line when the values do not fit together: %j', async (args, message) => {
    const run = await claimcheck(args);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toMatch(message);
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
