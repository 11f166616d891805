import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/** repo-root public/: the same two levels up from src/http/routes and from dist/http/routes */
const PUBLIC_DIR = path.resolve(__dirname, '..', '..', '..', 'public');

/**
 * The pages: /supervisor (asks for an API key and calls the REST API with it), /agent (the agent's
 * softphone: signs in with the agent's credentials) and /admin (services; an admin API key). Public; what
 * they call is not.
 */
/** no page has an inline script or style: the CSP of every answer (src/http/security-headers.ts) allows none */

/** the pages' own scripts and style sheets (public/assets/), served by name */
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const ASSETS: Record<string, string> = {
  'admin.js': JS,
  'admin-keys.js': JS,
  'admin.css': CSS,
  'agent.js': JS,
  'agent-format.js': JS,
  'agent-quality.js': JS,
  'agent-wrapup.js': JS,
  'agent-history.js': JS,
  'agent-ring.js': JS,
  'agent-transfer.js': JS,
  'agent.css': CSS,
  'supervisor.js': JS,
  'supervisor-calls.js': JS,
  'supervisor.css': CSS,
};

/** no dependencies: the files ship with the service */
export const pageRoutes = (): FastifyPluginAsync => async (app) => {
  // /admin: the services admin page (admin API key); scripts and styles in files only, none inline
  const adminHtml = fs.readFileSync(path.join(PUBLIC_DIR, 'admin.html'), 'utf8');
  app.get('/admin', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('content-type', 'text/html; charset=utf-8');
    return adminHtml;
  });
  const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: fs.readFileSync(path.join(PUBLIC_DIR, 'assets', name)) }]));
  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (req, reply) => {
    const asset = assets.get(req.params.file);
    if (!asset) return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no asset "${req.params.file}"` });
    void reply.header('content-type', asset.type).header('cache-control', 'no-cache');
    return asset.body;
  });

  for (const [route, file] of [['/supervisor', 'supervisor.html'], ['/agent', 'agent.html']] as const) {
    const html = fs.readFileSync(path.join(PUBLIC_DIR, file), 'utf8');
    app.get(route, { schema: { hide: true } }, async (_req, reply) => {
      void reply.header('content-type', 'text/html; charset=utf-8');
      return html;
    });
  }
};
