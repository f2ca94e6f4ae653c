/**
 * loadConfig in a fresh working folder per test (development key files land
 * there), with the ConfigError's problem lines as a value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../../src/config/config';

export interface ConfigSandbox {
  /** The current test's working folder. */
  cwd(): string;
  load(env: NodeJS.ProcessEnv): Config;
  /** The lines of the ConfigError that loading `env` throws (its message is exactly those lines). */
  problems(env: NodeJS.ProcessEnv): string[];
}

/** Registers the per-test folder (beforeEach/afterEach) of the calling test file. */
export function configSandbox(prefix: string): ConfigSandbox {
  let cwd = '';
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });
  const load = (env: NodeJS.ProcessEnv): Config => loadConfig(env, { cwd });
  return {
    cwd: () => cwd,
    load,
    problems(env) {
      try {
        load(env);
      } catch (error) {
        if (error instanceof ConfigError) {
          expect(error.message.split('\n')).toEqual(error.problems);
          return [...error.problems];
        }
        throw error;
      }
      throw new Error('expected a ConfigError');
    },
  };
}
