import net from 'node:net';

/** RTP counters FreeSWITCH keeps per channel (the `rtp_audio_*` channel variables / `mediaStats`) */
export interface RtpCounts {
  inPackets: number;
  outPackets: number;
  inDtmfPackets: number;
}

/** a finished FreeSWITCH channel: its far end's RTP port (the SIPp peer's `-mp`) and what flowed */
export interface ChannelMedia extends RtpCounts {
  uuid: string;
  remoteMediaPort: number;
}

/** packets that flowed on both legs of a bridge in a window right after FreeSWITCH bridged them */
export interface BridgeSample {
  windowMs: number;
  legs: Record<string, RtpCounts>;
}

interface EslMessage {
  headers: Record<string, string>;
  body: string;
}

const parseHeaders = (text: string, decode: boolean): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const v = line.slice(i + 1).trim();
    headers[line.slice(0, i).trim()] = decode ? decodeURIComponent(v) : v;
  }
  return headers;
};

/**
 * An independent observer of the media, beside the app: its own event socket connection to FreeSWITCH.
 * Every channel that hangs up leaves its RTP counters (keyed by the far end's RTP port, which is the SIPp
 * peer's media port), and every bridge is sampled twice through `mediaStats`, `windowMs` apart, so a test
 * can tell that audio went both ways *through the bridge*, not only during prompts before it.
 */
export class MediaWitness {
  readonly ended: ChannelMedia[] = [];
  readonly bridges: BridgeSample[] = [];
  private socket?: net.Socket;
  private buf = '';
  private pending: ((m: EslMessage) => void)[] = [];
  private sampling: Promise<void>[] = [];

  constructor(private readonly o: { host: string; port: number; secret: string; bridgeWindowMs?: number }) {}

  async connect(): Promise<void> {
    const socket = net.createConnection({ host: this.o.host, port: this.o.port });
    this.socket = socket;
    socket.setEncoding('utf8');
    const first = new Promise<EslMessage>((resolve) => this.pending.push(resolve));
    socket.on('data', (chunk: string) => this.onData(chunk));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await first; // auth/request
    const auth = await this.command(`auth ${this.o.secret}`);
    if (!/\+OK/.test(auth.headers['Reply-Text'] ?? '')) throw new Error(`event socket auth: ${auth.headers['Reply-Text']}`);
    await this.command('event plain CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE');
  }

  /** the channel whose far end used RTP port `port` (undefined while it is still up) */
  channelTo(port: number): ChannelMedia | undefined {
    return this.ended.find((c) => c.remoteMediaPort === port);
  }

  /** waits for the bridge samples taken so far */
  async settled(): Promise<void> {
    await Promise.all(this.sampling);
  }

  close(): void {
    this.socket?.destroy();
  }

  private command(cmd: string): Promise<EslMessage> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.socket!.write(`${cmd}\n\n`);
    });
  }

  private async api(cmd: string): Promise<string> {
    return (await this.command(`api ${cmd}`)).body;
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return;
      const headers = parseHeaders(this.buf.slice(0, end), false);
      const len = Number(headers['Content-Length'] ?? 0);
      if (this.buf.length < end + 2 + len) return;
      const body = this.buf.slice(end + 2, end + 2 + len);
      this.buf = this.buf.slice(end + 2 + len);
      if (headers['Content-Type'] === 'text/event-plain') this.onEvent(parseHeaders(body, true));
      else this.pending.shift()?.({ headers, body });
    }
  }

  private onEvent(e: Record<string, string>): void {
    const n = (k: string) => Number(e[k] ?? 0);
    if (e['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE') {
      this.ended.push({
        uuid: e['Unique-ID'] ?? '',
        remoteMediaPort: n('variable_remote_media_port'),
        inPackets: n('variable_rtp_audio_in_packet_count'),
        outPackets: n('variable_rtp_audio_out_packet_count'),
        inDtmfPackets: n('variable_rtp_audio_in_dtmf_packet_count'),
      });
    } else if (e['Event-Name'] === 'CHANNEL_BRIDGE') {
      const legs = [e['Bridge-A-Unique-ID'], e['Bridge-B-Unique-ID']].filter((u): u is string => !!u);
      this.sampling.push(this.sampleBridge(legs));
    }
  }

  private async stats(uuid: string): Promise<RtpCounts | undefined> {
    const body = await this.api(`json ${JSON.stringify({ command: 'mediaStats', data: { uuid } })}`);
    try {
      const audio = (JSON.parse(body) as { response?: { audio?: Record<string, number> } }).response?.audio;
      return audio ? { inPackets: audio.in_packet_count ?? 0, outPackets: audio.out_packet_count ?? 0, inDtmfPackets: audio.in_dtmf_packet_count ?? 0 } : undefined;
    } catch {
      return undefined;
    }
  }

  private async sampleBridge(legs: string[]): Promise<void> {
    const windowMs = this.o.bridgeWindowMs ?? 1000;
    const before = await Promise.all(legs.map((u) => this.stats(u)));
    await new Promise((r) => setTimeout(r, windowMs));
    const after = await Promise.all(legs.map((u) => this.stats(u)));
    const sample: BridgeSample = { windowMs, legs: {} };
    legs.forEach((u, i) => {
      const a = after[i];
      const b = before[i];
      if (a && b) sample.legs[u] = { inPackets: a.inPackets - b.inPackets, outPackets: a.outPackets - b.outPackets, inDtmfPackets: a.inDtmfPackets - b.inDtmfPackets };
    });
    this.bridges.push(sample);
  }
}
