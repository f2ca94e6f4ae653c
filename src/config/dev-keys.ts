/**
 * Outside production, a missing CODE_HMAC_KEYS (or WEBHOOK_SECRET_KEYS) falls
 * back to a key file kept under the working directory, so that codes issued
 * (and webhook secrets sealed) in one development session still work in the
 * next one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyRing, KeyRingError, generateKeyLine } from '../codes/keyring';
import type { RandomBytes } from '../codes/types';

export const DEV_KEY_DIRECTORY = '.claimcheck';
export const DEV_KEY_FILE = 'dev-hmac-keys';
export const DEV_WEBHOOK_KEY_FILE = 'dev-webhook-keys';
const DEV_KEY_VERSION = 'dev1';

export interface DevKeyRing {
  readonly keyRing: KeyRing;
  readonly path: string;
  readonly created: boolean;
}

export interface DevKeyFile<T> {
  readonly value: T;
  readonly path: string;
  readonly created: boolean;
}

export function devKeyFilePath(cwd: string, file = DEV_KEY_FILE): string {
  return join(cwd, DEV_KEY_DIRECTORY, file);
}

/** Reads the key file, creating it (owner-only) first when absent. Throws an Error whose message is safe to print. */
export function loadDevKeyRing(cwd: string, random: RandomBytes): DevKeyRing {
  const { value, path, created } = loadDevKeyFile(cwd, DEV_KEY_FILE, random, (text) => KeyRing.parse(text));
  return { keyRing: value, path, created };
}

/**
 * A development key file of `version:base64key` lines, created with one fresh
 * 32-byte key when absent; `parse` reads its text (a KeyRingError says why it cannot).
 */
export function loadDevKeyFile<T>(
  cwd: string,
  file: string,
  random: RandomBytes,
  parse: (text: string) => T,
): DevKeyFile<T> {
  const path = devKeyFilePath(cwd, file);
  const created = createIfAbsent(path, random);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the development key file ${path}: ${describeFsError(error)}`);
  }
  try {
    return { value: parse(text.trim()), path, created };
  } catch (error) {
    const reason = error instanceof KeyRingError ? error.message : 'unreadable';
    throw new Error(`the development key file ${path} is invalid (${reason}): delete it to create a new one`);
  }
}

function createIfAbsent(path: string, random: RandomBytes): boolean {
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    // 'wx' fails when the file exists: two processes starting at once keep the first one's key.
    writeFileSync(path, `${generateKeyLine(DEV_KEY_VERSION, random)}\n`, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create the development key file ${path}: ${describeFsError(error)}`);
  }
}

function describeFsError(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unknown error';
}
