import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * kill -9 under load: the real service process is killed while requests and attempts are in flight,
 * restarted, killed again... Every request that got its 200 {_id} must survive and complete; no callback
 * may ever be dialed twice at the same time (checked on the simulated dialer's journal).
 */
const KEY = 'crash-test-key-1';
const root = path.resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('crash safety (kill -9 of the real process under load)', function () {
  this.timeout(300_000);
  let dir: string;
  let proc: ChildProcess | undefined;
  let port: number;
  let journal: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-crash-'));
    port = await freePort();
    journal = path.join(dir, 'dials.jsonl');
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        server: { host: '127.0.0.1', port },
        store: { path: path.join(dir, 'callbacks.db') },
        log: { level: 'warn' },
        auth: { clients: [{ id: 'load', key: KEY }] },
        services: [
          {
            name: 'crash',
            template: 'user-terminated-immediate',
            options: { _max_number_of_attempts: 8, _rate_limit_per_number: 1000, _retry: { busy: 1, failed: 1 } },
          },
        ],
        dialer: { kind: 'simulated', simulated: { delayMs: 250, journalPath: journal, rules: [{ pattern: '7$', outcomes: ['BUSY', 'CONNECTED_TO_AGENT'] }] } },
        // the simulated dialer needs no SIP servers; with telephony on, each start would take the AMD port 8090
        // (EADDRINUSE when another run on the machine has it) and register with a drachtio-server running here
        telephony: { enabled: false },
      }),
    );
  });

  after(() => {
    proc?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startService(): Promise<void> {
    proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, CONFIG_FILE: path.join(dir, 'config.json') },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // tsx compiles the sources at each start: allow a busy machine a minute
    for (let i = 0; i < 1200; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
      } catch {
        /* not up yet */
      }
      await sleep(50);
    }
    throw new Error('service did not start');
  }

  /** each kill -9: when it was sent and when the process was seen gone (it may still journal a start in between) */
  const kills: Array<{ sent: number; gone: number }> = [];
  async function kill(): Promise<void> {
    const p = proc!;
    const exited = new Promise((r) => p.once('exit', r));
    const sent = Date.now();
    p.kill('SIGKILL');
    await exited;
    kills.push({ sent, gone: Date.now() });
  }

  let n = 0;
  async function load(accepted: string[], ms: number): Promise<void> {
    const until = Date.now() + ms;
    const worker = async () => {
      while (Date.now() < until) {
        const number = `+1415555${String(1000 + (n++ % 9000)).padStart(4, '0')}`;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/genesys/1/service/callback/crash`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': KEY },
            body: JSON.stringify({ _customer_number: number, _callback_reason: 'crash-test' }),
          });
          if (res.status === 200) accepted.push(((await res.json()) as { _id: string })._id);
        } catch {
          return; // the process died under us: that request was never acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }

  it('loses no accepted callback and never dials one twice at once', async () => {
    const accepted: string[] = [];
    for (let round = 0; round < 3; round++) {
      await startService();
      // the load runs until the process dies under it; the kill comes once this round has had 20 or more
      // accepts (a slow, shared machine accepts fewer per second), then a little later each round
      const before = accepted.length;
      const loading = load(accepted, 120_000);
      for (let i = 0; i < 600 && accepted.length - before < 20; i++) await sleep(50);
      await sleep(100 + round * 200);
      await kill(); // mid-load, mid-attempts
      await loading;
    }
    await startService();
    const unique = [...new Set(accepted)];
    assert.ok(unique.length > 50, `load produced ${unique.length} accepted callbacks`);

    // every acknowledged callback exists and completes
    const pending = new Set(unique);
    for (let i = 0; i < 300 && pending.size; i++) {
      for (const id of [...pending]) {
        const r = await fetch(`http://127.0.0.1:${port}/genesys/1/service/callback/crash/${id}`, { headers: { 'x-api-key': KEY } });
        assert.equal(r.status, 200, `accepted callback ${id} is missing after the crashes`);
        const c = (await r.json()) as { _callback_state: string; _callback_reason: string };
        if (c._callback_state === 'COMPLETED') {
          assert.equal(c._callback_reason, 'CONNECTED_TO_AGENT', `${id}`);
          pending.delete(id);
        }
      }
      if (pending.size) await sleep(250);
    }
    assert.equal(pending.size, 0, `${pending.size} callbacks did not complete`);

    // the dialer's journal: per callback, a new attempt starts only after the previous one ended or its process was killed
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; ev: string; callbackId: string; pid: number });
    const open = new Map<string, { t: number; pid: number }>();
    let interrupted = 0;
    for (const l of lines) {
      if (l.ev === 'start') {
        const prev = open.get(l.callbackId);
        if (prev) {
          assert.notEqual(prev.pid, l.pid, `callback ${l.callbackId} dialed twice at once by process ${l.pid}`);
          assert.ok(kills.some((k) => k.gone >= prev.t && k.sent <= l.t), `callback ${l.callbackId} re-dialed with no crash in between`);
          interrupted++;
        }
        open.set(l.callbackId, { t: l.t, pid: l.pid });
      } else open.delete(l.callbackId);
    }
    assert.ok(interrupted > 0, 'the kills interrupted at least one attempt (recovery was exercised)');
    console.log(`      ${unique.length} callbacks accepted across ${kills.length} kill -9s; ${interrupted} attempts interrupted and recovered`);
    const connected = new Set(lines.filter((l) => l.ev === 'end').map((l) => l.callbackId));
    for (const id of unique) assert.ok(connected.has(id), `${id} never reached its final attempt`);
  });
});
