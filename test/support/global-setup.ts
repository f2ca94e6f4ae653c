import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveServerUrl } from './database';

const ROOT = join(__dirname, '..', '..');

/**
 * Compiles the server once for every test that runs the built code (the entry
 * point, the CLI, the benchmark, the reliability suite's processes), so that
 * parallel test files never write dist/ at the same time.
 */
function buildServer(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

export default async function globalSetup(): Promise<void> {
  buildServer();
  const server = await resolveServerUrl();
  process.env.TEST_DATABASE_URL = server.url;
  (globalThis as { __stopTestDatabase?: () => Promise<void> }).__stopTestDatabase = server.stop;
}
