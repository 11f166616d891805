import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fs from 'node:fs';
import YAML from 'yaml';
import { RETRYABLE_OUTCOMES } from '../callback/service-options';
import { ApiScopeSchema } from '../security/scopes';
import { messageOf } from '../errors';

/**
 * The service's configuration: one YAML or JSON file (CONFIG_FILE, default config/default.yaml) for
 * services, targets, agents, telephony; environment variables for connection settings and secrets.
 * Validated at start; every error names the bad key.
 */
const Outcome = Type.Union([Type.Literal('CONNECTED_TO_AGENT'), ...RETRYABLE_OUTCOMES.map((o) => Type.Literal(o))]);

const Limits = Type.Object(
  {
    /** failures in a row answered at once */
    freeFailures: Type.Integer({ minimum: 0 }),
    /** the wait after the first failure past them, doubled with each further one up to maxDelaySec */
    baseDelaySec: Type.Number({ minimum: 0 }),
    maxDelaySec: Type.Number({ minimum: 0 }),
    /** failures in a row that lock the account (or the source) for lockoutSec (doubled at each further lockout) */
    lockoutAfter: Type.Integer({ minimum: 1 }),
    lockoutSec: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const AppConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        /** how clients reach this service (links in push notifications); default http://localhost:<port> */
        publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        /** reverse proxies (addresses or CIDR) whose X-Forwarded-For / -Proto are believed; nobody else's are */
        trustProxy: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        /** serve HTTPS with this certificate and key (PEM); a renewed pair is taken without a restart */
        tls: Type.Optional(
          Type.Object(
            {
              certFile: Type.String({ minLength: 1 }),
              keyFile: Type.String({ minLength: 1 }),
              reloadCheckSec: Type.Number({ minimum: 0.1, default: 10 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    store: Type.Object(
      {
        kind: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], { default: 'sqlite' }),
        /** sqlite: the database file */
        path: Type.String({ minLength: 1, default: './data/callbacks.db' }),
        synchronous: Type.Union([Type.Literal('NORMAL'), Type.Literal('FULL')], { default: 'NORMAL' }),
        /** postgres: the connection string (postgres://user:password@host:5432/db); DATABASE_URL overrides it */
        url: Type.Optional(Type.String({ minLength: 1 })),
        /** postgres: a schema of its own (created if absent) instead of the connection's default (public) */
        schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
        /** postgres: connections in the pool */
        poolSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
        /** customers' numbers in logs by their last four digits only; false shows them whole (debugging a trunk) */
        maskNumbers: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    auth: Type.Object(
      {
        /** API clients: `key` is sent as `X-API-Key` or as the basic-auth password with `id` as user */
        clients: Type.Array(
          Type.Object(
            {
              id: Type.String({ minLength: 1 }),
              key: Type.String({ minLength: 8 }),
              admin: Type.Boolean({ default: false }),
              /** what the key may do; default: every scope for an admin client, every scope but admin for another */
              scopes: Type.Optional(Type.Array(ApiScopeSchema, { minItems: 1 })),
            },
            { additionalProperties: false },
          ),
          { default: [] },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** customers' data: how long numbers and user data are kept (src/privacy/customer-data.ts) */
    retention: Type.Object(
      {
        days: Type.Optional(Type.Integer({ minimum: 1 })),
        mode: Type.Union([Type.Literal('anonymise'), Type.Literal('purge')], { default: 'anonymise' }),
        checkEveryMin: Type.Number({ minimum: 1, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** how wrong secrets are throttled (agent sign-in, API keys, SIP REGISTER): src/security/sign-in-throttle.ts */
    security: Type.Object(
      {
        throttle: Type.Object(
          {
            account: Type.Optional(Limits),
            source: Type.Optional(Limits),
            /** a key quiet this long starts over */
            forgetAfterSec: Type.Integer({ minimum: 1, default: 3600 }),
          },
          { additionalProperties: false, default: {} },
        ),
        /** how long an agent page's sign-in lasts */
        agentSessionHours: Type.Number({ minimum: 0.01, maximum: 24 * 7, default: 12 }),
      },
      { additionalProperties: false, default: {} },
    ),
    services: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          template: Type.String({ minLength: 1 }),
          options: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    scheduler: Type.Object(
      {
        maxConcurrentAttempts: Type.Integer({ minimum: 1, default: 200 }),
        holdRetryMs: Type.Integer({ minimum: 10, default: 1000 }),
        /**
         * this instance's name on the leases of the callbacks it dials (default: the host name; INSTANCE_NAME). A
         * restarted instance of the same name on the same host takes over its dead predecessor's attempts at once;
         * the others wait for their leases to expire
         */
        instanceName: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^:]+$' })),
      },
      { additionalProperties: false, default: {} },
    ),
    /** the queue's history for the supervisor's chart */
    history: Type.Object(
      {
        sampleSec: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
        retainHours: Type.Integer({ minimum: 1, maximum: 24 * 90, default: 48 }),
      },
      { additionalProperties: false, default: {} },
    ),
    dialer: Type.Object(
      {
        /** telephony: calls through drachtio + FreeSWITCH; simulated: no calls (tests, demos) */
        kind: Type.Union([Type.Literal('telephony'), Type.Literal('simulated')], { default: 'telephony' }),
        simulated: Type.Object(
          {
            delayMs: Type.Integer({ minimum: 0, default: 2000 }),
            /** > 0: an answered customer waits for an agent of the queue, who is reserved and "talks" this long (demo) */
            agentTalkMs: Type.Optional(Type.Integer({ minimum: 0 })),
            agentWaitMs: Type.Optional(Type.Integer({ minimum: 1000 })),
            defaultOutcome: Type.Optional(Outcome),
            rules: Type.Array(Type.Object({ pattern: Type.String(), outcomes: Type.Array(Outcome) }, { additionalProperties: false }), { default: [] }),
            journalPath: Type.Optional(Type.String()),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** the agent page's softphone: where sip.js registers (drachtio-server's SIP over WebSocket listener) */
    softphone: Type.Object(
      {
        wsUrl: Type.String({ pattern: '^wss?://', default: 'wss://localhost:8443' }),
        domain: Type.String({ minLength: 1, default: 'localhost' }),
        /** STUN/TURN servers for the browser's WebRTC (RTCIceServer); none by default (docs/webrtc.md) */
        iceServers: Type.Optional(
          Type.Array(
            Type.Object(
              { urls: Type.Union([Type.String(), Type.Array(Type.String())]), username: Type.Optional(Type.String()), credential: Type.Optional(Type.String()) },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** supervisors who listen in on agents' calls from the supervisor page's softphone (listen, whisper, barge) */
    supervision: Type.Object(
      {
        /** the agent's page shows that a supervisor is on the call (off: supervisors listen unseen) */
        tellAgent: Type.Boolean({ default: false }),
        /** their softphones register with these ids and passwords (SIP digest); ids must not be agents' */
        supervisors: Type.Array(
          Type.Object({ id: Type.String({ minLength: 1 }), name: Type.Optional(Type.String()), password: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
          { default: [] },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    /** validated by the queue module */
    targets: Type.Array(Type.Unknown(), { default: [] }),
    agents: Type.Array(Type.Unknown(), { default: [] }),
    /** validated by the telephony module */
    telephony: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false },
);

export type AppConfig = Static<typeof AppConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** '/services/0/name' -> 'services[0].name' */
export const keyPath = (pointer: string): string =>
  pointer
    .split('/')
    .filter(Boolean)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');

export function parseAppConfig(input: unknown, source: string): AppConfig {
  const withDefaults = Value.Default(AppConfigSchema, Value.Clone(input ?? {}));
  if (!Value.Check(AppConfigSchema, withDefaults)) {
    const errors = [...Value.Errors(AppConfigSchema, withDefaults)].slice(0, 5);
    const lines = errors.map((e) => {
      const key = keyPath(e.path) || '(top level)';
      if (e.schema && e.path && e.message.startsWith('Unexpected property')) return `${key}: unknown key`;
      return `${key}: ${e.message.toLowerCase()}`;
    });
    throw new ConfigError(`invalid configuration in ${source}:\n  ${[...new Set(lines)].join('\n  ')}`);
  }
  return withDefaults;
}

/** read the file, apply environment overrides, validate */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): { config: AppConfig; source: string } {
  const file = env.CONFIG_FILE ?? 'config/default.yaml';
  let raw: unknown = {};
  if (fs.existsSync(file)) {
    const text = fs.readFileSync(file, 'utf8');
    try {
      raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
    } catch (err) {
      throw new ConfigError(`cannot parse ${file}: ${messageOf(err)}`);
    }
  } else if (env.CONFIG_FILE) {
    throw new ConfigError(`CONFIG_FILE=${file}: no such file`);
  }
  const config = parseAppConfig(raw, file);
  if (env.HOST) config.server.host = env.HOST;
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT: "${env.PORT}" is not a TCP port`);
    config.server.port = port;
  }
  if (env.PUBLIC_URL) config.server.publicUrl = env.PUBLIC_URL;
  if (env.TLS_CERT_FILE || env.TLS_KEY_FILE) {
    if (!env.TLS_CERT_FILE || !env.TLS_KEY_FILE) throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE: set both (PEM files) or neither');
    config.server.tls = { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, reloadCheckSec: config.server.tls?.reloadCheckSec ?? 10 };
  }
  if (env.TRUST_PROXY) config.server.trustProxy = env.TRUST_PROXY.split(',').map((s) => s.trim()).filter(Boolean);
  if (env.DB_PATH) config.store.path = env.DB_PATH;
  if (env.STORE_KIND === 'sqlite' || env.STORE_KIND === 'postgres') config.store.kind = env.STORE_KIND;
  else if (env.STORE_KIND) throw new ConfigError(`STORE_KIND: "${env.STORE_KIND}" is not sqlite or postgres`);
  if (env.DATABASE_URL) config.store.url = env.DATABASE_URL;
  if (config.store.kind === 'postgres' && !config.store.url) throw new ConfigError('store.url: store.kind postgres needs a connection string (set DATABASE_URL)');
  if (env.INSTANCE_NAME) config.scheduler.instanceName = env.INSTANCE_NAME;
  if (env.LOG_LEVEL) config.log.level = env.LOG_LEVEL as AppConfig['log']['level'];
  if (env.DIALER === 'simulated' || env.DIALER === 'telephony') config.dialer.kind = env.DIALER;
  if (env.API_KEY) config.auth.clients.push({ id: env.API_CLIENT_ID ?? 'default', key: env.API_KEY, admin: false });
  if (env.ADMIN_API_KEY) config.auth.clients.push({ id: 'admin', key: env.ADMIN_API_KEY, admin: true });
  if (env.SOFTPHONE_WS_URL) {
    if (!/^wss?:\/\//.test(env.SOFTPHONE_WS_URL)) throw new ConfigError(`SOFTPHONE_WS_URL: "${env.SOFTPHONE_WS_URL}" is not a ws:// or wss:// URL`);
    config.softphone.wsUrl = env.SOFTPHONE_WS_URL;
  }
  return { config, source: file };
}
