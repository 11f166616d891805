/**
 * What FreeSWITCH makes of `freeswitch-conf/vars.xml` at start, computed without FreeSWITCH: its
 * X-PRE-PROCESS `set` and `env-set` lines run in file order, each line's `$${name}` expanded first with the
 * variables set so far (an unknown name expands to nothing), as switch_xml.c's preprocessor does. `env-set`
 * (`data="name=$ENV_NAME"`) sets the variable only when ENV_NAME is in the environment.
 * Pure: the file's text, the environment and FreeSWITCH's built-in variables (local_ip_v4...) are inputs.
 */

export type Env = Readonly<Record<string, string | undefined>>;

const DIRECTIVE = /<X-PRE-PROCESS\s+cmd="([^"]*)"\s+data="([^"]*)"/i;

/** the global variables FreeSWITCH has after preprocessing `varsXml` */
export function evaluateFreeswitchVars(varsXml: string, env: Env, builtins: Readonly<Record<string, string>> = {}): Record<string, string> {
  const vars: Record<string, string> = { ...builtins };
  for (const rawLine of varsXml.split('\n')) {
    const line = rawLine.replace(/\$\$\{([^}]*)\}/g, (_m, name: string) => vars[name] ?? '');
    const m = DIRECTIVE.exec(line);
    if (!m) continue;
    const cmd = m[1]!.toLowerCase();
    const data = m[2]!;
    const eq = data.indexOf('=');
    if (eq < 0) continue;
    const name = data.slice(0, eq).trim();
    const value = data.slice(eq + 1);
    if (cmd === 'set') {
      vars[name] = value.trim();
    } else if (cmd === 'env-set' && value.startsWith('$')) {
      const fromEnv = env[value.slice(1)];
      if (fromEnv !== undefined) vars[name] = fromEnv;
    }
  }
  return vars;
}

/** the addresses and ports the FreeSWITCH variables give the sofia profiles (sip_profiles/*.xml) */
export interface FreeswitchAddresses {
  /** where the drachtio_mrf profile binds SIP and RTP */
  bindIp: string;
  /** the address in the SDP customers' carriers send RTP to (ext-rtp-ip of drachtio_mrf; an empty value falls back to bindIp) */
  mediaIp: string;
  /** the address agents' browsers send WebRTC media to (ext-rtp-ip of drachtio_webrtc) */
  webrtcIp: string;
  rtpPortMin: number;
  rtpPortMax: number;
}

export function freeswitchAddresses(vars: Readonly<Record<string, string>>): FreeswitchAddresses {
  const bindIp = vars.mrf_ip ?? '';
  const mediaIp = vars.ext_rtp_ip || bindIp;
  return {
    bindIp,
    mediaIp,
    webrtcIp: vars.webrtc_ext_ip || mediaIp,
    rtpPortMin: Number(vars.rtp_start),
    rtpPortMax: Number(vars.rtp_end),
  };
}
