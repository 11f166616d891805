import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const SIP_DIR = path.resolve(__dirname, '../../sip');

export const hasSipp = (): boolean => spawnSync('sipp', ['-v'], { stdio: 'ignore' }).status !== null;

export interface SippRun {
  /** SIPp's exit code: 0 = every call succeeded as the scenario says */
  done: Promise<{ code: number | null; output: string; errors: string }>;
  proc: ChildProcess;
  kill(): void;
}

/** SIPp processes still running: a test that fails leaves its peers listening on their ports */
const running = new Set<ChildProcess>();

/** end every SIPp a test left running (afterEach), so the next test's peers can bind their ports */
export async function killLeftoverSipp(): Promise<number> {
  const left = [...running];
  await Promise.all(left.map((p) => new Promise<void>((resolve) => {
    p.once('close', () => resolve());
    p.kill('SIGKILL');
  })));
  return left.length;
}

/**
 * Run one SIPp scenario from sip/ (cwd sip/, so `media/...` resolves). UAS scenarios listen on `port`;
 * UAC scenarios call `target`. Unexpected messages go to <scenario>_<pid>_errors.log in `logDir`.
 */
export function runSipp(scenario: string, o: { port: number; mediaPort: number; target?: string; args?: string[]; timeoutSec?: number; logDir: string; localIp?: string }): SippRun {
  const args = [
    '-sf', scenario,
    // another loopback address (127.0.0.2...) is another source to drachtio-server: outside a trunk list of 127.0.0.1
    '-i', o.localIp ?? '127.0.0.1',
    '-p', String(o.port),
    '-mi', process.env.E2E_MEDIA_IP ?? '127.0.0.1',
    '-mp', String(o.mediaPort),
    '-m', '1',
    '-timeout', `${o.timeoutSec ?? 60}s`,
    '-timeout_error',
    '-trace_err',
    '-trace_msg',
    '-message_file', path.join(o.logDir, `${path.basename(scenario, '.xml')}-${o.port}.msg.log`),
    '-error_file', path.join(o.logDir, `${path.basename(scenario, '.xml')}-${o.port}.err.log`),
    '-nostdin',
    ...(o.args ?? []),
    ...(o.target ? [o.target] : []),
  ];
  const proc = spawn('sipp', args, { cwd: SIP_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<{ code: number | null; output: string; errors: string }>((resolve) =>
    proc.on('close', (code) => {
      running.delete(proc);
      const errFile = path.join(o.logDir, `${path.basename(scenario, '.xml')}-${o.port}.err.log`);
      resolve({ code, output, errors: fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '' });
    }),
  );
  return { done, proc, kill: () => proc.kill('SIGTERM') };
}

/** the SIP messages SIPp exchanged (from -trace_msg) */
export function sippMessages(scenario: string, port: number, logDir: string): string {
  const f = path.join(logDir, `${path.basename(scenario, '.xml')}-${port}.msg.log`);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
}
