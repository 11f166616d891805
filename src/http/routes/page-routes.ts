import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/** repo-root public/: the same two levels up from src/http/routes and from dist/http/routes */
const PUBLIC_DIR = path.resolve(__dirname, '..', '..', '..', 'public');

/** The supervisor's page. Public: it asks for an API key and calls the REST API with it. */
export const pageRoutes: FastifyPluginAsync = async (app) => {
  const supervisor = fs.readFileSync(path.join(PUBLIC_DIR, 'supervisor.html'), 'utf8');
  app.get('/supervisor', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'");
    return supervisor;
  });
};
