import type { TargetConfig } from './types';

/** What a config file may leave out of a target. */
export const TARGET_DEFAULTS: Omit<TargetConfig, 'name' | 'staffing'> = {
  afterCallWorkSec: 0,
  ewtMethod: 'erlang-a',
  priorities: { caller: 0, callback: 0 },
  ageingPerMinute: 0,
  maxConsecutiveSameKind: 3,
  reservationTimeoutSec: 30,
  serviceLevelSec: 20,
  initialHandleTimeSec: 180,
  handleTimeSmoothing: 0.05,
  pacingHorizonSec: 30,
  pacingHoldSec: 90,
  maxEwtSec: 3600,
};
