import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The limit for the PostgreSQL store on this machine: a bare Fastify route that only inserts the same row
 * (callbacks + one event, in one transaction) into PostgreSQL over a `pg` pool, no validation, no logic.
 * Tables in the schema given (created here), as the app's own.
 */
const [url, schema, port] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4])];

async function main() {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await setup.query(`SET search_path TO ${schema}`);
  await setup.query(`CREATE TABLE IF NOT EXISTS callbacks (id TEXT PRIMARY KEY, service_name TEXT, customer_number TEXT, state TEXT, reason TEXT,
    request_reason TEXT, direction TEXT, target TEXT, desired_time BIGINT, accepted_at BIGINT, service_start BIGINT, expiration_time BIGINT,
    next_attempt_at BIGINT, attempts INTEGER, originating_interaction_id TEXT, client_id TEXT, user_data TEXT, overrides TEXT, updated_at BIGINT);
    CREATE INDEX IF NOT EXISTS callbacks_due ON callbacks (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS events (seq BIGSERIAL PRIMARY KEY, callback_id TEXT, service_name TEXT, at BIGINT, type TEXT, state TEXT, reason TEXT, data TEXT);`);
  await setup.end();
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
  const app = Fastify();
  app.post('/insert', async (req) => {
    const body = req.body as { _customer_number: string };
    const id = randomUUID().replace(/-/g, '');
    const now = Date.now();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO callbacks VALUES ($1, 'bench', $2, 'QUEUED', NULL, NULL, 'USERTERMINATED', 'default', NULL, $3, $3, $4, $3, 0, NULL, 'bench', '{}', '{}', $3)`,
        [id, body._customer_number, now, now + 86_400_000],
      );
      await client.query(`INSERT INTO events (callback_id, service_name, at, type, state, reason, data) VALUES ($1, 'bench', $2, 'CREATED', 'QUEUED', NULL, '{}')`, [id, now]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return { _id: id };
  });
  await app.listen({ host: '127.0.0.1', port });
  process.send?.('ready');
}

void main();
