/** The parts of drachtio-fsmrf 4.1 this project uses (the package ships no types). */
declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events';
  import type Srf from 'drachtio-srf';

  namespace Mrf {
    interface ConnectOptions {
      address: string;
      port?: number;
      secret?: string;
      listenAddress?: string;
      listenPort?: number;
      advertisedAddress?: string;
      advertisedPort?: number;
      profile?: string;
    }

    /** a FreeSWITCH event (modesl) as api()/execute() resolve it */
    interface EslEvent {
      getBody(): string;
      getHeader(name: string): string | undefined;
    }

    interface EndpointOptions {
      /** the far end's offer: the endpoint answers it; absent = 3pcc endpoint (local.sdp is an offer) */
      remoteSdp?: string;
      codecs?: string | string[];
      headers?: Record<string, string>;
    }

    interface MediaServer extends EventEmitter {
      readonly address: string;
      maxSessions: number;
      currentSessions: number;
      createEndpoint(opts?: EndpointOptions): Promise<Endpoint>;
      connectCaller(req: Srf.SrfRequest, res: Srf.SrfResponse, opts?: EndpointOptions): Promise<{ endpoint: Endpoint; dialog: Srf.Dialog }>;
      /** an event-socket `api` command on the server's connection; its response body */
      api(command: string): Promise<string>;
      disconnect(): void;
    }

    interface PlayCollectOptions {
      file: string;
      min?: number;
      max?: number;
      tries?: number;
      timeout?: number;
      terminators?: string;
      invalidFile?: string;
      varName?: string;
      regexp?: string;
      digitTimeout?: number;
    }

    interface PlayCollectResult {
      digits?: string;
      invalidDigits?: string;
      terminatorUsed?: string;
      playbackSeconds?: string;
    }

    interface Endpoint extends EventEmitter {
      readonly uuid: string;
      readonly local: { sdp: string; mediaIp?: string; mediaPort?: string };
      readonly remote: { sdp: string; mediaIp?: string; mediaPort?: string };
      readonly dialog: Srf.Dialog;
      readonly connected: boolean;
      play(file: string | string[]): Promise<{ playbackSeconds?: string; playbackMilliseconds?: string }>;
      playCollect(opts: PlayCollectOptions): Promise<PlayCollectResult>;
      api(command: string, args?: string | string[]): Promise<EslEvent>;
      execute(app: string, arg?: string): Promise<EslEvent>;
      set(name: string | Record<string, string>, value?: string): Promise<unknown>;
      forkAudioStart(opts: { wsUrl: string; mixType?: 'mono' | 'mixed' | 'stereo'; sampling?: string; metadata?: unknown; bugname?: string }): Promise<void>;
      forkAudioStop(metadata?: unknown): Promise<void>;
      bridge(other: Endpoint | string): Promise<void>;
      unbridge(): Promise<void>;
      modify(sdp: string): Promise<unknown>;
      destroy(): Promise<void>;
      on(event: 'dtmf', listener: (evt: { dtmf: string; duration?: string; source?: string }) => void): this;
      on(event: 'destroy', listener: (evt?: { reason?: string }) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
      once(event: 'destroy', listener: (evt?: { reason?: string }) => void): this;
      once(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  class Mrf {
    constructor(srf: Srf, opts?: { debugDir?: string; customEvents?: string[] });
    readonly localAddresses: string[];
    connect(opts: Mrf.ConnectOptions): Promise<Mrf.MediaServer>;
  }

  export = Mrf;
}
