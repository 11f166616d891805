import { composeApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { silentLogger } from './core';

/** the fully composed service (core + queue) on a free port */
export async function compose(config: Record<string, unknown>) {
  // telephony on: drachtio-server and FreeSWITCH are nowhere (port 1), as on a machine without them
  const telephony = { drachtio: { port: 1 }, mediaServers: [{ host: '127.0.0.1', port: 1 }], audioFork: { port: 0 } };
  const app = await composeApp(parseAppConfig({ server: { host: '127.0.0.1', port: 0 }, telephony, ...config }, 'test'), silentLogger, {});
  const url = await app.listen();
  return { app, url };
}

/** one target, billing, and its agent alice (static SIP URI; signs in to the agent page with alice-pass-01) */
export const BILLING_WITH_ALICE = {
  targets: [{ name: 'billing' }],
  agents: [{ id: 'alice', name: 'Alice', targets: ['billing'], password: 'alice-pass-01', uri: 'sip:alice@127.0.0.1' }],
};
