import net from 'node:net';

/**
 * Who may call the service and where the service's calls may go (issue 15 §4).
 *
 * - `AddressList`: IP addresses and networks (CIDR), e.g. the trunks that may INVITE without credentials.
 * - `DestinationPolicy`: the agent URIs the service may call or REFER a customer to: a host in `agentHosts`
 *   (an address, a network, a host name or `*.domain`), a browser's WebSocket contact (`*.invalid`, which
 *   drachtio-server can only reach over the browser's own connection), never the trunk itself, never a URI
 *   with `maddr` or headers (which would send the request somewhere else than its host says).
 */

/** loopback and private networks: the default for both lists (docs/telephony.md "Who may call") */
export const LOCAL_NETWORKS: readonly string[] = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1 */
const plainAddress = (a: string): string => /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)?.[1] ?? a;

/** an address or network as a config entry: null when it is neither */
export function parseNetwork(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [addr = '', bits, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return null;
  const v = net.isIP(addr);
  if (v === 0) return null;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return { address: addr, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** IP addresses and networks; `has` answers for one peer address */
export class AddressList {
  private readonly list = new net.BlockList();
  readonly entries: readonly string[];

  /** throws naming `key[i]` when an entry is not an address or a network */
  constructor(entries: readonly string[], key = 'addresses') {
    this.entries = [...entries];
    entries.forEach((e, i) => {
      const n = parseNetwork(e);
      if (!n) throw new Error(`${key}[${i}]: "${e}" is not an IP address or network (CIDR, e.g. 203.0.113.0/24)`);
      this.list.addSubnet(n.address, n.prefix, n.family);
    });
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    const a = plainAddress(address.replace(/^\[|\]$/g, ''));
    const v = net.isIP(a);
    if (v === 0) return false;
    return this.list.check(a, v === 4 ? 'ipv4' : 'ipv6');
  }
}

const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** a parsed SIP URI, enough to decide where a request to it goes */
export interface SipTarget {
  scheme: 'sip' | 'sips';
  user?: string;
  host: string;
  port?: number;
  params: Record<string, string>;
  hasHeaders: boolean;
}

/** `sip:alice@10.0.0.5:5062;transport=tcp` (with or without `<>`); null when it is not a SIP URI */
export function parseSipTarget(uri: string): SipTarget | null {
  const s = uri.trim().replace(/^<(.*)>$/, '$1');
  const m = /^(sips?):(?:([^@]*)@)?(\[[0-9a-fA-F:.]+\]|[^;:?@\s]+)(?::(\d{1,5}))?((?:;[^?]*)?)(\?.*)?$/i.exec(s);
  if (!m) return null;
  const params: Record<string, string> = {};
  for (const p of (m[5] ?? '').split(';').filter(Boolean)) {
    const [k = '', v = ''] = p.split('=');
    params[k.toLowerCase()] = v;
  }
  return {
    scheme: m[1]!.toLowerCase() as 'sip' | 'sips',
    ...(m[2] !== undefined ? { user: m[2] } : {}),
    host: m[3]!.replace(/^\[|\]$/g, '').toLowerCase(),
    ...(m[4] !== undefined ? { port: Number(m[4]) } : {}),
    params,
    hasHeaders: m[6] !== undefined,
  };
}

export interface DestinationSettings {
  /** addresses, networks (CIDR), host names and `*.domain` patterns agents' URIs may point at */
  agentHosts: readonly string[];
  /** browsers' WebSocket contacts (`;transport=ws|wss` at a `.invalid` host) are allowed */
  webrtcAgents: boolean;
}

export type DestinationVerdict = { ok: true } | { ok: false; reason: string };

/** Where the service may send a call or a REFER to an agent. */
export class DestinationPolicy {
  private readonly networks: AddressList;
  private readonly names: string[] = [];
  private readonly wildcards: string[] = [];
  private readonly trunks: { host: string; port: number }[];
  private readonly webrtc: boolean;

  /** `trunkUris`: the trunk's request URI template and proxy; an agent URI there is refused (toll fraud) */
  constructor(settings: DestinationSettings, trunkUris: readonly string[], key = 'agentHosts') {
    const nets: string[] = [];
    settings.agentHosts.forEach((e, i) => {
      if (parseNetwork(e)) nets.push(e);
      else if (HOST_NAME.test(e)) (e.startsWith('*.') ? this.wildcards : this.names).push(e.toLowerCase().replace(/^\*/, ''));
      else throw new Error(`${key}[${i}]: "${e}" is not an IP address, a network (CIDR), a host name or *.domain`);
    });
    this.networks = new AddressList(nets, key);
    this.webrtc = settings.webrtcAgents;
    this.trunks = trunkUris.flatMap((u) => {
      const t = parseSipTarget(u.replace('{number}', 'x'));
      return t ? [{ host: t.host, port: t.port ?? (t.scheme === 'sips' ? 5061 : 5060) }] : [];
    });
  }

  check(uri: string): DestinationVerdict {
    const t = parseSipTarget(uri);
    if (!t) return { ok: false, reason: 'not a SIP URI' };
    if (t.hasHeaders) return { ok: false, reason: 'a URI with headers' };
    if (t.params.maddr !== undefined) return { ok: false, reason: 'a URI with maddr' };
    const port = t.port ?? (t.scheme === 'sips' ? 5061 : 5060);
    if (this.trunks.some((x) => x.host === t.host && x.port === port)) return { ok: false, reason: 'the trunk is not an agent' };
    const transport = (t.params.transport ?? '').toLowerCase();
    if (this.webrtc && (transport === 'ws' || transport === 'wss') && t.host.endsWith('.invalid')) return { ok: true };
    if (net.isIP(t.host) !== 0) return this.networks.has(t.host) ? { ok: true } : { ok: false, reason: `host ${t.host} is not in the allowed agent hosts` };
    if (this.names.includes(t.host) || this.wildcards.some((w) => t.host.endsWith(w))) return { ok: true };
    return { ok: false, reason: `host ${t.host} is not in the allowed agent hosts` };
  }
}

/**
 * The sources softphones registered from (address:port of the REGISTER): an INVITE from one of them is an
 * agent's phone trying to call through the service, refused whatever it calls.
 */
export class SoftphoneSources {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  private static key = (address: string, port: number | string): string => `${plainAddress(address)}:${port}`;

  add(address: string, port: number | string, expiresAtMs: number): void {
    this.until.set(SoftphoneSources.key(address, port), expiresAtMs);
  }

  remove(address: string, port: number | string): void {
    this.until.delete(SoftphoneSources.key(address, port));
  }

  has(address: string, port: number | string): boolean {
    const k = SoftphoneSources.key(address, port);
    const t = this.until.get(k);
    if (t === undefined) return false;
    if (t <= this.now()) {
      this.until.delete(k);
      return false;
    }
    return true;
  }
}
