import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

const SWAGGER_UI_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * Headers on every answer (@fastify/helmet): a CSP without 'unsafe-inline' (the pages load their scripts
 * and styles from files), no framing (`frame-ancestors 'none'`, X-Frame-Options DENY), no referrer,
 * `X-Content-Type-Options: nosniff`; HSTS only when the service itself speaks HTTPS.
 */
export async function installSecurityHeaders(app: FastifyInstance, opts: { https: boolean }): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // the API docs' bundle (swagger-ui) injects one <style>: its hash is allowed on /docs only (test/browser/csp.test.ts)
        styleSrc: ["'self'", (req) => ((req as { url?: string }).url?.startsWith('/docs') ? SWAGGER_UI_STYLE : "'self'")],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // the agent page's softphone talks SIP over WebSocket to drachtio-server, wherever softphone.wsUrl says
        connectSrc: ["'self'", 'ws:', 'wss:'],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: opts.https ? { maxAge: 180 * 86400, includeSubDomains: false } : false,
    // the pages call no other origin, and sip.js's WebSocket is not subject to COEP/CORP
    crossOriginEmbedderPolicy: false,
  });
}
