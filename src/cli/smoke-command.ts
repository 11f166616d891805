import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from './io';

/**
 * `cbsvc smoke URL`: checks a running install from outside, the way a deployer would, and says in words what
 * is wrong: the REST API answers and takes the key; the app is connected to drachtio-server and FreeSWITCH;
 * the prompts are installed; no deployment warning (e.g. a private media address for a public trunk); and,
 * when SIPp is installed and a DID is given, one call to the DID that hears the IVR's greeting and hangs up.
 */

export type Outcome = 'ok' | 'fail' | 'skip';

export interface SmokeCheck {
  name: string;
  outcome: Outcome;
  message: string;
}

interface Dependency {
  state: string;
  detail?: string;
}

export interface HealthBody {
  status?: string;
  dependencies?: Record<string, Dependency>;
  warnings?: string[];
}

/** the checks that follow from /health's answer (pure) */
export function healthChecks(h: HealthBody): SmokeCheck[] {
  const deps = h.dependencies ?? {};
  const checks: SmokeCheck[] = [];
  const store = deps.store;
  checks.push(
    store?.state === 'up'
      ? { name: 'database', outcome: 'ok', message: `up (${store.detail ?? 'store'})` }
      : { name: 'database', outcome: 'fail', message: `the service's database is down${store?.detail ? ` (${store.detail})` : ''}: check DB_PATH and the disk of its volume` },
  );
  if (!deps.drachtio && !deps.freeswitch) {
    checks.push({ name: 'telephony', outcome: 'fail', message: 'telephony is off in this install (telephony.enabled: false): it takes no calls and dials none' });
    return [...checks, ...warningChecks(h)];
  }
  const drachtio = deps.drachtio;
  checks.push(
    drachtio?.state === 'up'
      ? { name: 'drachtio-server', outcome: 'ok', message: `connected (${drachtio.detail ?? ''})`.replace(' ()', '') }
      : {
          name: 'drachtio-server',
          outcome: 'fail',
          message:
            `the service is not connected to drachtio-server${drachtio?.detail ? ` (${drachtio.detail})` : ''}: ` +
            'check that drachtio-server runs and that DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET match it',
        },
  );
  const fsw = deps.freeswitch;
  checks.push(
    fsw?.state === 'up'
      ? { name: 'FreeSWITCH', outcome: 'ok', message: `connected (${fsw.detail ?? ''})`.replace(' ()', '') }
      : {
          name: 'FreeSWITCH',
          outcome: 'fail',
          message:
            `the service is not connected to FreeSWITCH${fsw?.detail ? ` (${fsw.detail})` : ''}: check that FreeSWITCH runs with freeswitch-conf/, ` +
            'that its event socket answers at FREESWITCH_HOST:FREESWITCH_PORT with FREESWITCH_SECRET, and that its drachtio_mrf profile is RUNNING',
        },
  );
  const prompts = deps.prompts;
  if (!prompts) checks.push({ name: 'prompts', outcome: 'skip', message: 'this version of the service does not report its prompts' });
  else if (prompts.state === 'up') checks.push({ name: 'prompts', outcome: 'ok', message: prompts.detail ?? 'installed' });
  else checks.push({ name: 'prompts', outcome: 'fail', message: `callers would hear silence: ${prompts.detail ?? 'prompt files missing'}` });
  return [...checks, ...warningChecks(h)];
}

function warningChecks(h: HealthBody): SmokeCheck[] {
  return (h.warnings ?? []).map((w) => ({ name: 'deployment', outcome: 'fail' as const, message: w }));
}

/** a network error as a deployer reads it */
function reachMessage(url: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err instanceof Error ? err.message : String(err));
  const hint =
    code === 'ECONNREFUSED'
      ? 'nothing listens there: is the service running, on that port?'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'that host name does not resolve'
        : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || /timeout/i.test(code)
          ? 'no answer: a firewall may be dropping the REST port'
          : 'check the URL, that the service runs and that its port is open';
  return `cannot reach ${url} (${code}): ${hint}`;
}

async function getJson(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

// ---------------------------------------------------------------- the test call

export interface CallOptions {
  did: string;
  /** host:port SIPp sends the INVITE to (drachtio-server's SIP contact) */
  sipTarget: string;
  /** the address SIPp and the RTP socket use; FreeSWITCH must be able to send RTP to it */
  localIp: string;
  listenMs: number;
  timeoutSec: number;
}

/** μ-law byte -> magnitude of the linear sample */
function ulawMagnitude(b: number): number {
  const u = ~b & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  return (((mantissa << 3) + 0x84) << exponent) - 0x84;
}

/** an RTP packet of PCMU with sound in it (not the near-silence of comfort noise or an idle stream) */
export function isVoicedPcmu(packet: Buffer): boolean {
  if (packet.length <= 12 || (packet[1]! & 0x7f) !== 0) return false;
  const csrc = packet[0]! & 0x0f;
  const payload = packet.subarray(12 + 4 * csrc);
  if (payload.length === 0) return false;
  let sum = 0;
  for (const b of payload) sum += ulawMagnitude(b);
  return sum / payload.length > 200;
}

const freeUdpPort = (ip: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, ip, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** the local address packets to `host` leave from */
export function localAddressFor(host: string): Promise<string> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve('127.0.0.1');
    });
    s.connect(9, host, () => {
      const { address } = s.address();
      s.close();
      resolve(address);
    });
  });
}

export const SMOKE_SCENARIO = path.resolve(__dirname, '../../sip/smoke-call.xml');

export const hasSipp = (): boolean => spawnSync('sipp', ['-v'], { stdio: 'ignore' }).status !== null;

/** one call to the DID: answered, the greeting heard (voiced RTP to our socket), hung up by us */
export async function testCall(o: CallOptions): Promise<SmokeCheck> {
  const rtp = dgram.createSocket('udp4');
  let packets = 0;
  let voiced = 0;
  rtp.on('message', (m) => {
    packets++;
    if (isVoicedPcmu(m)) voiced++;
  });
  await new Promise<void>((resolve, reject) => {
    rtp.once('error', reject);
    rtp.bind(0, o.localIp, () => resolve());
  });
  const rtpPort = rtp.address().port;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-smoke-'));
  const errorFile = path.join(logDir, 'errors.log');
  try {
    const [sipPort, sippMediaPort] = [await freeUdpPort(o.localIp), await freeUdpPort(o.localIp)];
    const args = [
      '-sf', SMOKE_SCENARIO, '-i', o.localIp, '-p', String(sipPort), '-mi', o.localIp, '-mp', String(sippMediaPort),
      '-s', o.did, '-key', 'caller', 'smoke', '-key', 'rtp_ip', o.localIp, '-key', 'rtp_port', String(rtpPort),
      '-d', String(o.listenMs), '-m', '1', '-timeout', `${o.timeoutSec}s`, '-timeout_error', '-trace_err', '-error_file', errorFile, '-nostdin',
      o.sipTarget,
    ];
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn('sipp', args, { cwd: path.dirname(SMOKE_SCENARIO), stdio: 'ignore' });
      p.on('error', () => resolve(null));
      p.on('close', (c) => resolve(c));
    });
    const errors = fs.existsSync(errorFile) ? fs.readFileSync(errorFile, 'utf8') : '';
    if (code !== 0) {
      const received = /received '([^']*)'/.exec(errors)?.[1] ?? /(SIP\/2\.0 \d{3}[^\r\n]*)/.exec(errors)?.[1];
      const why = received
        ? `the call was refused: ${received.trim().split(/\r?\n/)[0]!.trim()} (is ${o.did} in telephony.dids?)`
        : /timed? ?out/i.test(errors) || code === null
          ? `no answer from ${o.sipTarget} within ${o.timeoutSec} s: is SIP (UDP ${o.sipTarget.split(':')[1] ?? '5060'}) open to this machine?`
          : `SIPp ended with code ${code}${errors ? `: ${errors.trim().split('\n').slice(-2).join(' ')}` : ''}`;
      return { name: 'test call', outcome: 'fail', message: `call to ${o.did} at ${o.sipTarget}: ${why}` };
    }
    const seconds = (voiced * 0.02).toFixed(1);
    if (voiced < 25) {
      return {
        name: 'test call',
        outcome: 'fail',
        message:
          `the call to ${o.did} was answered, but no greeting was heard: ${packets} RTP packets reached ${o.localIp}:${rtpPort}, ${voiced} with sound. ` +
          (packets === 0
            ? `FreeSWITCH sends audio to the address in the caller's SDP: check that the RTP port range is open (UDP in and out) and that this machine can receive from it, or run the smoke check on the server itself`
            : 'the prompts may be silent or missing (scripts/install-prompts.sh)'),
      };
    }
    return { name: 'test call', outcome: 'ok', message: `${o.did} answered; heard ${seconds} s of the IVR's audio in ${(o.listenMs / 1000).toFixed(0)} s, then hung up` };
  } finally {
    rtp.close();
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the command

const HELP = `usage: cbsvc smoke URL [--key API_KEY] [--did NUMBER] [--sip HOST:PORT] [--local-ip IP] [--listen-sec N]

Checks a running install from outside and says what is wrong:
  the REST API at URL answers and accepts the API key (--key, else $API_KEY);
  the service is connected to drachtio-server and FreeSWITCH, its prompts are installed,
  and /health has no deployment warning;
  with SIPp installed and --did: one call to the DID (sent to --sip, default URL's host:5060) that
  must be answered and play audio (the greeting) within --listen-sec (default 6), then hangs up.
  --local-ip: the address SIPp and the RTP socket use (default: the one that routes to the SIP host).
Exit code 0 when every check passed, 1 otherwise.
`;

export async function runSmoke(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        did: { type: 'string' },
        sip: { type: 'string' },
        'local-ip': { type: 'string' },
        'listen-sec': { type: 'string' },
        'timeout-sec': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err.write(`cbsvc smoke: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out.write(HELP);
    return 0;
  }
  const raw = positionals[0];
  if (!raw) {
    io.err.write(`cbsvc smoke: which install? give its URL, e.g. http://203.0.113.10:8080\n${HELP}`);
    return 2;
  }
  const base = raw.replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(base).hostname;
  } catch {
    io.err.write(`cbsvc smoke: "${raw}" is not a URL (e.g. http://203.0.113.10:8080)\n`);
    return 2;
  }
  const timeoutMs = Number(values['timeout-sec'] ?? 10) * 1000;
  const checks: SmokeCheck[] = [];
  const report = (c: SmokeCheck): void => {
    checks.push(c);
    io.out.write(`${c.outcome === 'ok' ? '  ok  ' : c.outcome === 'fail' ? ' FAIL ' : ' skip '} ${c.name}: ${c.message}\n`);
  };
  io.out.write(`smoke check of ${base}\n`);

  // 1. the REST API answers
  let health: HealthBody | undefined;
  try {
    const h = await getJson(`${base}/health`, {}, timeoutMs);
    if (typeof h.body !== 'object' || h.body === null || !('dependencies' in h.body)) {
      report({ name: 'REST API', outcome: 'fail', message: `${base}/health answered ${h.status} but not like this service: is the URL the callback service's?` });
    } else {
      health = h.body as HealthBody;
      report({ name: 'REST API', outcome: 'ok', message: `${base} answers (health ${h.status}, status ${health.status ?? '?'})` });
    }
  } catch (err) {
    report({ name: 'REST API', outcome: 'fail', message: reachMessage(base, err) });
  }

  // 2. the API key
  const key = values.key ?? process.env.API_KEY;
  if (!health) {
    report({ name: 'API key', outcome: 'skip', message: 'not tried: the REST API does not answer' });
  } else if (!key) {
    report({ name: 'API key', outcome: 'fail', message: 'no API key to try: pass --key KEY (one of auth.clients in the config, or the API_KEY the service runs with)' });
  } else {
    try {
      const r = await getJson(`${base}/api/v1/targets`, { 'x-api-key': key }, timeoutMs);
      if (r.status === 200) report({ name: 'API key', outcome: 'ok', message: 'accepted (GET /api/v1/targets)' });
      else if (r.status === 401 || r.status === 403)
        report({ name: 'API key', outcome: 'fail', message: `the service refused the key (${r.status}): use one of auth.clients' keys in its config, or the API_KEY it runs with` });
      else report({ name: 'API key', outcome: 'fail', message: `GET /api/v1/targets answered ${r.status}` });
    } catch (err) {
      report({ name: 'API key', outcome: 'fail', message: reachMessage(base, err) });
    }
  }

  // 3. what the service reports of its dependencies and its deployment
  for (const c of health ? healthChecks(health) : []) report(c);

  // 4. one call to the DID
  const deps = health?.dependencies ?? {};
  const sipTarget = values.sip ?? `${host}:5060`;
  if (!hasSipp()) report({ name: 'test call', outcome: 'skip', message: 'SIPp is not installed here (apt-get install sip-tester): no test call' });
  else if (!values.did) report({ name: 'test call', outcome: 'skip', message: 'no --did NUMBER given (a number of telephony.dids): no test call' });
  else if (deps.drachtio?.state !== 'up' || deps.freeswitch?.state !== 'up')
    report({ name: 'test call', outcome: 'skip', message: 'not tried while the service is not connected to both drachtio-server and FreeSWITCH' });
  else {
    const localIp = values['local-ip'] ?? (await localAddressFor(sipTarget.split(':')[0] ?? host));
    report(await testCall({ did: values.did, sipTarget, localIp, listenMs: Number(values['listen-sec'] ?? 6) * 1000, timeoutSec: Math.max(20, Number(values['listen-sec'] ?? 6) + 15) }));
  }

  const failed = checks.filter((c) => c.outcome === 'fail').length;
  const ok = checks.filter((c) => c.outcome === 'ok').length;
  const skipped = checks.filter((c) => c.outcome === 'skip').length;
  io.out.write(`${failed === 0 ? 'the install works' : `the install has ${failed} problem${failed > 1 ? 's' : ''}`} (${ok} ok, ${failed} failing, ${skipped} skipped)\n`);
  return failed === 0 ? 0 : 1;
}
