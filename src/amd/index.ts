/** Public surface of the AMD module (engine, parameters, outcome mapping, live server, file reading). */
export { AmdEngine, type AmdEngineOptions } from './engine';
export { AppAmdBaseline } from './app-amd-baseline';
export {
  AMD_PARAM_KEYS,
  AMD_PARAM_RANGES,
  APP_AMD_DEFAULTS,
  DEFAULT_AMD_PARAMS,
  parseAmdParams,
  type AmdParams,
  type AppAmdParams,
} from './params';
export { answeredBy, type AnsweredBy } from './outcome';
export { AudioForkServer, type AmdSession } from './live/audio-fork-server';
export { readAudioFile, parseWav, type Audio } from './wav';
export { analyzeAudio, type FileAnalysis } from './analyze';
export type { AmdDetector, AmdEvent, AmdEventName, AmdEvidence, Segment, ToneFound } from './types';
