import type { Connection, Event } from 'modesl';
import { eslConnect } from '../helpers/esl';

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

/**
 * An independent observer of the media, beside the app: its own event socket connection to FreeSWITCH.
 * Every channel that hangs up leaves its RTP counters (keyed by the far end's RTP port, which is the SIPp
 * peer's media port), and every bridge is sampled twice through `mediaStats`, `windowMs` apart, so a test
 * can tell that audio went both ways *through the bridge*, not only during prompts before it.
 */
export class MediaWitness {
  readonly ended: ChannelMedia[] = [];
  readonly bridges: BridgeSample[] = [];
  private conn?: Connection;
  private sampling: Promise<void>[] = [];

  constructor(private readonly o: { host: string; port: number; secret: string; bridgeWindowMs?: number }) {}

  async connect(): Promise<void> {
    const conn = await eslConnect(this.o);
    this.conn = conn;
    conn.on('esl::event::CHANNEL_HANGUP_COMPLETE::*', (e: Event) => this.onHangup(e));
    conn.on('esl::event::CHANNEL_BRIDGE::*', (e: Event) => {
      const legs = [e.getHeader('Bridge-A-Unique-ID'), e.getHeader('Bridge-B-Unique-ID')].filter((u): u is string => !!u);
      this.sampling.push(this.sampleBridge(legs));
    });
    await new Promise<void>((resolve) => conn.events('plain', 'CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE', () => resolve()));
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
    this.conn?.socket?.destroy();
  }

  private api(cmd: string): Promise<string> {
    return new Promise((resolve) => this.conn!.api(cmd, (res: Event) => resolve(res.getBody())));
  }

  private onHangup(e: Event): void {
    const n = (k: string) => Number(e.getHeader(k) ?? 0);
    this.ended.push({
      uuid: e.getHeader('Unique-ID') ?? '',
      remoteMediaPort: n('variable_remote_media_port'),
      inPackets: n('variable_rtp_audio_in_packet_count'),
      outPackets: n('variable_rtp_audio_out_packet_count'),
      inDtmfPackets: n('variable_rtp_audio_in_dtmf_packet_count'),
    });
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
