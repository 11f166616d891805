import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

const SIPJS_DIR = path.dirname(require.resolve('sip.js/package.json')) + '/lib';
const UPLOT_DIST = path.dirname(require.resolve('uplot/package.json')) + '/dist';
/** libphonenumber-js's browser bundle (UMD: `window.libphonenumber`), for the agent page's number formatting */
const LIBPHONENUMBER = path.join(path.dirname(require.resolve('libphonenumber-js/package.json')), 'bundle', 'libphonenumber-min.js');
/** the two files of uPlot the supervisor page loads (its time-series chart) */
const UPLOT_FILES: Record<string, string> = { 'uPlot.iife.min.js': 'text/javascript; charset=utf-8', 'uPlot.min.css': 'text/css; charset=utf-8' };

/**
 * sip.js for the agent page, served as the ES modules it ships (browsers load them natively; no bundler).
 * Only .js files inside sip.js's lib/ directory are served. uPlot (the supervisor's chart): its script and CSS.
 * libphonenumber-js (the agent page shows numbers as people write them): its browser bundle.
 */
/** no dependencies: the files ship with the service */
export const vendorRoutes = (): FastifyPluginAsync => async (app) => {
  app.get('/vendor/sip.js/*', { schema: { hide: true } }, async (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const file = path.resolve(SIPJS_DIR, rel);
    if (!file.startsWith(SIPJS_DIR + path.sep) || !file.endsWith('.js') || !fs.existsSync(file)) {
      return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'no such module' });
    }
    void reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return fs.readFileSync(file, 'utf8');
  });

  app.get('/vendor/libphonenumber/libphonenumber-min.js', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return fs.readFileSync(LIBPHONENUMBER, 'utf8');
  });

  app.get('/vendor/uplot/:file', { schema: { hide: true } }, async (req, reply) => {
    const name = (req.params as { file: string }).file;
    const type = UPLOT_FILES[name];
    if (!type) return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: 'no such file' });
    void reply.header('content-type', type).header('cache-control', 'public, max-age=3600');
    return fs.readFileSync(path.join(UPLOT_DIST, name), 'utf8');
  });
};
