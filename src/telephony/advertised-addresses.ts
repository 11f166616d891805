import { BlockList, isIP } from 'node:net';
import type { FreeswitchAddresses, Env } from './freeswitch-vars';
import type { TrunkSettings } from './config';

/**
 * Is the address FreeSWITCH puts in its SDP one the trunk can send audio to? Pure checks of the deployment's
 * environment (PUBLIC_IP, MEDIA_EXTERNAL_IP, RTP_PORT_MIN/MAX...) and of the addresses derived from it.
 */

/** addresses no carrier on the internet can send packets to */
const NOT_ROUTABLE = new BlockList();
NOT_ROUTABLE.addSubnet('0.0.0.0', 8, 'ipv4');
NOT_ROUTABLE.addSubnet('10.0.0.0', 8, 'ipv4');
NOT_ROUTABLE.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
NOT_ROUTABLE.addSubnet('127.0.0.0', 8, 'ipv4');
NOT_ROUTABLE.addSubnet('169.254.0.0', 16, 'ipv4');
NOT_ROUTABLE.addSubnet('172.16.0.0', 12, 'ipv4');
NOT_ROUTABLE.addSubnet('192.168.0.0', 16, 'ipv4');
NOT_ROUTABLE.addAddress('::', 'ipv6');
NOT_ROUTABLE.addAddress('::1', 'ipv6');
NOT_ROUTABLE.addSubnet('fc00::', 7, 'ipv6');
NOT_ROUTABLE.addSubnet('fe80::', 10, 'ipv6');

/** names that only resolve inside a host, a LAN or a compose network */
const LOCAL_NAME = /^(localhost|[^.]+)$|\.(local|localdomain|internal|lan|home\.arpa)$/i;

/**
 * `public`: reachable from the internet; `private`: not (RFC 1918, loopback, link-local, CGNAT, a LAN or
 * compose service name); `deferred`: FreeSWITCH finds it at start (`stun:SERVER`, `host:NAME`).
 */
export type AddressScope = 'public' | 'private' | 'deferred';

export function addressScope(address: string): AddressScope {
  const a = address.trim().replace(/^\[|\]$/g, '');
  if (/^(stun|host):/i.test(a)) return 'deferred';
  const family = isIP(a);
  if (family === 4) return NOT_ROUTABLE.check(a, 'ipv4') ? 'private' : 'public';
  if (family === 6) return NOT_ROUTABLE.check(a, 'ipv6') ? 'private' : 'public';
  return a === '' || LOCAL_NAME.test(a) ? 'private' : 'public';
}

/** the host the customers' INVITEs go to: the trunk's proxy when there is one, else the URI template's host */
export function trunkHost(trunk: Pick<TrunkSettings, 'uriTemplate' | 'proxy'>): string {
  const uri = trunk.proxy ?? trunk.uriTemplate;
  const afterScheme = uri.replace(/^sips?:/i, '');
  const hostPort = afterScheme.includes('@') ? afterScheme.slice(afterScheme.lastIndexOf('@') + 1) : afterScheme;
  const host = hostPort.split(/[;>?]/)[0]!;
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  return host.replace(/:\d+$/, '');
}

/** Errors in the deployment's environment variables, each naming the variable (empty when all is well). */
export function deploymentEnvErrors(env: Env): string[] {
  const errors: string[] = [];
  const ipv4 = (name: string, allowDeferred: boolean): void => {
    const v = env[name];
    if (v === undefined || v === '') return;
    if (allowDeferred && /^(stun|host):\S+$/i.test(v)) return;
    if (isIP(v) !== 4) errors.push(`${name}: must be an IPv4 address${allowDeferred ? ', stun:SERVER[:PORT] or host:DNS-NAME' : ''}, got "${v}"`);
  };
  ipv4('PUBLIC_IP', false);
  ipv4('MEDIA_EXTERNAL_IP', true);
  ipv4('WEBRTC_EXTERNAL_IP', true);
  ipv4('MEDIA_LOCAL_IP', false);
  const port = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1024 || n > 65535) {
      errors.push(`${name}: must be a UDP port number from 1024 to 65535, got "${v}"`);
      return undefined;
    }
    return n;
  };
  const min = port('RTP_PORT_MIN');
  const max = port('RTP_PORT_MAX');
  if (min !== undefined && max !== undefined && min >= max) errors.push(`RTP_PORT_MIN (${min}) must be below RTP_PORT_MAX (${max})`);
  return errors;
}

/**
 * Warnings for a deployer: the media address FreeSWITCH will advertise is private while the trunk is on the
 * internet (the carrier's RTP goes nowhere: calls without audio). Empty when nothing is wrong.
 */
export function advertisedAddressWarnings(input: { addresses: FreeswitchAddresses; trunk: Pick<TrunkSettings, 'uriTemplate' | 'proxy'> }): string[] {
  const host = trunkHost(input.trunk);
  if (addressScope(host) !== 'public') return [];
  const media = input.addresses.mediaIp;
  if (addressScope(media) !== 'private') return [];
  return [
    `FreeSWITCH will advertise the private address ${media || '(none)'} for media (SDP c=) to the public trunk ${host}: ` +
      'the carrier cannot send audio there (calls connect in silence). Set PUBLIC_IP (or MEDIA_EXTERNAL_IP) to this host\'s ' +
      'public address, for FreeSWITCH and the app alike; see docs/deploy.md.',
  ];
}
