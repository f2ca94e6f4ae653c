/**
 * Webhook signing secrets at rest: AES-256-GCM under a versioned key of
 * WEBHOOK_SECRET_KEYS, the endpoint's id authenticated with them, so that a
 * database dump alone can neither sign nor move a secret to another endpoint.
 * The first key seals; every key listed opens what it sealed (rotation).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { inspect } from 'node:util';
import type { RandomBytes } from '../types';

export const SECRET_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretKey {
  readonly version: string;
  readonly key: Buffer;
}

export interface SealedSecret {
  readonly ciphertext: Buffer;
  readonly keyVersion: string;
}

export class SecretBox {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly activeVersion: string;
  readonly versions: readonly string[];

  constructor(keys: readonly SecretKey[]) {
    if (keys.length === 0) throw new RangeError('a secret box needs at least one key');
    for (const { key } of keys) {
      if (key.length !== SECRET_KEY_BYTES) throw new RangeError(`secret keys are ${SECRET_KEY_BYTES} bytes`);
    }
    this.#keys = new Map(keys.map(({ version, key }) => [version, Buffer.from(key)]));
    this.activeVersion = keys[0]!.version;
    this.versions = Object.freeze(keys.map((key) => key.version));
  }

  /** nonce ‖ ciphertext ‖ tag under the active key. */
  seal(plaintext: string, context: string, random: RandomBytes): SealedSecret {
    const nonce = Buffer.from(random(NONCE_BYTES));
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.activeVersion)!, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([nonce, sealed, cipher.getAuthTag()]), keyVersion: this.activeVersion };
  }

  /** The secret, or null when its key version is no longer configured or the ciphertext does not open. */
  open(sealed: SealedSecret, context: string): string | null {
    const key = this.#keys.get(sealed.keyVersion);
    const { ciphertext } = sealed;
    if (!key || ciphertext.length <= NONCE_BYTES + TAG_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, ciphertext.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(ciphertext.subarray(NONCE_BYTES, ciphertext.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return null;
    }
  }

  toString(): string {
    return `SecretBox(${this.versions.join(', ')})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
