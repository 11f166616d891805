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
/** a page with no inline script or style: everything it runs or shows comes from files of this origin */
const STRICT_CSP = "default-src 'self'; connect-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** the pages' own scripts and style sheets (public/assets/), served by name */
const ASSETS: Record<string, string> = { 'admin.js': 'text/javascript; charset=utf-8', 'admin.css': 'text/css; charset=utf-8' };

export const pageRoutes: FastifyPluginAsync = async (app) => {
  // /admin: the services admin page (admin API key); scripts and styles in files only, none inline
  const adminHtml = fs.readFileSync(path.join(PUBLIC_DIR, 'admin.html'), 'utf8');
  app.get('/admin', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', STRICT_CSP);
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
      void reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob:; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'");
      return html;
    });
  }
};
