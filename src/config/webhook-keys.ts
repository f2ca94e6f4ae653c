/**
 * WEBHOOK_SECRET_KEYS: `version:base64key` entries, comma-separated, each key
 * exactly 32 bytes (AES-256). The first seals new endpoint secrets; every
 * listed key still opens what it sealed, and the dispatcher re-seals those
 * under the first key, so an old key can be removed once no secret uses it.
 */
import { hkdfSync } from 'node:crypto';
import { decodeStrictBase64, KEY_VERSION, type KeyRing, KeyRingError } from '../codes/keyring';
import { SECRET_KEY_BYTES, SecretBox, type SecretKey } from '../codes/webhooks/secret-box';

const SOURCE = 'WEBHOOK_SECRET_KEYS';

/** Throws KeyRingError (whose message never quotes key material) when `text` is not a valid list. */
export function parseWebhookSecretKeys(text: string): SecretBox {
  return new SecretBox(parseWebhookSecretKeyList(text, SOURCE));
}

/**
 * The configured keys, then (open-only) the keys derived from CODE_HMAC_KEYS:
 * endpoints sealed before WEBHOOK_SECRET_KEYS was set still open, and the
 * dispatcher re-seals them under the first configured key.
 */
export function configuredSecretBox(text: string, keyRing: KeyRing | null): SecretBox {
  const configured = parseWebhookSecretKeyList(text, SOURCE);
  const derived = keyRing === null ? [] : derivedSecretKeys(keyRing);
  return new SecretBox([
    ...configured,
    ...derived.filter((key) => configured.every((other) => other.version !== key.version)),
  ]);
}

function parseWebhookSecretKeyList(text: string, source: string): SecretKey[] {
  if (text.trim() === '')
    throw new KeyRingError(`${source} is empty: expected version:base64key entries, comma-separated`);
  const keys = text.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1, source));
  keys.forEach((key, index) => {
    const first = keys.findIndex((other) => other.version === key.version);
    if (first !== index)
      throw new KeyRingError(
        `${source} entry ${index + 1} (${key.version}): version already used by entry ${first + 1}`,
      );
  });
  return keys;
}

function parseEntry(entry: string, position: number, source: string): SecretKey {
  if (entry === '') throw new KeyRingError(`${source} entry ${position} is empty (a stray comma?)`);
  const colon = entry.indexOf(':');
  if (colon < 0) throw new KeyRingError(`${source} entry ${position} has no ':' (expected version:base64key)`);
  const version = entry.slice(0, colon);
  if (!KEY_VERSION.test(version)) {
    throw new KeyRingError(
      `${source} entry ${position}: the version must be 1 to 32 characters from A-Z a-z 0-9 . _ -`,
    );
  }
  const key = decodeStrictBase64(entry.slice(colon + 1));
  if (!key)
    throw new KeyRingError(`${source} entry ${position} (${version}): key is not valid base64 (standard or URL-safe)`);
  if (key.length !== SECRET_KEY_BYTES) {
    throw new KeyRingError(
      `${source} entry ${position} (${version}): key decodes to ${key.length} bytes; exactly ${SECRET_KEY_BYTES} are required`,
    );
  }
  return { version, key };
}

const DERIVATION_INFO = 'claimcheck.webhook-secret-keys.v1';

/**
 * Keys derived (HKDF-SHA256) from every CODE_HMAC_KEYS key, versioned
 * hmac.<version>: as far from the database as the HMAC keys, for a
 * deployment that has not set WEBHOOK_SECRET_KEYS.
 */
export function derivedSecretBox(keyRing: KeyRing): SecretBox {
  return new SecretBox(derivedSecretKeys(keyRing));
}

function derivedSecretKeys(keyRing: KeyRing): SecretKey[] {
  return keyRing.versions.map((version) => {
    const secret = keyRing.key(version as Parameters<KeyRing['key']>[0])!.secret;
    return {
      version: `hmac.${version}`.slice(0, 32),
      key: Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), DERIVATION_INFO, SECRET_KEY_BYTES)),
    };
  });
}
