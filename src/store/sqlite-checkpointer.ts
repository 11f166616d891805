import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the request path: the main connection never checkpoints (wal_autocheckpoint=0);
 * this worker thread, with its own connection, runs a PASSIVE checkpoint every `intervalMs`, and a
 * TRUNCATE one when the WAL has grown past `maxWalBytes`. Writers are never blocked by a passive
 * checkpoint, and the checkpoint's fsyncs happen on the other core.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 2000');
const tick = () => {
  try {
    let size = 0;
    try { size = fs.statSync(workerData.path + '-wal').size; } catch {}
    db.pragma(size > workerData.maxWalBytes ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'close') { clearInterval(timer); tick(); db.close(); process.exit(0); } });
`;

export class SqliteCheckpointer {
  private readonly worker: Worker;

  constructor(path: string, opts: { intervalMs?: number; maxWalBytes?: number; onError?: (message: string) => void } = {}) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: require.resolve('better-sqlite3'), intervalMs: opts.intervalMs ?? 500, maxWalBytes: opts.maxWalBytes ?? 64 * 1024 * 1024 },
    });
    this.worker.on('message', (m: { error?: string }) => m.error && opts.onError?.(m.error));
    this.worker.unref();
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}
