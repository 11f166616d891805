import type { AgentConfig, QueueOptions, StaffingConfig, StaffingWindow, TargetConfig } from './types';
import { TARGET_DEFAULTS } from './defaults';

/** A config value the queue cannot use; the message names the key, e.g. `targets[1].afterCallWorkSec`. */
export class QueueOptionsError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key} ${message}`);
    this.name = 'QueueOptionsError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

function object(v: unknown, key: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) throw new QueueOptionsError(key, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new QueueOptionsError(`${key}.${k}`, `is not a known key (known: ${allowed.join(', ')})`);
  return v;
}

function num(v: unknown, key: string, def: number | undefined, min: number, max = Infinity, opts: { integer?: boolean; exclusiveMin?: boolean } = {}): number {
  if (v === undefined && def !== undefined) return def;
  const bound = max === Infinity ? `${opts.exclusiveMin ? '>' : '≥'} ${min}` : `between ${min} and ${max}`;
  const what = opts.integer ? 'an integer' : 'a number';
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || v < min || v > max || (opts.exclusiveMin && v === min)) {
    throw new QueueOptionsError(key, `must be ${what} ${bound}`);
  }
  return v;
}

function str(v: unknown, key: string, re?: RegExp, hint?: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new QueueOptionsError(key, 'must be a non-empty string');
  if (re && !re.test(v)) throw new QueueOptionsError(key, `must be ${hint ?? `like ${re}`}`);
  return v;
}

const TARGET_KEYS = ['name', ...Object.keys(TARGET_DEFAULTS), 'staffing'] as const;
const AGENT_KEYS = ['id', 'name', 'targets', 'uri', 'password'] as const;

function parseStaffing(v: unknown, key: string): StaffingConfig {
  const o = object(v, key, ['timezone', 'windows']);
  const timezone = o.timezone === undefined ? 'UTC' : str(o.timezone, `${key}.timezone`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new QueueOptionsError(`${key}.timezone`, `must be an IANA time zone, not "${timezone}"`);
  }
  if (!Array.isArray(o.windows)) throw new QueueOptionsError(`${key}.windows`, 'must be a list');
  const windows = o.windows.map((w, i): StaffingWindow => {
    const k = `${key}.windows[${i}]`;
    const wo = object(w, k, ['days', 'from', 'to', 'agents']);
    let days: number[] | undefined;
    if (wo.days !== undefined) {
      if (!Array.isArray(wo.days)) throw new QueueOptionsError(`${k}.days`, 'must be a list of ISO weekdays 1..7');
      days = wo.days.map((d, j) => num(d, `${k}.days[${j}]`, undefined, 1, 7, { integer: true }));
    }
    const from = str(wo.from, `${k}.from`, HHMM_RE, 'a time "HH:MM"');
    const to = str(wo.to, `${k}.to`, HHMM_RE, 'a time "HH:MM"');
    if (to <= from) throw new QueueOptionsError(`${k}.to`, `must be after ${k}.from`);
    return { ...(days ? { days } : {}), from, to, agents: num(wo.agents, `${k}.agents`, undefined, 0, Infinity, { integer: true }) };
  });
  return { timezone, windows };
}

function parseTarget(v: unknown, key: string): TargetConfig {
  const o = object(v, key, TARGET_KEYS);
  const d = TARGET_DEFAULTS;
  const ewtMethod = o.ewtMethod ?? d.ewtMethod;
  if (ewtMethod !== 'simple' && ewtMethod !== 'erlang' && ewtMethod !== 'erlang-a') throw new QueueOptionsError(`${key}.ewtMethod`, 'must be "simple", "erlang" or "erlang-a"');
  let priorities = d.priorities;
  if (o.priorities !== undefined) {
    const p = object(o.priorities, `${key}.priorities`, ['caller', 'callback']);
    priorities = {
      caller: num(p.caller, `${key}.priorities.caller`, 0, -1000, 1000),
      callback: num(p.callback, `${key}.priorities.callback`, 0, -1000, 1000),
    };
  }
  const target: TargetConfig = {
    name: str(o.name, `${key}.name`, NAME_RE, 'letters, digits, "_", "." or "-" (at most 64)'),
    afterCallWorkSec: num(o.afterCallWorkSec, `${key}.afterCallWorkSec`, d.afterCallWorkSec, 0),
    ewtMethod,
    priorities,
    ageingPerMinute: num(o.ageingPerMinute, `${key}.ageingPerMinute`, d.ageingPerMinute, 0),
    maxConsecutiveSameKind: num(o.maxConsecutiveSameKind, `${key}.maxConsecutiveSameKind`, d.maxConsecutiveSameKind, 0, Infinity, { integer: true }),
    reservationTimeoutSec: num(o.reservationTimeoutSec, `${key}.reservationTimeoutSec`, d.reservationTimeoutSec, 0, Infinity, { exclusiveMin: true }),
    serviceLevelSec: num(o.serviceLevelSec, `${key}.serviceLevelSec`, d.serviceLevelSec, 0),
    initialHandleTimeSec: num(o.initialHandleTimeSec, `${key}.initialHandleTimeSec`, d.initialHandleTimeSec, 0, Infinity, { exclusiveMin: true }),
    handleTimeSmoothing: num(o.handleTimeSmoothing, `${key}.handleTimeSmoothing`, d.handleTimeSmoothing, 0, 1, { exclusiveMin: true }),
    pacingHorizonSec: num(o.pacingHorizonSec, `${key}.pacingHorizonSec`, d.pacingHorizonSec, 0),
    pacingHoldSec: num(o.pacingHoldSec, `${key}.pacingHoldSec`, d.pacingHoldSec, 0, Infinity, { exclusiveMin: true }),
    maxEwtSec: num(o.maxEwtSec, `${key}.maxEwtSec`, d.maxEwtSec, 0, Infinity, { exclusiveMin: true }),
  };
  if (o.staffing !== undefined) target.staffing = parseStaffing(o.staffing, `${key}.staffing`);
  return target;
}

function parseAgent(v: unknown, key: string, targets: ReadonlySet<string>, targetsPath: string): AgentConfig {
  const o = object(v, key, AGENT_KEYS);
  const id = str(o.id, `${key}.id`, NAME_RE, 'letters, digits, "_", "." or "-" (at most 64)');
  if (!Array.isArray(o.targets) || o.targets.length === 0) throw new QueueOptionsError(`${key}.targets`, 'must be a non-empty list of target names');
  const agentTargets = o.targets.map((t, i) => {
    const name = str(t, `${key}.targets[${i}]`);
    if (!targets.has(name)) throw new QueueOptionsError(`${key}.targets[${i}]`, `names no target in ${targetsPath} ("${name}")`);
    return name;
  });
  const agent: AgentConfig = { id, name: o.name === undefined ? id : str(o.name, `${key}.name`), targets: [...new Set(agentTargets)] };
  if (o.uri !== undefined) agent.uri = str(o.uri, `${key}.uri`, /^sips?:[^\s]+$/i, 'a SIP URI ("sip:...")');
  if (o.password !== undefined) agent.password = str(o.password, `${key}.password`);
  return agent;
}

/**
 * Validate the `targets` and `agents` sections of the config file and fill defaults.
 * `input` is `{ targets, agents }`; `path` is the prefix used in messages (e.g. "" or "queue").
 * Throws QueueOptionsError naming the bad key, e.g. "targets[1].afterCallWorkSec must be a number ≥ 0".
 */
export function parseQueueOptions(input: unknown, path: string): QueueOptions {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const o = object(input ?? {}, path || '(queue options)', ['targets', 'agents']);
  const rawTargets = o.targets ?? [];
  const rawAgents = o.agents ?? [];
  if (!Array.isArray(rawTargets)) throw new QueueOptionsError(at('targets'), 'must be a list');
  if (!Array.isArray(rawAgents)) throw new QueueOptionsError(at('agents'), 'must be a list');
  const targets = rawTargets.map((t, i) => parseTarget(t, `${at('targets')}[${i}]`));
  const names = new Set<string>();
  targets.forEach((t, i) => {
    if (names.has(t.name)) throw new QueueOptionsError(`${at('targets')}[${i}].name`, `repeats the target name "${t.name}"`);
    names.add(t.name);
  });
  const agents = rawAgents.map((a, i) => parseAgent(a, `${at('agents')}[${i}]`, names, at('targets')));
  const ids = new Set<string>();
  agents.forEach((a, i) => {
    if (ids.has(a.id)) throw new QueueOptionsError(`${at('agents')}[${i}].id`, `repeats the agent id "${a.id}"`);
    ids.add(a.id);
  });
  return { targets, agents };
}

/** A target with every default filled, for code that builds options in TypeScript (tests, the simulator). */
export const targetConfig = (name: string, overrides: Partial<Omit<TargetConfig, 'name'>> = {}): TargetConfig => ({
  name,
  ...TARGET_DEFAULTS,
  ...overrides,
});
