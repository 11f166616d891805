import path from 'node:path';

/** the prompt names the flows play; each is a file name relative to `prompts.dir` (or an absolute path / FreeSWITCH URI) */
export interface PromptSet {
  greeting: string;
  estimatedWaitIs: string;
  minute: string;
  minutes: string;
  lessThan: string;
  offerCallback: string;
  confirmNumber: string;
  ifCorrectPress: string;
  enterNumber: string;
  invalid: string;
  callbackAccepted: string;
  callbackFailed: string;
  goodbye: string;
  pleaseHold: string;
  holdMusic: string;
  machineMessage: string;
  /** slot offer, first part: "to be called back as soon as possible, press 1; for the next time available," */
  slotOffer: string;
  /** slot offer, after the slot's day and time: "press 2" */
  slotPressTwo: string;
  /** digits directory (0.wav ... 90.wav, hundred.wav) for numbers */
  digitsDir: string;
}

/** the prompt files of one service: the configured set with the service's overrides, as playable paths */
export type ResolvedPrompts = PromptSet;

export function resolvePrompts(dir: string, base: PromptSet, overrides: Partial<PromptSet>): ResolvedPrompts {
  const merged: PromptSet = { ...base, ...overrides };
  const out = {} as PromptSet;
  for (const [k, v] of Object.entries(merged) as [keyof PromptSet, string][]) out[k] = playable(dir, v);
  return out;
}

/** absolute paths and FreeSWITCH URIs (tone_stream://, silence_stream://, http://) stay as they are */
export function playable(dir: string, file: string): string {
  return path.isAbsolute(file) || /^[a-z_]+:\/\//.test(file) ? file : path.join(dir, file);
}

/** a whole number as digit prompts: 0-19, tens, "hundred", "thousand" (the Asterisk digits set) */
export function numberPrompts(digitsDir: string, n: number): string[] {
  const f = (name: string) => path.join(digitsDir, `${name}.wav`);
  const v = Math.max(0, Math.floor(n));
  if (v >= 1_000_000) return [...numberPrompts(digitsDir, Math.floor(v / 1_000_000)), f('million'), ...(v % 1_000_000 ? numberPrompts(digitsDir, v % 1_000_000) : [])];
  if (v >= 1000) return [...numberPrompts(digitsDir, Math.floor(v / 1000)), f('thousand'), ...(v % 1000 ? numberPrompts(digitsDir, v % 1000) : [])];
  if (v >= 100) return [f(String(Math.floor(v / 100))), f('hundred'), ...(v % 100 ? numberPrompts(digitsDir, v % 100) : [])];
  if (v >= 20) return [f(String(v - (v % 10))), ...(v % 10 ? [f(String(v % 10))] : [])];
  return [f(String(v))];
}

/** a phone number read digit by digit ("+" is not read) */
export function digitPrompts(digitsDir: string, digits: string): string[] {
  return [...digits.replace(/\D/g, '')].map((d) => path.join(digitsDir, `${d}.wav`));
}

/** "about N minutes": the wait rounded up to whole minutes, at least one */
export function waitPrompts(p: ResolvedPrompts, ewtSeconds: number): string[] {
  const minutes = Math.max(1, Math.ceil(ewtSeconds / 60));
  return [p.estimatedWaitIs, ...numberPrompts(p.digitsDir, minutes), minutes === 1 ? p.minute : p.minutes];
}

/**
 * A slot's day and time as the caller hears it, in the service's time zone: "today" / "tomorrow" / the
 * weekday, "at", the hour, the minutes ("oh five", "thirty", or "o'clock"), "a m" / "p m" (Asterisk digits set).
 */
export function slotTimePrompts(digitsDir: string, slotMs: number, nowMs: number, timeZone: string): string[] {
  const f = (name: string) => path.join(digitsDir, `${name}.wav`);
  const parts = (ms: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: 'numeric', minute: '2-digit', hourCycle: 'h23', weekday: 'short' })
        .formatToParts(new Date(ms))
        .map((x) => [x.type, x.value]),
    );
    return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour), minute: Number(p.minute), weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday ?? '') };
  };
  const slot = parts(slotMs);
  const today = parts(nowMs).date;
  const tomorrow = parts(nowMs + 24 * 3600_000).date;
  const day = slot.date === today ? f('today') : slot.date === tomorrow ? f('tomorrow') : f(`day-${slot.weekday}`);
  const h12 = slot.hour % 12 === 0 ? 12 : slot.hour % 12;
  const minutes = slot.minute === 0 ? [f('oclock')] : slot.minute < 10 ? [f('oh'), f(String(slot.minute))] : numberPrompts(digitsDir, slot.minute);
  return [day, f('at'), ...numberPrompts(digitsDir, h12), ...minutes, f(slot.hour < 12 ? 'a-m' : 'p-m')];
}
