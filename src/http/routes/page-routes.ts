import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/** repo-root public/: the same two levels up from src/http/routes and from dist/http/routes */
const PUBLIC_DIR = path.resolve(__dirname, '..', '..', '..', 'public');

/**
 * The pages: /supervisor (asks for an API key and calls the REST API with it) and /agent (the agent's
 * softphone: signs in with the agent's credentials). Public; what they call is not.
 */
export const pageRoutes: FastifyPluginAsync = async (app) => {
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
