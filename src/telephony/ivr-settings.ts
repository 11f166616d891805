import { connectModeOf, type ConnectModeFrom } from '../flows/connect-agent';
import type { IvrSettings } from '../flows/ivr-offer';
import type { ConnectMode } from '../ports/dialer';
import type { ServiceIvrOptions } from '../ports/callbacks';
import { serviceTelephony, type TelephonyConfig } from './config';

/**
 * The IVR's settings for one call routed to `serviceName`, given the service's options as they are now
 * (`CallbackRequester.serviceIvrOptions`; undefined when the service is unknown).
 *
 * Threshold, first that is set:
 *   1. `telephony.services.<service>.ewtThresholdSec` (local config, as before),
 *   2. the service's `_ewt_threshold` (admin API or the config file's `services`),
 *   3. `telephony.ivr.ewtThresholdSec` (default 120).
 * Method: the service's `_ewt_method`; unset, the target's own `ewtMethod` (the queue's choice).
 * See docs/telephony.md.
 */
export function ivrSettingsFor(config: TelephonyConfig, serviceName: string, service: ServiceIvrOptions | undefined): IvrSettings {
  const local = serviceTelephony(config, serviceName);
  let ewtThresholdSec = config.ivr.ewtThresholdSec;
  let ewtThresholdFrom = 'telephony.ivr.ewtThresholdSec';
  if (local.ewtThresholdSec !== undefined) {
    ewtThresholdSec = local.ewtThresholdSec;
    ewtThresholdFrom = `telephony.services.${serviceName}.ewtThresholdSec`;
  } else if (service?.ewtThresholdSec !== undefined) {
    ewtThresholdSec = service.ewtThresholdSec;
    ewtThresholdFrom = '_ewt_threshold';
  }
  return {
    ...config.ivr,
    ewtThresholdSec,
    ewtThresholdFrom,
    ...(service?.ewtMethod ? { ewtMethod: service.ewtMethod } : {}),
    offerSlot: local.offerSlot ?? config.ivr.offerSlot ?? false,
  };
}

/**
 * How the IVR connects a caller routed to a service to the agent, given the service's options as they are
 * now: the service's `_connect_mode` when it sets one, else `telephony.connect.mode` (default bridge) — the
 * rule the callback dialer follows too (connectModeOf). There is no per-service telephony key for it.
 * A browser (WebRTC) agent is bridged whatever the mode. See docs/telephony.md.
 */
export function ivrConnectModeFor(config: TelephonyConfig, service: ServiceIvrOptions | undefined): { connectMode: ConnectMode; connectModeFrom: ConnectModeFrom } {
  return connectModeOf(service?.connectMode, config.connect.mode);
}
