/**
 * The HMAC keys that turn a code into its lookup key (CODE_HMAC_KEYS). The
 * first key derives new codes; the others only verify codes issued before a
 * rotation. Key material never appears in messages or serialized output.
 */
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import type { HoldCandidate, HoldKey, KeyVersion, LookupCandidate, LookupKey } from '../store/port';
import type { RandomBytes } from './types';

export interface HmacKey {
  readonly version: string;
  readonly secret: Buffer;
}

export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

/** HMAC-SHA256 wants at least its output size in key material. */
const MIN_SECRET_BYTES = 32;
/** What a key version may look like (also WEBHOOK_SECRET_KEYS versions). */
export const KEY_VERSION = /^[A-Za-z0-9._-]{1,32}$/;
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** URL-safe base64 is usually unpadded; padding, when present, must still be right. */
const URL_SAFE_BASE64 = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;
const TRAILING_PADDING = /=+$/;
const SOURCE = 'CODE_HMAC_KEYS';

/** Domain separation: a lookup key can never equal an HMAC this key computes for another purpose. */
const LOOKUP_DOMAIN = Buffer.from('claimcheck.lookup.v1\0code\0', 'utf8');
const HOLD_DOMAIN = Buffer.from('claimcheck.lookup.v1\0hold\0', 'utf8');

/** Shows only what is safe to show, wherever the object ends up (logs, JSON, string templates). */
abstract class Redacted {
  protected abstract describe(): string;

  toString(): string {
    return this.describe();
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return this.describe();
  }
}

class RedactedHmacKey extends Redacted implements HmacKey {
  readonly #secret: Buffer;

  constructor(
    readonly version: string,
    secret: Buffer,
  ) {
    super();
    this.#secret = secret;
  }

  get secret(): Buffer {
    return this.#secret;
  }

  protected describe(): string {
    return `HmacKey(${this.version})`;
  }
}

/** A key that does not reveal its secret when logged, stringified or inspected. */
export function hmacKey(version: string, secret: Buffer): HmacKey {
  // A copy, so that the caller reusing its buffer cannot change the key.
  return new RedactedHmacKey(version, Buffer.from(secret));
}

export class KeyRing extends Redacted {
  readonly active: HmacKey;
  readonly versions: readonly string[];
  readonly #keys: readonly HmacKey[];

  private constructor(keys: readonly HmacKey[]) {
    super();
    this.#keys = keys;
    this.active = keys[0];
    this.versions = Object.freeze(keys.map((key) => key.version));
  }

  /** `version:base64key` entries, comma-separated; the first is active. */
  static parse(text: string): KeyRing {
    if (text.trim() === '') {
      throw new KeyRingError(`${SOURCE} is empty: expected version:base64key entries, comma-separated`);
    }
    return KeyRing.validated(
      text.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1)),
      SOURCE,
    );
  }

  static of(keys: readonly HmacKey[]): KeyRing {
    if (keys.length === 0) throw new KeyRingError('a key ring needs at least one key');
    return KeyRing.validated(
      keys.map((key) => hmacKey(key.version, key.secret)),
      'key ring',
    );
  }

  private static validated(keys: readonly HmacKey[], source: string): KeyRing {
    keys.forEach((key, index) => checkKey(key, index, keys, source));
    return new KeyRing(keys);
  }

  lookupKey(normalizedCode: string): LookupCandidate {
    return candidate(this.active, normalizedCode);
  }

  /** One per held key, active first. A retired version is not in the ring, so its codes match nothing. */
  candidates(normalizedCode: string): LookupCandidate[] {
    return this.#keys.map((key) => candidate(key, normalizedCode));
  }

  /** The stored form of a new hold's capability, under the active key. */
  holdKey(holdId: Buffer): HoldCandidate {
    return holdCandidate(this.active, holdId);
  }

  /** One per held key, like candidates(): a hold made before a rotation is still found. */
  holdCandidates(holdId: Buffer): HoldCandidate[] {
    return this.#keys.map((key) => holdCandidate(key, holdId));
  }

  /** The key of `version`, or null when it is retired (not in the ring). */
  key(version: KeyVersion): HmacKey | null {
    return this.#keys.find((key) => key.version === version) ?? null;
  }

  protected describe(): string {
    return `KeyRing(${this.versions.join(', ')})`;
  }
}

export function deriveLookupKey(key: HmacKey, normalizedCode: string): LookupKey {
  return createHmac('sha256', key.secret).update(LOOKUP_DOMAIN).update(normalizedCode, 'utf8').digest() as LookupKey;
}

function deriveHoldKey(key: HmacKey, holdId: Buffer): HoldKey {
  return createHmac('sha256', key.secret).update(HOLD_DOMAIN).update(holdId).digest() as HoldKey;
}

/** A fresh `version:base64key` entry for CODE_HMAC_KEYS. */
export function generateKeyLine(version: string, random: RandomBytes): string {
  const key = KeyRing.of([{ version, secret: random(MIN_SECRET_BYTES) }]).active;
  return `${key.version}:${key.secret.toString('base64')}`;
}

function candidate(key: HmacKey, normalizedCode: string): LookupCandidate {
  return { lookupKey: deriveLookupKey(key, normalizedCode), keyVersion: key.version as KeyVersion };
}

function holdCandidate(key: HmacKey, holdId: Buffer): HoldCandidate {
  return { holdKey: deriveHoldKey(key, holdId), keyVersion: key.version as KeyVersion };
}

function parseEntry(entry: string, position: number): HmacKey {
  if (entry === '') throw new KeyRingError(`${SOURCE} entry ${position} is empty (a stray comma?)`);
  const colon = entry.indexOf(':');
  if (colon < 0) throw new KeyRingError(`${SOURCE} entry ${position} has no ':' (expected version:base64key)`);
  const version = entry.slice(0, colon);
  const secret = decodeStrictBase64(entry.slice(colon + 1));
  if (!secret) {
    throw new KeyRingError(`${entryLabel(SOURCE, position, version)}: key is not valid base64 (standard or URL-safe)`);
  }
  return hmacKey(version, secret);
}

/** Buffer.from(…, 'base64') skips junk silently; a mistyped key must fail instead of becoming another key. */
export function decodeStrictBase64(text: string): Buffer | null {
  const encoding = STANDARD_BASE64.test(text) ? 'base64' : URL_SAFE_BASE64.test(text) ? 'base64url' : null;
  if (!encoding) return null;
  const bytes = Buffer.from(text, encoding);
  // Re-encoding rejects non-zero trailing bits, which several texts would otherwise share.
  return bytes.toString(encoding).replace(TRAILING_PADDING, '') === text.replace(TRAILING_PADDING, '') ? bytes : null;
}

function checkKey({ version, secret }: HmacKey, index: number, keys: readonly HmacKey[], source: string): void {
  const label = entryLabel(source, index + 1, version);
  if (!KEY_VERSION.test(version)) {
    throw new KeyRingError(`${label}: the version must be 1 to 32 characters from A-Z a-z 0-9 . _ -`);
  }
  if (secret.length < MIN_SECRET_BYTES) {
    throw new KeyRingError(
      `${label}: key decodes to ${secret.length} bytes; at least ${MIN_SECRET_BYTES} are required`,
    );
  }
  const first = keys.findIndex((key) => key.version === version);
  if (first !== index) throw new KeyRingError(`${label}: version already used by entry ${first + 1}`);
}

/** Names the version only when it is well-formed: a malformed one may be key material typed in the wrong place. */
function entryLabel(source: string, position: number, version: string): string {
  return KEY_VERSION.test(version) ? `${source} entry ${position} (${version})` : `${source} entry ${position}`;
}
