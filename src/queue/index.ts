export { QueueService, EWT_METHODS } from './queue-service';
export type { AgentView, EwtAccuracy, QueueServiceDeps, ReservationView, TargetStats, WaitingContactView } from './queue-service';
export type { AgentState, NotReadyReason } from './agent';
export { QueueError } from './errors';
export { parseQueueOptions, QueueOptionsError, targetConfig } from './parse-options';
export type { AgentConfig, QueueOptions, StaffingConfig, StaffingWindow, TargetConfig } from './types';
export { VirtualTime, systemTimers } from '../time';
export type { TimerHandle, TimerScheduler } from '../time';
