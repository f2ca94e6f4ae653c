/**
 * Outside production, a missing CODE_HMAC_KEYS falls back to a key file kept
 * under the working directory, so that codes issued in one development session
 * still redeem in the next one.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyRing, KeyRingError, generateKeyLine } from '../codes/keyring';
import type { RandomBytes } from '../codes/types';

export const DEV_KEY_DIRECTORY = '.claimcheck';
export const DEV_KEY_FILE = 'dev-hmac-keys';
const DEV_KEY_VERSION = 'dev1';

export interface DevKeyRing {
  readonly keyRing: KeyRing;
  readonly path: string;
  readonly created: boolean;
}

export function devKeyFilePath(cwd: string): string {
  return join(cwd, DEV_KEY_DIRECTORY, DEV_KEY_FILE);
}

/** Reads the key file, creating it (owner-only) first when absent. Throws an Error whose message is safe to print. */
export function loadDevKeyRing(cwd: string, random: RandomBytes): DevKeyRing {
  const path = devKeyFilePath(cwd);
  const created = createIfAbsent(path, random);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the development key file ${path}: ${describeFsError(error)}`);
  }
  try {
    return { keyRing: KeyRing.parse(text.trim()), path, created };
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
