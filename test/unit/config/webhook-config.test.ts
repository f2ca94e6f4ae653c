import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { generateKeyLine } from '../../../src/codes/keyring';
import { configSandbox } from '../../support/config';

const HMAC_KEYS = generateKeyLine('v1', randomBytes);
const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64url');

const { cwd, load, problems } = configSandbox('cc-webhook-config-');

describe('webhook settings', () => {
  it('default as runtime.md says: private URLs allowed only outside production', () => {
    expect(load({}).webhooks).toMatchObject({
      allowPrivateUrls: true,
      retryMinSeconds: 10,
      maxAttempts: 12,
      timeoutMs: 10_000,
      pollIntervalMs: 300,
    });
    expect(load({ NODE_ENV: 'production', CODE_HMAC_KEYS: HMAC_KEYS }).webhooks.allowPrivateUrls).toBe(false);
  });

  it('read every WEBHOOK_ variable, fractions of a second included for the retry wait', () => {
    const config = load({
      WEBHOOK_ALLOW_PRIVATE_URLS: 'false',
      WEBHOOK_RETRY_MIN_SECONDS: '0.25',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_TIMEOUT_MS: '1500',
      WEBHOOK_POLL_INTERVAL_MS: '400',
    });
    expect(config.webhooks).toMatchObject({
      allowPrivateUrls: false,
      retryMinSeconds: 0.25,
      maxAttempts: 3,
      timeoutMs: 1500,
      pollIntervalMs: 400,
    });
  });

  it('name each bad value', () => {
    expect(
      problems({ WEBHOOK_RETRY_MIN_SECONDS: 'soon', WEBHOOK_MAX_ATTEMPTS: '0', WEBHOOK_ALLOW_PRIVATE_URLS: 'maybe' }),
    ).toEqual([
      'WEBHOOK_ALLOW_PRIVATE_URLS must be true or false (got "maybe")',
      'WEBHOOK_RETRY_MIN_SECONDS must be a number of seconds from 0.01 to 3600 (got "soon")',
      'WEBHOOK_MAX_ATTEMPTS must be an integer from 1 to 100 (got "0")',
    ]);
  });
});

describe('WEBHOOK_SECRET_KEYS', () => {
  it('seals under the first key and opens with any listed one (rotation)', () => {
    const before = load({ WEBHOOK_SECRET_KEYS: `a:${KEY_A}` }).webhooks.secretBox;
    const sealed = before.seal('whsec_x', 'endpoint-1', randomBytes);
    const after = load({ WEBHOOK_SECRET_KEYS: `b:${KEY_B},a:${KEY_A}` }).webhooks.secretBox;
    expect(after.activeVersion).toBe('b');
    expect(after.open(sealed, 'endpoint-1')).toBe('whsec_x');
    // Bound to its endpoint: a sealed secret moved to another row does not open.
    expect(after.open(sealed, 'endpoint-2')).toBeNull();
    const retired = load({ WEBHOOK_SECRET_KEYS: `b:${KEY_B}` }).webhooks.secretBox;
    expect(retired.open(sealed, 'endpoint-1')).toBeNull();
  });

  it('refuses malformed entries without quoting key material', () => {
    const short = randomBytes(16).toString('base64');
    const lines = problems({ WEBHOOK_SECRET_KEYS: `a:${short}` });
    expect(lines).toEqual(['WEBHOOK_SECRET_KEYS entry 1 (a): key decodes to 16 bytes; exactly 32 are required']);
    expect(problems({ WEBHOOK_SECRET_KEYS: `a:${KEY_A},a:${KEY_B}` })[0]).toContain('version already used');
    expect(problems({ WEBHOOK_SECRET_KEYS: 'no-colon' })[0]).toContain("has no ':'");
  });

  it('unset, is derived from CODE_HMAC_KEYS: the same keys at every start, nothing printed, no file of its own', () => {
    const production = { NODE_ENV: 'production', CODE_HMAC_KEYS: HMAC_KEYS };
    const first = load(production);
    expect(first.webhooks.secretKeysDerived).toBe(true);
    expect(first.webhooks.secretBox.activeVersion).toBe('hmac.v1');
    expect(first.notices.join('\n')).not.toContain('WEBHOOK');
    const sealed = first.webhooks.secretBox.seal('whsec_z', 'e', randomBytes);
    expect(load(production).webhooks.secretBox.open(sealed, 'e')).toBe('whsec_z');
    // Outside production from the development HMAC key file, as stable across starts.
    const dev = load({}).webhooks.secretBox.seal('whsec_d', 'e', randomBytes);
    expect(load({}).webhooks.secretBox.open(dev, 'e')).toBe('whsec_d');
    expect(readdirSync(join(cwd(), '.claimcheck'))).toEqual(['dev-hmac-keys']);
    expect(load({ WEBHOOK_SECRET_KEYS: `a:${KEY_A}` }).webhooks.secretKeysDerived).toBe(false);
  });

  it('set after a start without it, still opens what the derived keys sealed (and seals under its own first key)', () => {
    const derived = load({ NODE_ENV: 'production', CODE_HMAC_KEYS: HMAC_KEYS }).webhooks.secretBox;
    const sealed = derived.seal('whsec_w', 'e', randomBytes);
    const configured = load({ NODE_ENV: 'production', CODE_HMAC_KEYS: HMAC_KEYS, WEBHOOK_SECRET_KEYS: `a:${KEY_A}` })
      .webhooks.secretBox;
    expect(configured.activeVersion).toBe('a');
    expect(configured.versions).toEqual(['a', 'hmac.v1']);
    expect(configured.open(sealed, 'e')).toBe('whsec_w');
  });

  it('never shows a key when the configuration is inspected or serialized', () => {
    const config = load({ WEBHOOK_SECRET_KEYS: `a:${KEY_A}` });
    for (const shown of [inspect(config, { depth: 10 }), JSON.stringify(config)]) expect(shown).not.toContain(KEY_A);
  });
});
