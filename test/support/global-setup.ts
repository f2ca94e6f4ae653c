import { resolveServerUrl } from './database';

export default async function globalSetup(): Promise<void> {
  const server = await resolveServerUrl();
  process.env.TEST_DATABASE_URL = server.url;
  (globalThis as { __stopTestDatabase?: () => Promise<void> }).__stopTestDatabase = server.stop;
}
