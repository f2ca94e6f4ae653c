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

/**
 * What a person starting the server needs, on stderr beside the log lines:
 * where the API is, how to reach it from Apollo Sandbox, and the session's
 * admin key, the only place an admin key is ever printed (never in a log line).
 */
function banner(config: Config, graphqlUrl: string): string[] {
  const lines = [`serving ${graphqlUrl}`];
  if (config.landingPage)
    lines.push(
      'Apollo Sandbox: open that URL in a browser, then replace <your admin key> in its Authorization header with an admin key',
    );
  if (config.sessionAdminKey)
    lines.push(
      `ADMIN_API_KEYS is not set; admin key for this session only (every scope): ${config.sessionAdminKey.reveal()}`,
    );
  return lines;
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
  const logger = createLogger(config.logLevel, undefined, {
    production: config.production,
    terminal: process.stdout.isTTY === true,
  });
  for (const notice of config.notices) logger.info(notice);
  const server = await start(config, logger);
  stopOnSignals(server, config, logger);
  const graphqlUrl = `${server.url}/graphql`;
  logger.info({ url: graphqlUrl }, 'listening');
  for (const line of banner(config, graphqlUrl)) process.stderr.write(`claimcheck: ${line}\n`);
}

void main();
