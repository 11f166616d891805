/**
 * npm run soak — mixed SIPp traffic through the real drachtio-server and FreeSWITCH for SOAK_MINUTES
 * (default 10), with the service as its own process (src/main.ts, SQLite, a config file of its own):
 *   - IVR callers at SOAK_CPS calls/s (default 3), SOAK_ACCEPT_SHARE of them (default 0.5) accept the callback
 *     offer by DTMF (1, 1), the others press 2 and wait in the queue for an agent;
 *   - accepted callbacks call the caller back: a SIPp customer that answers as a person; every
 *     SOAK_OTHER_EVERY_SEC (default 4) a callback is also requested over REST for an answering machine, a
 *     busy line or a phone that rings out, in turn (sip/soak-customer.xml tells them apart by number);
 *   - SOAK_AGENTS static agents (default 60) whose URIs all reach one SIPp that answers, talks 10 s and
 *     hangs up (sip/soak-agent.xml).
 * Each minute it prints calls by outcome, unexpected failures, peak FreeSWITCH channels, the app's CPU and
 * RSS and its event-loop lag p99; then totals, the goals (issue 15) and whether each is met.
 * Without the servers (DRACHTIO_*, FREESWITCH_*, SIP_TARGET) it prints one line and exits 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, sleep, spawnApp, waitForServers, writeProcessConfig } from '../test/e2e/app-process';
import { e2eEnv, type E2eEnv } from '../test/e2e/env';
import { eslApi } from '../test/helpers/esl';
import { runSipp, type SippRun } from '../test/e2e/sipp';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CPS = Number(process.env.SOAK_CPS ?? 3);
const ACCEPT_SHARE = Number(process.env.SOAK_ACCEPT_SHARE ?? 0.5);
const OTHER_EVERY_SEC = Number(process.env.SOAK_OTHER_EVERY_SEC ?? 4);
const AGENTS = Number(process.env.SOAK_AGENTS ?? 60);
const WARMUP_MIN = Math.min(2, Math.max(1, Math.floor(MINUTES / 5)));
const SAMPLE_MS = 5000;

const DID = '18005550177';
const SERVICE = 'soak';
const KEY = 'soak-key-0001';
const ADMIN_KEY = 'soak-admin-key-0001';
const TRUNK_PORT = 5090;
const AGENT_PORT = 5091;

const countBy = (xs: string[]): Record<string, number> => xs.reduce<Record<string, number>>((m, x) => ((m[x] = (m[x] ?? 0) + 1), m), {});
const fmt = (m: Record<string, number>) => Object.entries(m).sort().map(([k, v]) => `${k} ${v}`).join(', ') || '-';
const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

/** numbers by what the soak customer does with them (sip/soak-customer.xml): +1202555K... */
const PERSON_FIRST = 12025554000; // K 4..9: a person (12025554000-12025556999 accept, 12025557000- wait)
const KIND_DIGIT = { machine: 1, busy: 2, noanswer: 3 } as const;
type OtherKind = keyof typeof KIND_DIGIT;

function writeInjection(file: string, first: number, count: number): void {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < count; i++) lines.push(`${first + i};`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

function writeConfig(env: E2eEnv, dir: string, port: number): string {
  const agents = Array.from({ length: AGENTS }, (_, i) => {
    const id = `agent${String(i + 1).padStart(3, '0')}`;
    return { id, name: id, targets: ['billing'], uri: `sip:${id}@127.0.0.1:${AGENT_PORT}` };
  });
  return writeProcessConfig(
    env,
    dir,
    port,
    {
      auth: { clients: [{ id: 'soak', key: KEY }, { id: 'admin', key: ADMIN_KEY, admin: true }] },
      services: [{ name: SERVICE, template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 } }],
      targets: [{ name: 'billing', afterCallWorkSec: 1 }],
      agents,
    },
    {
      trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 8 },
      dids: { [DID]: { service: SERVICE, target: 'billing' } },
      services: { [SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup' } },
      ivr: { ewtThresholdSec: -1, maxRetries: 1, inputTimeoutMs: 4000 },
      connect: { mode: 'bridge', agentRingTimeoutSec: 6, maxAgentAttempts: 2, reserveTimeoutSec: 15 },
    },
  );
}

/** the app's own process: CPU seconds and RSS from /proc */
function procStat(pid: number): { cpuSec: number; rssMb: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 100; // USER_HZ on Linux
  const cpuSec = (Number(f[11]) + Number(f[12])) / tick;
  const rssMb = (Number(f[21]) * 4096) / 1024 / 1024;
  return { cpuSec, rssMb };
}

/** one sample of a Prometheus text metric (first line matching name and optional label text) */
function metric(text: string, name: string, labels = ''): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && line.includes(labels) && (line[name.length] === ' ' || line[name.length] === '{')) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function fsChannels(env: E2eEnv): Promise<number> {
  const body = await eslApi(env.freeswitch, 'show channels count');
  return Number(/(\d+) total/.exec(body)?.[1] ?? NaN);
}

/** SIPp's -trace_stat CSV: successful and failed calls so far (last row) */
function sippCounts(file: string): { ok: number; failed: number } {
  if (!fs.existsSync(file)) return { ok: 0, failed: 0 };
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
  if (rows.length < 2) return { ok: 0, failed: 0 };
  const head = rows[0]!.split(';');
  const last = rows[rows.length - 1]!.split(';');
  const col = (n: string) => Number(last[head.indexOf(n)] ?? 0);
  return { ok: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
}

interface Peer {
  name: string;
  run: SippRun;
  statFile: string;
}

function startPeer(name: string, scenario: string, o: { port: number; rtp: number; target?: string; args: string[]; dir: string }): Peer {
  const statFile = path.join(o.dir, `${name}.stat.csv`);
  const run = runSipp(scenario, {
    port: o.port,
    mediaPort: o.rtp,
    logDir: o.dir,
    timeoutSec: MINUTES * 60 + 600,
    ...(o.target ? { target: o.target } : {}),
    args: ['-trace_stat', '-stf', statFile, '-fd', '5', ...o.args],
  });
  return { name, run, statFile };
}

async function main(): Promise<void> {
  const env = await e2eEnv();
  if (typeof env === 'string') {
    console.log(`soak skipped: ${env}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-soak-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = writeConfig(env, dir, port);
  const logFile = path.join(dir, 'app.log');
  // SOAK_APP_NODE_ARGS: extra node options for the app alone, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  const nodeArgs = (process.env.SOAK_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawnApp(config, port, logFile, nodeArgs);
  const app = proc.proc;
  const api = (method: string, p: string, body?: unknown, key = KEY) => proc.api(method, p, key, body);
  const peers: Peer[] = [];
  const appExited = proc.exited;
  const stopAll = async () => {
    for (const p of peers) p.run.proc.kill('SIGKILL');
    app.kill('SIGTERM');
    await Promise.race([appExited, sleep(10_000)]); // a --cpu-prof profile is written at exit
  };
  process.on('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });
  try {
    await waitForServers(proc, 60_000);
    for (let i = 1; i <= AGENTS; i++) {
      const id = `agent${String(i).padStart(3, '0')}`;
      const r = await api('POST', `/api/v1/agents/${id}/login`, undefined, ADMIN_KEY);
      if (r.status !== 200) throw new Error(`agent ${id} login: ${r.status} ${JSON.stringify(r.json)}`);
    }
    const callers = Math.ceil(MINUTES * 60 * CPS);
    const accepting = Math.round(callers * ACCEPT_SHARE);
    const waiting = callers - accepting;
    if (accepting > 3000 || waiting > 3000) throw new Error(`SOAK_MINUTES × SOAK_CPS gives ${callers} callers: at most 3,000 of each kind have numbers`);
    writeInjection(path.join(dir, 'accept.csv'), PERSON_FIRST, accepting);
    writeInjection(path.join(dir, 'wait.csv'), PERSON_FIRST + 3000, waiting);
    peers.push(startPeer('customers', 'soak-customer.xml', { port: TRUNK_PORT, rtp: 30000, args: ['-m', '1000000'], dir }));
    peers.push(startPeer('agents', 'soak-agent.xml', { port: AGENT_PORT, rtp: 34000, args: ['-m', '1000000'], dir }));
    await sleep(500);
    const callerArgs = (file: string, n: number, rate: number) => ['-s', DID, '-inf', path.join(dir, file), '-r', String(rate), '-rp', '1000', '-m', String(n), '-l', '400'];
    if (accepting) peers.push(startPeer('callers-accept', 'soak-caller-accept.xml', { port: 5195, rtp: 38000, target: env.sipTarget, args: callerArgs('accept.csv', accepting, CPS * ACCEPT_SHARE), dir }));
    if (waiting) peers.push(startPeer('callers-wait', 'soak-caller-wait.xml', { port: 5196, rtp: 42000, target: env.sipTarget, args: callerArgs('wait.csv', waiting, CPS * (1 - ACCEPT_SHARE)), dir }));

    console.log(`soak: ${MINUTES} min, ${CPS} IVR calls/s (${Math.round(ACCEPT_SHARE * 100)} % accept the callback), a machine/busy/no-answer callback every ${OTHER_EVERY_SEC} s, ${AGENTS} agents; logs in ${dir}`);
    const t0 = Date.now();
    const end = t0 + MINUTES * 60_000;
    const kinds: OtherKind[] = ['machine', 'busy', 'noanswer'];
    let other = 0;
    const requested: Record<string, number> = {};
    const refused: string[] = [];
    const otherTimer = setInterval(() => {
      if (Date.now() >= end) return;
      const kind = kinds[other % kinds.length]!;
      const number = `+1202555${KIND_DIGIT[kind]}${String(1000 + other).slice(-3)}`;
      other++;
      void api('POST', `/genesys/1/service/callback/${SERVICE}`, { _customer_number: number }).then((r) => {
        if (r.status === 200) requested[kind] = (requested[kind] ?? 0) + 1;
        else refused.push(`${kind}: ${r.status} ${JSON.stringify(r.json).slice(0, 160)}`);
      });
    }, OTHER_EVERY_SEC * 1000);

    interface Sample { atMs: number; channels: number; cpuSec: number; rssMb: number; heapMb: number; lagP99Ms: number; metrics: string }
    const samples: Sample[] = [];
    const sample = async (): Promise<Sample> => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const s: Sample = { atMs: Date.now() - t0, channels: await fsChannels(env), ...procStat(app.pid!), heapMb: metric(metrics, 'nodejs_heap_size_used_bytes') / 1024 / 1024, lagP99Ms: metric(metrics, 'nodejs_eventloop_lag_p99_seconds') * 1000, metrics };
      samples.push(s);
      return s;
    };
    const attemptsBy = (m: string) => {
      const out: Record<string, number> = {};
      for (const line of m.split('\n')) {
        const x = /^callback_attempts_total\{outcome="([A-Z_]+)"\} (\d+)/.exec(line);
        if (x) out[x[1]!] = Number(x[2]);
      }
      return out;
    };
    const diff = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
    let prev = await sample();
    let prevMinute = { at: t0, attempts: attemptsBy(prev.metrics), cpuSec: prev.cpuSec, sipp: peers.map((p) => sippCounts(p.statFile)) };
    console.log('min | IVR calls by outcome | callback attempts by outcome | SIPp calls ok/failed | peak FS channels | app CPU % | RSS MB | JS heap used MB | lag p99 ms');
    const perMinute: { minute: number; failedCalls: number; rssMb: number; heapMb: number; lagP99Ms: number; peakChannels: number }[] = [];
    // traffic, then a drain: the callers stop by their -m; calls in progress end by themselves
    const drainUntil = end + 150_000;
    let minute = 0;
    while (Date.now() < drainUntil) {
      await sleep(SAMPLE_MS);
      prev = await sample();
      if (Date.now() - prevMinute.at >= 60_000 || (Date.now() >= end && prev.channels === 0 && peers.filter((p) => p.name.startsWith('callers')).every((p) => p.run.proc.exitCode !== null))) {
        minute++;
        const since = prevMinute.at;
        const window = samples.filter((s) => s.atMs >= since - t0);
        const inter = await api('GET', `/api/v1/reports/interactions?from=${new Date(since).toISOString()}&limit=100000`);
        const outcomes = countBy(((inter.json as { outcome: string; ended_at: string }[]) ?? []).filter((i) => i.ended_at).map((i) => i.outcome));
        const attempts = attemptsBy(prev.metrics);
        const sipp = peers.map((p) => sippCounts(p.statFile));
        const sippOk = sipp.reduce((n, s, i) => n + s.ok - (prevMinute.sipp[i]?.ok ?? 0), 0);
        const sippFailed = sipp.reduce((n, s, i) => n + s.failed - (prevMinute.sipp[i]?.failed ?? 0), 0);
        const cpuPct = ((prev.cpuSec - prevMinute.cpuSec) / ((Date.now() - since) / 1000)) * 100;
        const peak = Math.max(...window.map((s) => s.channels));
        const lag = Math.max(...window.map((s) => s.lagP99Ms));
        perMinute.push({ minute, failedCalls: sippFailed + (diff(attempts, prevMinute.attempts).FAILED ?? 0), rssMb: prev.rssMb, heapMb: prev.heapMb, lagP99Ms: lag, peakChannels: peak });
        console.log(`${String(minute).padStart(3)} | ${fmt(outcomes)} | ${fmt(diff(attempts, prevMinute.attempts))} | ${sippOk}/${sippFailed} | ${peak} | ${cpuPct.toFixed(0)} | ${prev.rssMb.toFixed(0)} | ${prev.heapMb.toFixed(0)} | ${lag.toFixed(1)}`);
        prevMinute = { at: Date.now(), attempts, cpuSec: prev.cpuSec, sipp };
        if (Date.now() >= end && prev.channels === 0 && peers.filter((p) => p.name.startsWith('callers')).every((p) => p.run.proc.exitCode !== null)) break;
      }
    }
    clearInterval(otherTimer);
    await sleep(3000); // the last hang-ups recorded
    const last = await sample();

    // totals
    const inter = (await api('GET', `/api/v1/reports/interactions?from=${new Date(t0 - 60_000).toISOString()}&limit=100000`)).json as { outcome: string }[];
    const attemptRows = (await api('GET', `/api/v1/reports/attempts?from=${new Date(t0 - 60_000).toISOString()}&limit=100000`)).json as { outcome: string; customer_number: string }[];
    const callbacks = (await api('GET', `/api/v1/reports/callbacks?from=${new Date(t0 - 60_000).toISOString()}&limit=100000`)).json as Record<string, string>[];
    const sipp = peers.map((p) => ({ name: p.name, ...sippCounts(p.statFile) }));
    const logLines = fs.readFileSync(logFile, 'utf8').split('\n');
    const errors = logLines.filter((l) => /"level":(50|60)/.test(l));
    const lateForks = logLines.filter((l) => l.includes('"msg":"audio fork still open after the decision"')).length;
    const unfinished = callbacks.filter((c) => !/COMPLETED/.test(String(c.state ?? c._callback_state ?? '')));
    const kindOf = (n: string) => {
      const k = Number(n.replace(/^\+?1202555/, '')[0]);
      return k === 1 ? 'machine' : k === 2 ? 'busy' : k === 3 ? 'noanswer' : 'person';
    };
    const byKind: Record<string, Record<string, number>> = {};
    for (const a of attemptRows) {
      const k = kindOf(a.customer_number);
      (byKind[k] ??= {})[a.outcome || 'OPEN'] = ((byKind[k] ??= {})[a.outcome || 'OPEN'] ?? 0) + 1;
    }
    // what each kind of customer should end as; anything else is unexpected
    const expected: Record<string, string> = { person: 'CONNECTED_TO_AGENT', machine: 'MACHINE', busy: 'BUSY', noanswer: 'NO_ANSWER' };
    const unexpectedAttempts = attemptRows.filter((a) => a.outcome !== expected[kindOf(a.customer_number)]);
    const sippFailed = sipp.reduce((n, s) => n + s.failed, 0);
    const warm = perMinute.find((m) => m.minute === WARMUP_MIN) ?? perMinute[0];
    const rssGrowth = warm ? ((last.rssMb - warm.rssMb) / warm.rssMb) * 100 : 0;
    const lagP99 = pct(samples.filter((s) => s.atMs >= WARMUP_MIN * 60_000).map((s) => s.lagP99Ms), 0.99);
    const peak = Math.max(...samples.map((s) => s.channels));
    const cpuPct = ((last.cpuSec - samples[0]!.cpuSec) / ((last.atMs - samples[0]!.atMs) / 1000)) * 100;

    console.log('\ntotals');
    console.log(`  IVR calls: ${inter.length} (${fmt(countBy(inter.map((i) => i.outcome)))})`);
    console.log(`  callbacks requested over REST: ${fmt(requested)}${refused.length ? `; refused ${refused.length}: ${refused.slice(0, 3).join(' | ')}` : ''}`);
    console.log(`  callback attempts: ${attemptRows.length}; by customer: ${Object.entries(byKind).map(([k, v]) => `${k} {${fmt(v)}}`).join(', ')}`);
    console.log(`  callbacks not COMPLETED at the end: ${unfinished.length}`);
    console.log(`  SIPp: ${sipp.map((s) => `${s.name} ${s.ok} ok/${s.failed} failed`).join(', ')}`);
    console.log(`  app error log lines: ${errors.length}${errors.length ? `, first: ${errors[0]!.slice(0, 300)}` : ''}`);
    console.log(`  app CPU ${cpuPct.toFixed(0)} % of a core on average; RSS ${warm?.rssMb.toFixed(0)} MB after warm-up (minute ${WARMUP_MIN}) → ${last.rssMb.toFixed(0)} MB at the end; JS heap used ${warm?.heapMb.toFixed(0)} → ${last.heapMb.toFixed(0)} MB (before a GC: it says whether the growth is the program's objects or the allocator's pages)`);
    const unexpected = sippFailed + unexpectedAttempts.length + errors.length + unfinished.length;
    const goals: [string, boolean, string][] = [
      ['≥ 100 concurrent calls (FreeSWITCH channels)', peak >= 100, `peak ${peak}`],
      ['0 unexpected failures', unexpected === 0, `${unexpected} (SIPp failed calls ${sippFailed}, attempts not ending as their customer does ${unexpectedAttempts.length}${unexpectedAttempts.length ? `: ${fmt(countBy(unexpectedAttempts.map((a) => `${kindOf(a.customer_number)}→${a.outcome || 'OPEN'}`)))}` : ''}, error log lines ${errors.length}, callbacks left unfinished ${unfinished.length})`],
      ['RSS growth after warm-up ≤ 10 %', rssGrowth <= 10, `${rssGrowth.toFixed(1)} %`],
      ['event-loop lag p99 ≤ 50 ms', lagP99 <= 50, `${lagP99.toFixed(1)} ms (p99 of the 5 s windows after warm-up)`],
      ['FreeSWITCH channels back to 0', last.channels === 0, `${last.channels} at the end`],
      ['no customer leg streams audio to the app after the AMD decision', lateForks === 0, `${lateForks} audio forks still open 2 s after their decision`],
    ];
    console.log('\ngoals');
    for (const [goal, met, got] of goals) console.log(`  ${met ? 'met    ' : 'NOT met'} ${goal}: ${got}`);
    if (process.env.SOAK_OUT) fs.writeFileSync(process.env.SOAK_OUT, JSON.stringify({ perMinute, goals, sipp, byKind, peak, rssGrowth, lagP99 }, null, 2));
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
