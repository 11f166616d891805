import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';

/**
 * The limit for this design on this machine: a bare Fastify route that only inserts the same row
 * (callbacks + one event) into SQLite (WAL, synchronous=NORMAL), no validation, no logic.
 */
const [dbPath, port] = [process.argv[2], Number(process.argv[3])];
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS callbacks (id TEXT PRIMARY KEY, service_name TEXT, customer_number TEXT, state TEXT, reason TEXT,
  request_reason TEXT, direction TEXT, target TEXT, desired_time INTEGER, accepted_at INTEGER, service_start INTEGER, expiration_time INTEGER,
  next_attempt_at INTEGER, attempts INTEGER, originating_interaction_id TEXT, client_id TEXT, user_data TEXT, overrides TEXT, updated_at INTEGER);
  CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, callback_id TEXT, service_name TEXT, at INTEGER, type TEXT, state TEXT, reason TEXT, data TEXT);`);
const insert = db.prepare(`INSERT INTO callbacks VALUES (?, 'bench', ?, 'QUEUED', NULL, NULL, 'USERTERMINATED', 'default', NULL, ?, ?, ?, ?, 0, NULL, 'bench', '{}', '{}', ?)`);
const event = db.prepare(`INSERT INTO events (callback_id, service_name, at, type, state, reason, data) VALUES (?, 'bench', ?, 'CREATED', 'QUEUED', NULL, '{}')`);
const tx = db.transaction((id: string, number: string, now: number) => {
  insert.run(id, number, now, now, now + 86_400_000, now, now);
  event.run(id, now);
});
const app = Fastify();
app.post('/insert', async (req) => {
  const body = req.body as { _customer_number: string };
  const id = randomUUID().replace(/-/g, '');
  tx(id, body._customer_number, Date.now());
  return { _id: id };
});
app.listen({ host: '127.0.0.1', port }).then(() => process.send?.('ready'));
