import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { advertisedAddressWarnings } from './advertised-addresses';
import type { TrunkSettings } from './config';
import { evaluateFreeswitchVars, freeswitchAddresses, type Env, type FreeswitchAddresses } from './freeswitch-vars';

/** the repository's FreeSWITCH variables (src/telephony or dist/telephony -> freeswitch-conf/vars.xml) */
export const DEFAULT_VARS_XML = path.resolve(__dirname, '../../freeswitch-conf/vars.xml');

export interface DeploymentCheck {
  /** what FreeSWITCH will advertise given this environment; absent when vars.xml could not be read */
  addresses?: FreeswitchAddresses;
  /** where the variables came from, or why they could not be read */
  source: string;
  warnings: string[];
}

/**
 * What FreeSWITCH will advertise, from `vars.xml` and the environment the app shares with it (compose passes
 * PUBLIC_IP, MEDIA_EXTERNAL_IP... to both), and the warnings that follow for this trunk. FreeSWITCH's own
 * `local_ip_v4` is taken to be like this host's: the first non-loopback IPv4 address (`localIp`).
 */
export function checkDeployment(opts: { env: Env; trunk: Pick<TrunkSettings, 'uriTemplate' | 'proxy'>; varsXml: string; localIp: string }): FreeswitchAddresses & { warnings: string[] } {
  const addresses = freeswitchAddresses(evaluateFreeswitchVars(opts.varsXml, opts.env, { local_ip_v4: opts.localIp }));
  return { ...addresses, warnings: advertisedAddressWarnings({ addresses, trunk: opts.trunk }) };
}

/** this host's first non-internal IPv4 address (what FreeSWITCH's local_ip_v4 finds), else 127.0.0.1 */
export function firstLocalIpv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** `checkDeployment` with vars.xml read from FREESWITCH_VARS_XML, else the repository's freeswitch-conf/vars.xml */
export function checkDeploymentFromFiles(env: Env, trunk: Pick<TrunkSettings, 'uriTemplate' | 'proxy'>): DeploymentCheck {
  const file = env.FREESWITCH_VARS_XML || DEFAULT_VARS_XML;
  let varsXml: string;
  try {
    varsXml = readFileSync(file, 'utf8');
  } catch (err) {
    return { source: `${file} unreadable (${(err as NodeJS.ErrnoException).code ?? String(err)}): advertised addresses not checked`, warnings: [] };
  }
  // an empty variable is an unset one here (compose's `${X:-}`); FreeSWITCH gets unset ones passed through as unset
  const setOnly = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const { warnings, ...addresses } = checkDeployment({ env: setOnly, trunk, varsXml, localIp: firstLocalIpv4() });
  return { addresses, source: file, warnings };
}
