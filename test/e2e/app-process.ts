import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { E2eEnv } from './env';

/**
 * The service as its own process (src/main.ts with a config file), for what needs a real process: `kill -9`
 * (test/e2e/app-crash.test.ts) and the soak's CPU and RSS (bench/soak.ts).
 */
const root = path.resolve(__dirname, '../..');

export const freePort = (): Promise<number> =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** the prompts, installed by the repo's script where FreeSWITCH (on this host) can read them */
export function installPrompts(): string {
  const dir = process.env.E2E_PROMPTS_DIR ?? path.join(os.tmpdir(), 'cbsvc-e2e-prompts');
  if (!fs.existsSync(path.join(dir, 'answer-check.wav'))) execFileSync('bash', [path.join(root, 'scripts/install-prompts.sh'), dir], { stdio: 'ignore' });
  return dir;
}

/**
 * A config file for the service as its own process on these servers: its port, SQLite in `dir`, logs at info,
 * drachtio-server and FreeSWITCH from the e2e environment, the prompts, the AMD fork server on a free port;
 * `app` adds to the top level (auth, services, targets, agents), `telephony` to that section (trunk, dids...).
 */
export function writeProcessConfig(env: E2eEnv, dir: string, port: number, app: Record<string, unknown>, telephony: Record<string, unknown>): string {
  const local = env.freeswitch.host === '127.0.0.1' || env.freeswitch.host === 'localhost';
  const file = path.join(dir, 'config.json');
  const config = {
    server: { host: '127.0.0.1', port },
    store: { path: path.join(dir, 'callbacks.db') },
    log: { level: 'info' },
    ...app,
    telephony: {
      drachtio: env.drachtio,
      mediaServers: [{ ...env.freeswitch, ...(local ? { listenAddress: '127.0.0.1' } : {}) }],
      prompts: { dir: installPrompts() },
      audioFork: { port: 0, host: '127.0.0.1' },
      ...telephony,
    },
  };
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

export interface AppProcess {
  proc: ChildProcess;
  url: string;
  logFile: string;
  /** resolves when the process is gone */
  exited: Promise<void>;
  /** a REST call with this API key; the JSON body, or the text when it is not JSON */
  api(method: string, p: string, key: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** the log's JSON lines so far */
  readLog(): Record<string, unknown>[];
}

/** start src/main.ts on `configFile` (its server.port must be `port`); logs appended to `logFile` */
export function spawnApp(configFile: string, port: number, logFile: string, nodeArgs: string[] = []): AppProcess {
  const proc = spawn(process.execPath, [...nodeArgs, '-r', 'tsx/cjs', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, CONFIG_FILE: configFile },
    stdio: ['ignore', fs.openSync(logFile, 'a'), 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    url,
    logFile,
    exited,
    async api(method, p, key, body) {
      const res = await fetch(url + p, { method, headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      try {
        return { status: res.status, json: JSON.parse(text) };
      } catch {
        return { status: res.status, json: text };
      }
    },
    readLog() {
      if (!fs.existsSync(logFile)) return [];
      return fs
        .readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

/** until the service's /health says drachtio-server and FreeSWITCH are both up */
export async function waitForServers(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (app.proc.exitCode !== null) throw new Error(`the service exited (${app.proc.exitCode}); log: ${app.logFile}`);
    try {
      const h = (await (await fetch(`${app.url}/health`)).json()) as { dependencies: Record<string, { state: string }> };
      if (h.dependencies.drachtio?.state === 'up' && h.dependencies.freeswitch?.state === 'up') return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`the service did not connect to both servers in ${timeoutMs} ms; log: ${app.logFile}`);
    await sleep(200);
  }
}
