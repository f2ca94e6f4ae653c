import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * A file of the fixed client contract: the shared original beside the
 * checkout when there is one (the source of truth), else the copy in docs/.
 */
export function contractFile(name: 'contract.graphql' | 'runtime.md'): string {
  const shared = join(REPO_ROOT, '..', 'shared', 'api', name);
  return existsSync(shared) ? shared : join(REPO_ROOT, 'docs', name);
}
