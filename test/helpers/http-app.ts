import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { App } from '../../src/app';
import { buildApp, type Layers } from '../../src/compose';
import type { Clock } from '../../src/time';
import { parseAppConfig, type AppConfig } from '../../src/config/app-config';
import { silentLogger } from './core';
import { currentStoreKind, newTestSchema } from './stores';

export const IVR_KEY = 'test-ivr-key-123';
export const ADMIN_KEY = 'test-admin-key-123';

export interface RunningApp {
  app: App;
  url: string;
  dir: string;
  /** the app's configuration (its store: a second instance on the same database) */
  config: AppConfig;
  call(method: string, p: string, body?: unknown, opts?: { key?: string | null; form?: boolean }): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The real app on a real port with a real SQLite file in a temp dir (or on PostgreSQL, a schema of its own,
 * when the suite runs on it: `useStoreKind`): the callback core, plus the parts given (`compose.ts` Layers:
 * a queue, the agent page's directory, a stand-in dialer) and, for a test, more routes.
 */
export async function startApp(
  overrides: Partial<AppConfig> = {},
  parts: Pick<Layers, 'queue' | 'agents' | 'dialer' | 'supervision' | 'transfers'> & { routes?: FastifyPluginAsync[] } = {},
  opts: { clock?: Clock; logger?: Logger } = {},
): Promise<RunningApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-'));
  const config = parseAppConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      store:
        currentStoreKind() === 'postgres'
          ? { kind: 'postgres', url: process.env.TEST_DATABASE_URL, schema: newTestSchema(), poolSize: 4 }
          : { path: path.join(dir, 'callbacks.db') },
      auth: { clients: [{ id: 'ivr', key: IVR_KEY }, { id: 'admin', key: ADMIN_KEY, admin: true }] },
      dialer: { kind: 'simulated', simulated: { delayMs: 50 } },
      ...overrides,
    },
    'test',
  );
  const app = await buildApp(config, opts.logger ?? silentLogger, { ...(opts.clock ? { clock: opts.clock } : {}), ...(parts.queue ? { queue: parts.queue } : {}), ...(parts.agents ? { agents: parts.agents } : {}), ...(parts.dialer ? { dialer: parts.dialer } : {}), ...(parts.supervision ? { supervision: parts.supervision } : {}), ...(parts.transfers ? { transfers: parts.transfers } : {}) });
  for (const routes of parts.routes ?? []) await app.http.register(routes);
  const url = await app.listen();
  return {
    app,
    url,
    dir,
    config,
    async call(method, p, body, opts = {}) {
      const headers: Record<string, string> = {};
      const key = opts.key === undefined ? IVR_KEY : opts.key;
      if (key) headers['x-api-key'] = key;
      let payload: string | undefined;
      if (body !== undefined) {
        if (opts.form) {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          payload = new URLSearchParams(body as Record<string, string>).toString();
        } else {
          headers['content-type'] = 'application/json';
          payload = JSON.stringify(body);
        }
      }
      const res = await fetch(url + p, { method, headers, body: payload });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers };
    },
    async close() {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
