/** ADMIN_API_KEYS: `key` (every scope) or `key:scope`, comma-separated. */
import { inspect } from 'node:util';
import type { RandomBytes } from '../codes/types';

export const MIN_ADMIN_KEY_LENGTH = 24;
const MAX_SCOPE_LENGTH = 64;
/** 24 random bytes: 32 characters of base64url, comfortably past the minimum. */
const SESSION_KEY_BYTES = 24;

/** An admin key that does not reveal itself when logged, stringified or inspected. */
export class AdminKey {
  readonly #secret: string;

  constructor(
    secret: string,
    /** null: every scope. */
    readonly scope: string | null,
  ) {
    this.#secret = secret;
  }

  /** The key itself: for the constant-time comparison and the one start-up line that prints a session key. */
  reveal(): string {
    return this.#secret;
  }

  toString(): string {
    return `AdminKey(${this.scope ?? '*'})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export interface ParsedAdminKeys {
  readonly keys: readonly AdminKey[];
  /** The key generated for this session, when one was. */
  readonly generated: AdminKey | null;
  readonly problems: readonly string[];
}

export function parseAdminKeys(text: string | undefined, production: boolean, random: RandomBytes): ParsedAdminKeys {
  if (text === undefined) {
    if (production) return { keys: [], generated: null, problems: [] };
    const generated = new AdminKey(random(SESSION_KEY_BYTES).toString('base64url'), null);
    return { keys: [generated], generated, problems: [] };
  }
  const problems: string[] = [];
  const keys: AdminKey[] = [];
  const positions = new Map<string, number>();
  text.split(',').forEach((entry, index) => {
    const parsed = parseEntry(entry.trim(), index + 1, positions);
    if (typeof parsed === 'string') {
      problems.push(parsed);
    } else {
      positions.set(parsed.reveal(), index + 1);
      keys.push(parsed);
    }
  });
  return { keys, generated: null, problems };
}

/** An AdminKey, or the problem with the entry. Problems name the entry's position, never its text. */
function parseEntry(entry: string, position: number, earlier: ReadonlyMap<string, number>): AdminKey | string {
  const label = `ADMIN_API_KEYS entry ${position}`;
  if (entry === '') return `${label} is empty (a stray comma?)`;
  const colon = entry.indexOf(':');
  const secret = colon < 0 ? entry : entry.slice(0, colon);
  const scope = colon < 0 ? null : entry.slice(colon + 1).trim();
  if (secret.length < MIN_ADMIN_KEY_LENGTH) {
    return `${label}: the key must be at least ${MIN_ADMIN_KEY_LENGTH} characters (e.g. openssl rand -base64 32)`;
  }
  if (scope !== null && (scope === '' || scope.length > MAX_SCOPE_LENGTH)) {
    return `${label}: the scope after ':' must be 1 to ${MAX_SCOPE_LENGTH} characters`;
  }
  const duplicate = earlier.get(secret);
  if (duplicate !== undefined) return `${label} repeats the key of entry ${duplicate}`;
  return new AdminKey(secret, scope);
}
