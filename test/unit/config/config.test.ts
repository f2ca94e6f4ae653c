import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { generateKeyLine } from '../../../src/codes/keyring';
import { describeDatabase } from '../../../src/config/config';
import { devKeyFilePath } from '../../../src/config/dev-keys';
import { configSandbox } from '../../support/config';

const ADMIN_KEY = 'a'.repeat(24);
const SCOPED_KEY = 'b'.repeat(30);
const HMAC_KEYS = generateKeyLine('v1', randomBytes);

const { cwd, load, problems } = configSandbox('cc-config-');

const PRODUCTION = { NODE_ENV: 'production', CODE_HMAC_KEYS: HMAC_KEYS };

describe('defaults', () => {
  it('runs with nothing set outside production, and freezes the result', () => {
    const config = load({});
    expect(config).toMatchObject({
      production: false,
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: 'mysql://root@127.0.0.1:3306/claimcheck',
      rateLimit: { maxFailures: 10, windowSeconds: 300, scopeMaxFailures: 1000, failOpen: false },
      policy: { length: 8, ttlSeconds: 86_400 },
      trustProxy: false,
      logLevel: 'info',
      dbPoolSize: 16,
      dbStatementTimeoutMs: 5000,
      maxBatch: 10_000,
      introspection: true,
      landingPage: true,
      shutdownTimeoutMs: 10_000,
      bodyLimit: 64 * 1024,
      maxRedeemFields: 3,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimit)).toBe(true);
  });

  it('closes introspection and the landing page in production unless turned on', () => {
    expect(load(PRODUCTION)).toMatchObject({ production: true, introspection: false, landingPage: false });
    const open = load({ ...PRODUCTION, GRAPHQL_INTROSPECTION: 'true', GRAPHQL_LANDING_PAGE: 'TRUE' });
    expect(open).toMatchObject({ introspection: true, landingPage: true });
  });

  it('reads every setting', () => {
    const config = load({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'mysql://app:pw@db:3307/codes',
      RATE_LIMIT_MAX_FAILURES: '5',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      RATE_LIMIT_SCOPE_MAX_FAILURES: '50',
      RATE_LIMIT_FAIL_OPEN: 'true',
      CODE_LENGTH: '10',
      CODE_TTL_SECONDS: '600',
      LOG_LEVEL: 'DEBUG',
      DB_POOL_SIZE: '4',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      MAX_BATCH: '20000',
      SHUTDOWN_TIMEOUT_MS: '3000',
      BODY_LIMIT: '1mb',
      MAX_REDEEM_FIELDS: '1',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'mysql://app:pw@db:3307/codes',
      rateLimit: { maxFailures: 5, windowSeconds: 60, scopeMaxFailures: 50, failOpen: true },
      policy: { length: 10, ttlSeconds: 600 },
      logLevel: 'debug',
      dbPoolSize: 4,
      dbStatementTimeoutMs: 2000,
      maxBatch: 20_000,
      shutdownTimeoutMs: 3000,
      bodyLimit: 1024 * 1024,
      maxRedeemFields: 1,
    });
  });

  it.each([
    ['true', true],
    ['3', 3],
    ['false', false],
    ['loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8']],
    ['192.168.1.4,fd00::/8,10.0.0.0/255.0.0.0', ['192.168.1.4', 'fd00::/8', '10.0.0.0/255.0.0.0']],
  ])('reads TRUST_PROXY=%s', (text, expected) => {
    expect(load({ TRUST_PROXY: text }).trustProxy).toEqual(expected);
  });

  it('describes the database without its credentials', () => {
    expect(describeDatabase('mysql://app:hunter2@db.internal:3307/codes')).toBe('db.internal:3307');
    expect(describeDatabase('mysql://root@localhost/codes')).toBe('localhost:3306');
  });
});

describe('problems', () => {
  it('collects one clear line per problem', () => {
    const lines = problems({
      PORT: 'eighty',
      RATE_LIMIT_MAX_FAILURES: '0',
      RATE_LIMIT_FAIL_OPEN: 'maybe',
      CODE_LENGTH: '4',
      LOG_LEVEL: 'loud',
      MAX_BATCH: '500',
      BODY_LIMIT: 'huge',
      TRUST_PROXY: '10.0.0.0/99,proxy.example',
      DB_POOL_SIZE: '-1',
    });
    expect(lines).toEqual([
      'PORT must be an integer from 0 to 65535 (got "eighty")',
      'RATE_LIMIT_MAX_FAILURES must be an integer from 1 to 1000000 (got "0")',
      'RATE_LIMIT_FAIL_OPEN must be true or false (got "maybe")',
      'CODE_LENGTH must be an integer from 6 to 32',
      'TRUST_PROXY must be true, a hop count, or comma-separated addresses/subnets (e.g. 10.0.0.0/8, loopback); not understood: "10.0.0.0/99", "proxy.example"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'DB_POOL_SIZE must be an integer from 1 to 1000 (got "-1")',
      'MAX_BATCH must be an integer from 10000 to 1000000 (got "500")',
      'BODY_LIMIT must be a size from 1kb to 16mb, e.g. 64kb (got "huge")',
    ]);
  });

  it('rejects a DATABASE_URL without repeating it (it may hold a password)', () => {
    const [line] = problems({ DATABASE_URL: 'postgres://u:s3cret@h/db' });
    expect(line).toBe('DATABASE_URL must look like mysql://user:password@host:port/database');
    expect(problems({ DATABASE_URL: 'not a url s3cret' })).toEqual([
      'DATABASE_URL is not a URL: expected mysql://user:password@host:port/database',
    ]);
  });

  it('rejects a malformed CODE_HMAC_KEYS without quoting key material', () => {
    const short = `v1:${randomBytes(16).toString('base64')}`;
    const [line] = problems({ CODE_HMAC_KEYS: short });
    expect(line).toMatch(/^CODE_HMAC_KEYS entry 1 \(v1\): key decodes to 16 bytes/);
    expect(line).not.toContain(short.slice(3));
  });

  it('rejects short, empty, repeated and badly scoped admin keys, naming entries and never the keys', () => {
    const short = 'too-short-key';
    const lines = problems({ ADMIN_API_KEYS: `${ADMIN_KEY},,${short},${ADMIN_KEY}:other,${SCOPED_KEY}:` });
    expect(lines).toEqual([
      'ADMIN_API_KEYS entry 2 is empty (a stray comma?)',
      'ADMIN_API_KEYS entry 3: the key must be at least 24 characters (e.g. openssl rand -base64 32)',
      'ADMIN_API_KEYS entry 4 repeats the key of entry 1',
      "ADMIN_API_KEYS entry 5: the scope after ':' must be 1 to 64 characters",
    ]);
    expect(lines.join('\n')).not.toContain(short);
    expect(lines.join('\n')).not.toContain(ADMIN_KEY);
  });
});

describe('production strictness', () => {
  it('refuses to start without CODE_HMAC_KEYS, and never falls back to a key file', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'CODE_HMAC_KEYS is required in production: set version:base64key entries (at least 32 random bytes each), comma-separated',
    ]);
    expect(() => statSync(devKeyFilePath(cwd()))).toThrow();
  });

  it('generates no admin key: admin fields stay closed', () => {
    const config = load(PRODUCTION);
    expect(config.adminKeys).toEqual([]);
    expect(config.sessionAdminKey).toBeNull();
    expect(config.notices).toContain('ADMIN_API_KEYS is not set: admin fields are closed');
  });
});

describe('admin keys', () => {
  it('reads unscoped and scoped keys', () => {
    const config = load({ ADMIN_API_KEYS: ` ${ADMIN_KEY} , ${SCOPED_KEY}:tenant-a` });
    expect(config.adminKeys.map((key) => [key.reveal(), key.scope])).toEqual([
      [ADMIN_KEY, null],
      [SCOPED_KEY, 'tenant-a'],
    ]);
    expect(config.sessionAdminKey).toBeNull();
  });

  it('makes up a session key outside production when none is set', () => {
    const config = load({});
    expect(config.adminKeys).toHaveLength(1);
    expect(config.sessionAdminKey).toBe(config.adminKeys[0]);
    expect(config.sessionAdminKey?.scope).toBeNull();
    expect(config.sessionAdminKey?.reveal().length).toBeGreaterThanOrEqual(24);
  });

  it('never shows a key when the configuration is logged, inspected or serialized', () => {
    const config = load({ ADMIN_API_KEYS: `${ADMIN_KEY},${SCOPED_KEY}:tenant-a`, CODE_HMAC_KEYS: HMAC_KEYS });
    const secret = HMAC_KEYS.split(':')[1];
    for (const shown of [inspect(config, { depth: 10 }), JSON.stringify(config), String(config.adminKeys)]) {
      expect(shown).not.toContain(ADMIN_KEY);
      expect(shown).not.toContain(SCOPED_KEY);
      expect(shown).not.toContain(secret);
    }
  });
});

describe('the development key file', () => {
  it('is created owner-only on first start, said so, and reused afterwards', () => {
    const first = load({});
    const path = devKeyFilePath(cwd());
    expect(path).toBe(join(cwd(), '.claimcheck', 'dev-hmac-keys'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.notices).toContain(
      `CODE_HMAC_KEYS is not set: created the development key file ${path} (set CODE_HMAC_KEYS in production)`,
    );
    const keyText = readFileSync(path, 'utf8');
    expect(first.notices.join('\n')).not.toContain(keyText.trim().split(':')[1]);

    const second = load({});
    expect(second.notices[0]).toMatch(/^CODE_HMAC_KEYS is not set: using the development key file/);
    expect(second.keyRing.active.secret.equals(first.keyRing.active.secret)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(keyText);
  });

  it('is not used when CODE_HMAC_KEYS is set', () => {
    const config = load({ CODE_HMAC_KEYS: HMAC_KEYS });
    expect(config.keyRing.versions).toEqual(['v1']);
    expect(() => statSync(devKeyFilePath(cwd()))).toThrow();
  });

  it('stops start-up when it is corrupt, saying how to recover', () => {
    load({});
    writeFileSync(devKeyFilePath(cwd()), 'garbage');
    const [line] = problems({});
    expect(line).toMatch(/^the development key file .* is invalid \(.*\): delete it to create a new one$/);
  });
});
