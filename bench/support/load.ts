import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const AREA_CODES = ['201', '202', '206', '212', '213', '214', '215', '303', '305', '312', '404', '415', '503', '512', '602', '617', '702', '713', '718', '808'];
let seq = 0;
/** a different valid US number for every request (no dedupe, no per-number limit hit) */
export const nextNumber = (): string => {
  const n = seq++;
  return `+1${AREA_CODES[n % AREA_CODES.length]}555${String(Math.floor(n / AREA_CODES.length) % 10000).padStart(4, '0')}`;
};

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function post(url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<LoadResult> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ _customer_number: nextNumber(), account: 'A-1' }) }),
      },
    ],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

export function forkTs(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { execArgv: ['-r', 'tsx/cjs'], env: { ...process.env, ...env }, stdio: ['ignore', process.env.BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'] });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}
