import { inspect } from 'node:util';
import {
  KeyRing,
  KeyRingError,
  deriveLookupKey,
  generateKeyLine,
  hmacKey,
  type HmacKey,
} from '../../../src/codes/keyring';

const bytes = (from: number, count: number): Buffer => Buffer.from(Array.from({ length: count }, (_, i) => from + i));

const SECRET_1 = bytes(0x00, 32); // 000102…1f
const SECRET_2 = bytes(0x20, 32); // 202122…3f
const SECRET_3 = bytes(0xc8, 32);
const B64_1 = SECRET_1.toString('base64'); // AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
const B64_2 = SECRET_2.toString('base64');
const KEY_1 = hmacKey('v1', SECRET_1);
const KEY_2 = hmacKey('v2', SECRET_2);

/** The key's text in every form a careless message could carry it. */
function secretForms(...secrets: Buffer[]): string[] {
  return secrets.flatMap((secret) => [
    secret.toString('base64'),
    secret.toString('base64url'),
    secret.toString('hex'),
    secret.toString('base64').slice(4, 20),
  ]);
}

function parseError(text: string): KeyRingError {
  try {
    KeyRing.parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyRingError);
    return error as KeyRingError;
  }
  throw new Error('expected KeyRing.parse to fail');
}

function expectNoSecret(text: string, ...secrets: Buffer[]): void {
  for (const form of secretForms(...secrets)) expect(text).not.toContain(form);
}

describe('deriveLookupKey: test vectors', () => {
  // Computed independently with the openssl CLI:
  // printf 'claimcheck.lookup.v1\0code\0K7QM2XHP' \
  //   | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
  // and likewise for the other rows (key 202122…3f is 32 bytes counting up from 0x20).
  it.each([
    [KEY_1, 'K7QM2XHP', '0e94b8850a0cf134813d5fdbd4ba6d5c5a9f9cb6fa54ee9b71b98d47703970f8'],
    [KEY_1, 'Z9Y8X7W6V5T4', '4862dfcfe6260b5381d58857ac06d021d96cd62a845e6f2ce0b8f0dbffaecd3b'],
    [KEY_2, 'K7QM2XHP', '5b78bbd85a3c867731451767abd334c09b6b8bfccdb3cdb41752c9c57efebee4'],
  ])('%s, %s', (key: HmacKey, code: string, digest: string) => {
    expect(deriveLookupKey(key, code).toString('hex')).toBe(digest);
  });

  it('is what the ring stores as the lookup key under its active key', () => {
    expect(KeyRing.of([KEY_1]).lookupKey('K7QM2XHP')).toEqual({
      lookupKey: Buffer.from('0e94b8850a0cf134813d5fdbd4ba6d5c5a9f9cb6fa54ee9b71b98d47703970f8', 'hex'),
      keyVersion: 'v1',
    });
  });
});

describe('KeyRing.parse', () => {
  it('reads entries in order: active first, then the verify-only keys', () => {
    const ring = KeyRing.parse(` v2:${B64_2} ,\n v1:${B64_1}\n`);
    expect(ring.versions).toEqual(['v2', 'v1']);
    expect(ring.active.version).toBe('v2');
    expect(ring.active.secret.equals(SECRET_2)).toBe(true);
  });

  it('accepts URL-safe base64, padded or not', () => {
    const urlSafe = SECRET_3.toString('base64url');
    expect(urlSafe).toMatch(/[-_]/);
    expect(KeyRing.parse(`k3:${urlSafe}`).active.secret.equals(SECRET_3)).toBe(true);
    expect(KeyRing.parse(`k3:${urlSafe}=`).active.secret.equals(SECRET_3)).toBe(true);
  });

  it('accepts version names made of letters, digits, dot, underscore and hyphen', () => {
    expect(KeyRing.parse(`2026-01_k.1:${B64_1}`).versions).toEqual(['2026-01_k.1']);
  });

  it.each([
    ['an empty value', '', /^CODE_HMAC_KEYS is empty/],
    ['a blank value', '  \n ', /^CODE_HMAC_KEYS is empty/],
    ['an empty entry', `v1:${B64_1},`, /^CODE_HMAC_KEYS entry 2 is empty/],
    ['an entry without a colon', B64_1, /^CODE_HMAC_KEYS entry 1 has no ':'/],
    ['an empty version', `:${B64_1}`, /^CODE_HMAC_KEYS entry 1: the version must be/],
    ['a version with a space', `v 1:${B64_1}`, /^CODE_HMAC_KEYS entry 1: the version must be/],
    ['a version too long', `${'v'.repeat(33)}:${B64_1}`, /^CODE_HMAC_KEYS entry 1: the version must be/],
    ['a key put where the version goes', `${B64_1}:v1`, /^CODE_HMAC_KEYS entry 1: key is not valid base64/],
    [
      'a key with a foreign character',
      `v1:${B64_1.replace('E', '*')}`,
      /^CODE_HMAC_KEYS entry 1 \(v1\): key is not valid base64/,
    ],
    ['a key with inner whitespace', `v1:${B64_1.slice(0, 10)} ${B64_1.slice(10)}`, /key is not valid base64/],
    ['a key with extra padding', `v1:${B64_1}=`, /key is not valid base64/],
    ['a key mixing both alphabets', `v1:+${SECRET_3.toString('base64url').slice(1)}`, /key is not valid base64/],
    ['a key with non-zero trailing bits', `v1:${B64_1.replace('Hh8=', 'Hh9=')}`, /key is not valid base64/],
    [
      'a short key',
      `v1:${bytes(0, 16).toString('base64')}`,
      /^CODE_HMAC_KEYS entry 1 \(v1\): key decodes to 16 bytes; at least 32 are required$/,
    ],
    ['an empty key', 'v1:', /key decodes to 0 bytes/],
    [
      'a duplicate version',
      `v1:${B64_1},v1:${B64_2}`,
      /^CODE_HMAC_KEYS entry 2 \(v1\): version already used by entry 1$/,
    ],
  ])('rejects %s with a clear message', (_case, text, message) => {
    const error = parseError(text);
    expect(error.message).toMatch(message);
    expectNoSecret(error.message, SECRET_1, SECRET_2, SECRET_3);
  });

  it('names the position and version of a short key without its material', () => {
    const short = bytes(0x40, 16).toString('base64');
    const error = parseError(`v2:${B64_2},v1:${short}`);
    expect(error.message).toBe('CODE_HMAC_KEYS entry 2 (v1): key decodes to 16 bytes; at least 32 are required');
    expect(error.message).not.toContain(short);
  });
});

describe('KeyRing.of', () => {
  it('validates like parse', () => {
    expect(() => KeyRing.of([])).toThrow(KeyRingError);
    expect(() => KeyRing.of([{ version: 'v1', secret: bytes(0, 31) }])).toThrow(/31 bytes; at least 32/);
    expect(() => KeyRing.of([KEY_1, { version: 'v1', secret: SECRET_2 }])).toThrow(/version already used/);
  });

  it('copies the secrets it is given', () => {
    const secret = Buffer.from(SECRET_1);
    const ring = KeyRing.of([{ version: 'v1', secret }]);
    secret.fill(0);
    expect(ring.lookupKey('K7QM2XHP').lookupKey.toString('hex')).toMatch(/^0e94b885/);
  });
});

describe('rotation', () => {
  const code = 'K7QM2XHP';
  const issuedUnderV1 = KeyRing.of([KEY_1]).lookupKey(code);
  const matches = (ring: KeyRing) =>
    ring.candidates(code).filter((c) => c.lookupKey.equals(issuedUnderV1.lookupKey) && c.keyVersion === 'v1');

  it('still matches a v1 code when v1 is verify-only behind the active v2', () => {
    const ring = KeyRing.of([KEY_2, KEY_1]);
    expect(ring.active.version).toBe('v2');
    expect(matches(ring)).toHaveLength(1);
    expect(ring.lookupKey(code).keyVersion).toBe('v2');
    expect(ring.lookupKey(code).lookupKey.equals(issuedUnderV1.lookupKey)).toBe(false);
  });

  it('no longer matches a v1 code once v1 is retired', () => {
    expect(matches(KeyRing.of([KEY_2]))).toHaveLength(0);
  });

  it('gives one candidate per key, active first, each carrying the version that derived it', () => {
    const keys = [KEY_2, KEY_1, hmacKey('v0', SECRET_3)];
    const candidates = KeyRing.of(keys).candidates(code);
    expect(candidates.map((c) => c.keyVersion)).toEqual(['v2', 'v1', 'v0']);
    candidates.forEach((candidate, i) => expect(candidate.lookupKey).toEqual(deriveLookupKey(keys[i], code)));
  });
});

describe('secrets stay out of output', () => {
  const ring = KeyRing.of([KEY_2, KEY_1]);

  it.each([
    ['JSON.stringify of a key', () => JSON.stringify(ring.active)],
    ['JSON.stringify of a ring', () => JSON.stringify({ ring, keys: [ring.active] })],
    ['JSON.stringify of a spread key', () => JSON.stringify({ ...ring.active })],
    ['util.inspect of a key', () => inspect(ring.active, { showHidden: true, depth: null })],
    ['util.inspect of a ring', () => inspect({ ring }, { showHidden: true, depth: null })],
    ['String() of a key', () => String(ring.active)],
    ['a template with the ring', () => `${ring}`],
  ])('%s', (_case, render) => {
    expectNoSecret(render(), SECRET_1, SECRET_2);
  });

  it('shows the version instead', () => {
    expect(String(ring.active)).toBe('HmacKey(v2)');
    expect(JSON.stringify(ring.active)).toBe('"HmacKey(v2)"');
    expect(inspect(ring.active)).toBe('HmacKey(v2)');
    expect(String(ring)).toBe('KeyRing(v2, v1)');
  });
});

describe('generateKeyLine', () => {
  it('writes a ring entry of 32 fresh bytes that parses back', () => {
    const line = generateKeyLine('2026-07', (size) => bytes(0x20, size));
    expect(line).toBe(`2026-07:${B64_2}`);
    expect(KeyRing.parse(line).active.secret.equals(SECRET_2)).toBe(true);
  });

  it('rejects a bad version', () => {
    expect(() => generateKeyLine('no spaces', (size) => bytes(0, size))).toThrow(KeyRingError);
  });
});
