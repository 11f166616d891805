/** The part of modesl (FreeSWITCH event socket client) this project uses; the package ships no types. */
declare module 'modesl' {
  import type { EventEmitter } from 'node:events';

  export class Event {
    getHeader(name: string): string | undefined;
    getBody(): string;
    getType(): string | undefined;
  }

  export class Connection extends EventEmitter {
    /** inbound connection to FreeSWITCH; `onReady` once authenticated */
    constructor(host: string, port: number, password: string, onReady?: () => void);
    api(command: string, cb: (res: Event) => void): void;
    /** subscribe: `events('plain', 'DTMF CHANNEL_HANGUP_COMPLETE')` */
    events(type: 'plain' | 'json' | 'xml', events: string, cb?: (res: Event) => void): void;
    filter(header: string, value: string, cb?: (res: Event) => void): void;
    disconnect(): void;
    socket: import('node:net').Socket | null;
  }
}
