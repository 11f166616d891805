import { composeApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { silentLogger } from './core';

/** the fully composed service (core + queue) on a free port */
export async function compose(config: Record<string, unknown>) {
  const app = await composeApp(parseAppConfig({ server: { host: '127.0.0.1', port: 0 }, ...config }, 'test'), silentLogger);
  const url = await app.listen();
  return { app, url };
}
