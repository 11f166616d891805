import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

/**
 * A caller over SIP/TLS, for the e2e test of drachtio-server's TLS listener: Debian's SIPp (sip-tester 3.6)
 * is built without TLS. It places one call (INVITE with a plain-RTP offer), ACKs the answer, sends digits as
 * SIP INFO (application/dtmf-relay, so no RTP is needed), and answers the service's BYE, which may come over the
 * connection it opened or over a new TLS connection to its Contact (it listens there too). Every message it
 * sent and received is kept, with the transport it came over.
 */
export interface SipMessage {
  dir: 'in' | 'out';
  firstLine: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** a throwaway self-signed certificate (openssl) for the caller's own TLS listener */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'caller-key.pem');
  const cert = path.join(dir, 'caller-cert.pem');
  if (!fs.existsSync(cert)) execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '2', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

function parse(raw: string, at: number): SipMessage {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] ??= l.slice(i + 1).trim();
  }
  return { dir: 'in', firstLine: lines[0]!, headers, body: rest.join('\r\n\r\n'), at };
}

/** split a TLS byte stream into SIP messages (Content-Length framing) */
function framer(onMessage: (raw: string) => void): (chunk: Buffer) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString('utf8');
    for (;;) {
      buf = buf.replace(/^(\r\n)+/, ''); // keep-alive CRLFs
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      onMessage(buf.slice(0, end + 4 + len));
      buf = buf.slice(end + 4 + len);
    }
  };
}

export class TlsCaller {
  readonly messages: SipMessage[] = [];
  private socket!: tls.TLSSocket;
  private server!: tls.Server;
  private listenPort = 0;
  private readonly callId = `${randomBytes(8).toString('hex')}@tls-caller`;
  private readonly fromTag = randomBytes(4).toString('hex');
  private toTag = '';
  private remoteTarget = '';
  private cseq = 1;
  private waiters: { test: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];

  constructor(
    private readonly target: { host: string; port: number },
    private readonly caller: string,
    private readonly called: string,
    private readonly cert: { key: string; cert: string },
  ) {}

  async connect(): Promise<void> {
    this.server = tls.createServer({ key: this.cert.key, cert: this.cert.cert }, (s) => s.on('data', framer((raw) => this.received(raw, s))));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.listenPort = (this.server.address() as { port: number }).port;
    this.socket = tls.connect({ host: this.target.host, port: this.target.port, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      this.socket.once('secureConnect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', framer((raw) => this.received(raw, this.socket)));
  }

  /** INVITE until the final answer; the 2xx is ACKed. Returns the final response. */
  async invite(sdp: string): Promise<SipMessage> {
    const requestUri = `sip:${this.called}@${this.target.host}:${this.target.port};transport=tls`;
    this.send(this.socket, this.request('INVITE', requestUri, { 'Content-Type': 'application/sdp' }, sdp, `<${requestUri}>`));
    const final = await this.next((m) => /^SIP\/2\.0 [2-6]\d\d/.test(m.firstLine) && /INVITE/.test(m.headers.cseq ?? ''), 30_000);
    const to = final.headers.to ?? '';
    this.toTag = /;tag=([^;>\s]+)/.exec(to)?.[1] ?? '';
    this.remoteTarget = /<([^>]+)>/.exec(final.headers.contact ?? '')?.[1] ?? requestUri;
    if (final.firstLine.startsWith('SIP/2.0 2')) this.send(this.socket, this.request('ACK', this.remoteTarget, {}, '', to, 1));
    return final;
  }

  /** a digit as SIP INFO; resolves on its 200 */
  async digit(d: string): Promise<void> {
    const seq = ++this.cseq;
    this.send(this.socket, this.request('INFO', this.remoteTarget, { 'Content-Type': 'application/dtmf-relay' }, `Signal=${d}\r\nDuration=160\r\n`, this.toHeader(), seq));
    await this.next((m) => m.firstLine.startsWith('SIP/2.0 200') && (m.headers.cseq ?? '').startsWith(`${seq} INFO`), 10_000);
  }

  /** the service's BYE (answered 200 by `received`) */
  bye(timeoutMs: number): Promise<SipMessage> {
    return this.next((m) => m.firstLine.startsWith('BYE '), timeoutMs);
  }

  close(): void {
    this.socket?.destroy();
    this.server?.close();
  }

  private toHeader(): string {
    return `<sip:${this.called}@${this.target.host}:${this.target.port}>;tag=${this.toTag}`;
  }

  private request(method: string, uri: string, extra: Record<string, string>, body: string, to: string, seq = this.cseq): string {
    const local = `${this.socket.localAddress}:${this.socket.localPort}`;
    const headers = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/TLS ${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: "Caller" <sip:${this.caller}@127.0.0.1>;tag=${this.fromTag}`,
      `To: ${to}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${seq} ${method}`,
      `Contact: <sip:${this.caller}@127.0.0.1:${this.listenPort};transport=tls>`,
      'Max-Forwards: 70',
      ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    return `${headers.join('\r\n')}\r\n\r\n${body}`;
  }

  private send(s: tls.TLSSocket, raw: string): void {
    this.messages.push({ ...parse(raw, Date.now()), dir: 'out' });
    s.write(raw);
  }

  private received(raw: string, s: tls.TLSSocket): void {
    const m = parse(raw, Date.now());
    this.messages.push(m);
    if (/^(BYE|INFO|OPTIONS|UPDATE|NOTIFY) /.test(m.firstLine)) {
      const h = m.headers;
      this.send(s, ['SIP/2.0 200 OK', `Via: ${h.via}`, `From: ${h.from}`, `To: ${h.to}`, `Call-ID: ${h['call-id']}`, `CSeq: ${h.cseq}`, 'Content-Length: 0', '', ''].join('\r\n'));
    }
    const i = this.waiters.findIndex((w) => w.test(m));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
  }

  private async next(test: (m: SipMessage) => boolean, timeoutMs: number): Promise<SipMessage> {
    const seen = this.messages.find((m) => m.dir === 'in' && test(m) && !this.taken.has(m));
    if (seen) {
      this.taken.add(seen);
      return seen;
    }
    return Promise.race([
      new Promise<SipMessage>((resolve) => this.waiters.push({ test, resolve: (m) => (this.taken.add(m), resolve(m)) })),
      sleep(timeoutMs).then(() => {
        throw new Error(`no matching SIP message within ${timeoutMs} ms; got: ${this.messages.map((m) => `${m.dir} ${m.firstLine}`).join(' | ')}`);
      }),
    ]);
  }

  private readonly taken = new Set<SipMessage>();
}
