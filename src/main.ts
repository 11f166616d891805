import { composeApp } from './compose';
import { ConfigError, loadConfig } from './config/app-config';
import { createLogger } from './observability/logger';

/** Entry point: load and validate config, compose the app, serve until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, source } = loaded;
  const logger = createLogger(config.log.level, undefined, { maskNumbers: config.log.maskNumbers });
  logger.info({ config: source, store: config.store.kind === 'sqlite' ? { kind: 'sqlite', path: config.store.path } : { kind: 'postgres' }, dialer: config.dialer.kind }, 'starting');
  if (config.auth.clients.some((c) => c.key.startsWith('dev-'))) {
    logger.warn('development API keys (dev-...) are configured: replace them before exposing the service');
  }
  const app = await composeApp(config, logger);
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopping');
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await app.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
