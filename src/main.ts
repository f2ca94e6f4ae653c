/** The entry point (npm start): configuration, database, HTTP server, graceful shutdown. */
import 'reflect-metadata';
import { ConfigError, loadProcessConfig, type Config } from './config/config';
import { createLogger, describeError, type Logger } from './ops/logger';
import { createServer, type ClaimcheckServer } from './server/server';
import { DatabaseUnreachable } from './server/services';

/** Beyond the drain's own bound: the pool's close must not hang the exit forever either. */
const EXIT_GRACE_MS = 5000;

function fail(line: string): never {
  process.stderr.write(`claimcheck: ${line}\n`);
  process.exit(1);
}

function readConfig(): Config {
  try {
    return loadProcessConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration:\n  ${error.problems.join('\n  ')}`);
    throw error;
  }
}

function announce(config: Config, logger: Logger): void {
  for (const notice of config.notices) logger.info(notice);
  if (config.sessionAdminKey) {
    // The only place an admin key is ever printed: the operator needs it to use the admin fields.
    process.stderr.write(
      `claimcheck: ADMIN_API_KEYS is not set; admin key for this session only (every scope): ${config.sessionAdminKey.reveal()}\n`,
    );
  }
}

async function start(config: Config, logger: Logger): Promise<ClaimcheckServer> {
  try {
    const server = await createServer(config, { logger });
    await server.listen();
    return server;
  } catch (error) {
    if (error instanceof DatabaseUnreachable) fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      fail(`cannot listen on ${config.host}:${config.port} (HOST, PORT): ${code}`);
    fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function stopOnSignals(server: ClaimcheckServer, config: Config, logger: Logger): void {
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + EXIT_GRACE_MS).unref();
    // Flushed first: pino buffers, and process.exit would drop the last lines.
    const exit = (code: number): void => logger.flush(() => process.exit(code));
    server.close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ error: describeError(error) }, 'unclean shutdown');
        exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  announce(config, logger);
  const server = await start(config, logger);
  stopOnSignals(server, config, logger);
  logger.info({ url: `${server.url}/graphql` }, 'listening');
}

void main();
