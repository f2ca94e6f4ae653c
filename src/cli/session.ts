/** The service layer for one CLI command: the server's configuration and wiring, opened and closed around it. */
import type { CodeServices } from '../codes/services';
import type { WebhookAdmin } from '../codes/webhooks/endpoints';
import { loadConfig, type Config } from '../config/config';
import { createLogger } from '../ops/logger';
import { openServices } from '../server/services';
import type { CliIo } from './io';

export interface Session {
  readonly codes: CodeServices;
  readonly webhooks: WebhookAdmin;
  readonly config: Config;
}

export async function withSession<T>(
  env: NodeJS.ProcessEnv,
  io: CliIo,
  use: (session: Session) => Promise<T>,
): Promise<T> {
  const config = loadConfig(env);
  // stdout carries the command's output (issued codes); everything else goes to stderr.
  for (const notice of config.notices) io.stderr.write(`claimcheck: ${notice}\n`);
  const logger = createLogger('warn', io.stderr);
  // A command is short-lived: the server instances do the background work (purge, hold sweep).
  const services = await openServices(config, logger, { background: false });
  try {
    return await use({ codes: services.codes, webhooks: services.webhooks, config });
  } finally {
    await services.close();
  }
}
