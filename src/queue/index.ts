export { QueueService, EWT_METHODS } from './queue-service';
export type { QueueServiceDeps } from './queue-service';
export type { AgentView, EwtAccuracy, ReservationView, TargetStats, WaitingContactView } from './views';
export type { AgentState, NotReadyReason } from './agent';
export { QueueError } from './errors';
export { parseQueueOptions, QueueOptionsError, targetConfig } from './parse-options';
export type { AgentConfig, QueueOptions, StaffingConfig, StaffingWindow, TargetConfig } from './types';
export { VirtualTime, systemTimers } from '../time';
export type { TimerHandle, TimerScheduler } from '../time';
