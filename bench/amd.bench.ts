/**
 * AMD benchmark, leave-one-source-out (LOSO), our engine vs the Asterisk app_amd baseline.
 *
 *   npm run bench:amd                          LOSO over every voice source of corpus/manifest.csv
 *   npm run bench:amd -- --defaults            also print the shipped defaults on the whole corpus
 *   npm run bench:amd -- --greeting-ms 2000    any AmdParams override, kebab case (applied to every grid point)
 *   npm run bench:amd -- --no-model            leave out the experimental greeting model's LOSO
 *   npm run bench:amd -- --vad silero          the speech evidence: energy (the engine's own VAD, default),
 *                                              silero (Silero VAD v5, onnxruntime-node) or fvad (WebRTC VAD, WASM);
 *                        --vad-mode replace    how a learned detector is used: replace (default), and (with the energy VAD)
 *                                              or rescue (only where the energy VAD heard no word; see engine.ts)
 *                        --frames              per-frame measure of each detector against the labels, then exit
 *
 * LOSO: for each voice source S (allison, armelle, espeak, ...), the parameter point of a small grid that
 * does best on every other source is chosen (accuracy, with the human decision at a median of at most
 * 1.0 s after the person stops speaking), then measured on S alone. The figures pool those held-out decisions: each file is judged by
 * parameters chosen without its source. Files of source "none" (silence, fax) are never left out.
 * Speed: × real time on one core, audio fed / detector CPU time, median of 3 passes after a warm-up pass.
 * Builds the corpus (scripts/make-amd-corpus.sh) when corpus/manifest.csv is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeAudio } from '../src/amd/analyze';
import { AppAmdBaseline } from '../src/amd/app-amd-baseline';
import { AmdEngine, type LearnedSpeechOptions, type SpeechEvidenceMode } from '../src/amd/engine';
import { FRAME_SAMPLES, Framer } from '../src/amd/framer';
import { loadLearnedVad, type FrameSpeechModel, type LearnedVadKind } from '../src/amd/learned-vad';
import { EnergyVad } from '../src/amd/vad';
import { DEFAULT_AMD_PARAMS } from '../src/amd/params';
import { trainGreetingModel, type GreetingFeatures, type GreetingModel } from '../src/amd/greeting-model';
import { AMD_PARAM_KEYS, parseAmdParams, type AmdParams } from '../src/amd/params';
import type { AmdDetector, AmdEvidence } from '../src/amd/types';
import { readAudioFile, type Audio } from '../src/amd/wav';
import type { AmdDecision } from '../src/ports/dialer';

interface Item {
  id: string;
  label: AmdDecision;
  kind: string;
  source: string;
  condition: string;
  speechEndMs: number | null;
  beepMs: number | null;
  audio: Audio;
}

interface Outcome {
  decision: AmdDecision;
  decisionMs: number;
  beepMs: number | null;
  reason: string;
}

const ROOT = join(__dirname, '..');
const CORPUS = process.env.AMD_CORPUS ?? join(ROOT, 'corpus');
/**
 * LOSO's constraint when it picks a grid point: the median time from the end of the person's speech to the
 * HUMAN decision. (The goal is a median of 2.0 s from answer; in this corpus people start 0.2-1.5 s after
 * answer and speak 0.3-4 s, so their speech alone ends at a median of about 2 s: the time after speech end
 * is what the engine controls. Both are printed.)
 */
const HUMAN_AFTER_END_LIMIT_MS = 1000;

/** The grid LOSO chooses from with the duration rule alone (no greeting model): the parameters a user tunes first (see docs/amd.md "Tuning"). */
const GRID: Partial<AmdParams>[] = (() => {
  const points: Partial<AmdParams>[] = [];
  for (const greetingMs of [2500, 3500, 4500])
    for (const longGreetingSilenceMs of [1600, 2400])
      for (const shortGreetingMs of [900, 1300]) points.push({ greetingMs, longGreetingSilenceMs, shortGreetingMs });
  return points;
})();

/** The grid with the experimental greeting model (trained per left-out source): its threshold and the long wait. */
const MODEL_GRID: { params: Partial<AmdParams>; threshold: number }[] = (() => {
  const points: { params: Partial<AmdParams>; threshold: number }[] = [];
  for (const longGreetingSilenceMs of [1600, 2400])
    for (const threshold of [0.35, 0.5, 0.65]) points.push({ params: { greetingMs: 4500, longGreetingSilenceMs }, threshold });
  return points;
})();

type VadChoice = 'energy' | LearnedVadKind;

interface Args {
  overrides: Record<string, string>;
  defaults: boolean;
  noModel: boolean;
  vad: VadChoice;
  vadMode: SpeechEvidenceMode;
  frames: boolean;
}

function args(): Args {
  const argv = process.argv.slice(2);
  const overrides: Record<string, string> = {};
  let defaults = false;
  let noModel = false;
  let vad: VadChoice = 'energy';
  let vadMode: SpeechEvidenceMode = 'replace';
  let frames = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--vad') {
      const v = argv[++i] ?? '';
      if (v !== 'energy' && v !== 'silero' && v !== 'fvad') throw new Error(`--vad: energy, silero or fvad, not ${v}`);
      vad = v;
      continue;
    }
    if (a === '--vad-mode') {
      const v = argv[++i] ?? '';
      if (v !== 'replace' && v !== 'and' && v !== 'rescue') throw new Error(`--vad-mode: replace, and or rescue, not ${v}`);
      vadMode = v;
      continue;
    }
    if (a === '--frames') {
      frames = true;
      continue;
    }
    if (a === '--defaults') {
      defaults = true;
      continue;
    }
    if (a === '--no-model') {
      noModel = true;
      continue;
    }
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (!AMD_PARAM_KEYS.includes(key as keyof AmdParams)) throw new Error(`unknown option ${a}`);
    overrides[key] = argv[++i] ?? '';
  }
  parseAmdParams(overrides, 'options'); // validates
  return { overrides, defaults, noModel, vad, vadMode, frames };
}

/** the engine's 10 ms frames at 8 kHz of a recording (the same Framer, so 16 kHz is decimated the same way) */
function framesOf(audio: Audio): Int16Array {
  const out = new Int16Array(Math.floor((audio.samples.length * 8000) / audio.sampleRate / FRAME_SAMPLES) * FRAME_SAMPLES);
  let at = 0;
  const framer = new Framer(audio.sampleRate, (f) => {
    if (at + FRAME_SAMPLES <= out.length) out.set(f, at);
    at += FRAME_SAMPLES;
  });
  framer.push(audio.samples);
  return out.subarray(0, Math.min(at, out.length));
}

/** a learned detector's probability for every frame of every file, and the CPU time it took (ms) */
async function learnedProbabilities(items: Item[], model: FrameSpeechModel): Promise<{ probs: Float32Array[]; cpuMs: number; audioMs: number }> {
  const probs: Float32Array[] = [];
  let cpuMs = 0;
  let audioMs = 0;
  for (const it of items) {
    const frames = framesOf(it.audio);
    model.reset();
    const t0 = process.cpuUsage();
    const a = await model.push(frames);
    const b = await model.flush();
    const u = process.cpuUsage(t0);
    cpuMs += (u.user + u.system) / 1000;
    audioMs += (frames.length / 8000) * 1000;
    const p = new Float32Array(a.length + b.length);
    p.set(a);
    p.set(b, a.length);
    probs.push(p);
  }
  return { probs, cpuMs, audioMs };
}

/**
 * Per frame, against the labels (the corpus labels speech end, not speech start): the share of frames judged
 * speech after the person or the greeting has ended (from speech end + 300 ms to the beep or the file's end:
 * music, babble, street noise, line noise behind, never speech) and over whole files without speech; and the
 * share judged speech in the 400 ms before speech end (the last words: a miss there moves the speech end).
 */
function frameMeasure(items: Item[], name: string, verdicts: Uint8Array[]): void {
  const kinds = [...new Set(items.map((it) => it.kind))];
  console.log(`\n## per-frame: ${name}`);
  console.log('kind                  false speech after end   speech in last 400 ms   speech-end error p50/p90 (ms)');
  console.log('  (people: after their speech end + 300 ms; silence and fax: whole files; machines: speech end not labelled)');
  let fa = 0;
  let faN = 0;
  for (const k of kinds) {
    let after = 0;
    let afterN = 0;
    let last = 0;
    let lastN = 0;
    const endErr: number[] = [];
    items.forEach((it, i) => {
      if (it.kind !== k) return;
      const v = verdicts[i]!;
      // a greeting's end is not labelled: its files say nothing here
      if (it.speechEndMs === null && it.label !== 'NO_SPEECH' && it.label !== 'FAX') return;
      const end = it.speechEndMs === null ? 0 : Math.floor(it.speechEndMs / 10);
      const stop = it.beepMs === null ? v.length : Math.min(v.length, Math.floor(it.beepMs / 10));
      for (let f = it.speechEndMs === null ? 0 : end + 30; f < stop; f++) {
        after += v[f]!;
        afterN++;
      }
      if (it.speechEndMs !== null) {
        for (let f = Math.max(0, end - 40); f < end && f < v.length; f++) {
          last += v[f]!;
          lastN++;
        }
        let lastSpeech = -1;
        for (let f = Math.min(stop, end + 150) - 1; f >= 0; f--) if (v[f]) { lastSpeech = f; break; }
        if (lastSpeech >= 0) endErr.push(Math.abs((lastSpeech + 1) * 10 - it.speechEndMs));
      }
    });
    fa += after;
    faN += afterN;
    if (afterN === 0) continue;
    const share = (a: number, n: number): string => (n ? `${(100 * a / n).toFixed(1)} %` : '-').padStart(8);
    console.log(`  ${k.padEnd(20)} ${share(after, afterN)}               ${share(last, lastN)}              ${endErr.length ? `${pct(endErr, 50)} / ${pct(endErr, 90)}` : '-'}`);
  }
  console.log(`  all: false speech after end ${(100 * fa / faN).toFixed(1)} %`);
}

function energyVerdicts(items: Item[]): Uint8Array[] {
  const p = DEFAULT_AMD_PARAMS;
  return items.map((it) => {
    const frames = framesOf(it.audio);
    const vad = new EnergyVad(p.silenceThreshold, p.speechSnrDb, p.backgroundMarginDb);
    const out = new Uint8Array(frames.length / FRAME_SAMPLES);
    for (let k = 0; k < out.length; k++) {
      const v = vad.analyze(frames.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
      if (v.rejudged) out.set(v.rejudged.subarray(0, v.rejudged.length - 1));
      out[k] = v.speech ? 1 : 0;
    }
    return out;
  });
}

/** Silero's hysteresis (0.5 on, 0.35 off) over a file's probabilities */
function hysteresis(p: Float32Array, on = 0.5, off = 0.35): Uint8Array {
  const out = new Uint8Array(p.length);
  let inSpeech = false;
  for (let k = 0; k < p.length; k++) {
    inSpeech = p[k]! >= (inSpeech ? off : on);
    out[k] = inSpeech ? 1 : 0;
  }
  return out;
}

function loadCorpus(): Item[] {
  const manifest = join(CORPUS, 'manifest.csv');
  if (!existsSync(manifest)) {
    console.log('corpus/manifest.csv absent: building the corpus (scripts/make-amd-corpus.sh)...');
    const r = spawnSync('bash', [join(ROOT, 'scripts/make-amd-corpus.sh')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`make-amd-corpus.sh failed (${r.status})`);
  }
  const [header, ...lines] = readFileSync(manifest, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  if (!cols.includes('source')) throw new Error('corpus/manifest.csv has no source column: rebuild it (npm run amd:corpus)');
  const col = (row: string[], name: string): string => row[cols.indexOf(name)] ?? '';
  return lines.map((l) => {
    const row = l.split(',');
    return {
      id: col(row, 'id'),
      label: col(row, 'label') as AmdDecision,
      kind: col(row, 'kind'),
      source: col(row, 'source'),
      condition: col(row, 'condition'),
      speechEndMs: col(row, 'speech_end_ms') ? Number(col(row, 'speech_end_ms')) : null,
      beepMs: col(row, 'beep_ms') ? Number(col(row, 'beep_ms')) : null,
      audio: readAudioFile(join(CORPUS, col(row, 'file'))),
    };
  });
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** stops feeding a detector once it has decided (grid search: beeps are not needed there) */
function untilDecided(d: AmdDetector): AmdDetector {
  return {
    push: (x) => d.push(x),
    end: () => d.end(),
    get result() {
      return d.result;
    },
    get beepMs() {
      return d.beepMs;
    },
    get finished() {
      return d.finished || d.result !== null;
    },
  };
}

function runAll(items: Item[], make: (it: Item) => AmdDetector, decisionOnly = false): { outcomes: Outcome[]; fedMs: number; cpuMs: number } {
  let fedMs = 0;
  let cpuMs = 0;
  const outcomes = items.map((it) => {
    const det = make(it);
    const a = analyzeAudio(it.audio, decisionOnly ? untilDecided(det) : det);
    fedMs += a.fedMs;
    cpuMs += a.cpuMs;
    const ev = a.result.evidence as AmdEvidence | undefined;
    return { decision: a.result.decision, decisionMs: a.result.decisionMs, beepMs: a.beepMs, reason: String(ev?.reason ?? '') };
  });
  return { outcomes, fedMs, cpuMs };
}

/** × real time on one core: median of 3 passes after one warm-up pass */
function speed(items: Item[], make: (it: Item) => AmdDetector): number {
  runAll(items, make);
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = runAll(items, make);
    xs.push(r.fedMs / r.cpuMs);
  }
  return pct(xs, 50);
}

const isHm = (it: Item): boolean => it.label === 'HUMAN' || it.label === 'MACHINE';

function score(items: Item[], outs: Outcome[]): { acc: number; humanP50: number } {
  let ok = 0;
  const human: number[] = [];
  items.forEach((it, i) => {
    const o = outs[i]!;
    if (o.decision === it.label) ok++;
    if (it.label === 'HUMAN' && o.decision === 'HUMAN' && it.speechEndMs !== null) human.push(o.decisionMs - it.speechEndMs);
  });
  return { acc: ok / items.length, humanP50: pct(human, 50) };
}

/** the LOSO choice key: the human-latency constraint first, then accuracy */
function choiceKey(items: Item[], outs: Outcome[]): number {
  const s = score(items, outs);
  return (s.humanP50 <= HUMAN_AFTER_END_LIMIT_MS ? 1 : 0) * 10 + s.acc;
}

const isTrainable = (it: Item): boolean => isHm(it) && it.source !== 'none';

/** the greeting's features where the engine first asks the model (after the short wait), per file; null when it never asks */
function greetingFeatures(items: Item[], params: AmdParams): (GreetingFeatures | null)[] {
  return items.map((it) => {
    let f: GreetingFeatures | null = null;
    const engine = new AmdEngine({ sampleRate: it.audio.sampleRate, params, greetingModel: null, onGreetingAsked: (x) => (f = x) });
    analyzeAudio(it.audio, untilDecided(engine));
    return f;
  });
}

function trainOn(items: Item[], feats: (GreetingFeatures | null)[], use: (i: number) => boolean, trainedOn: Record<string, unknown>): GreetingModel {
  const rows: GreetingFeatures[] = [];
  const labels: boolean[] = [];
  items.forEach((it, i) => {
    const f = feats[i];
    if (f && use(i) && isTrainable(it)) {
      rows.push(f);
      labels.push(it.label === 'MACHINE');
    }
  });
  return trainGreetingModel(rows, labels, { trainedOn: { ...trainedOn, files: rows.length, machines: labels.filter(Boolean).length } });
}

/**
 * LOSO with the greeting model: per left-out source S, a model trained on the other sources' features, then
 * the MODEL_GRID point best on the other sources with that model, then S measured with both.
 */
function modelLoso(
  items: Item[],
  feats: (GreetingFeatures | null)[],
  paramsOf: (g: Partial<AmdParams>) => AmdParams,
): { outcomes: Outcome[]; chosen: Record<string, number>; models: Record<string, GreetingModel> } {
  const sources = [...new Set(items.map((it) => it.source))].filter((s) => s !== 'none');
  const outcomes: Outcome[] = new Array<Outcome>(items.length);
  const chosen: Record<string, number> = {};
  const models: Record<string, GreetingModel> = {};
  const engine = (g: (typeof MODEL_GRID)[number], model: GreetingModel) => (it: Item): AmdDetector =>
    new AmdEngine({ sampleRate: it.audio.sampleRate, params: paramsOf(g.params), greetingModel: { model, threshold: g.threshold } });
  for (const src of sources) {
    const model = trainOn(items, feats, (i) => items[i]!.source !== src, { leftOut: src });
    models[src] = model;
    const train = items.filter((it) => it.source !== src);
    let best = 0;
    let bestKey = -Infinity;
    MODEL_GRID.forEach((g, k) => {
      const key = choiceKey(train, runAll(train, engine(g, model), true).outcomes);
      if (key > bestKey) {
        bestKey = key;
        best = k;
      }
    });
    chosen[src] = best;
    const held = items.map((it, i) => ({ it, i })).filter(({ it }) => it.source === src);
    const outs = runAll(held.map(({ it }) => it), engine(MODEL_GRID[best]!, model)).outcomes;
    held.forEach(({ i }, k) => (outcomes[i] = outs[k]!));
    process.stdout.write(`  left out ${src}: ${JSON.stringify(MODEL_GRID[best])}\n`);
  }
  const counts = new Map<number, number>();
  for (const g of Object.values(chosen)) counts.set(g, (counts.get(g) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const all = trainOn(items, feats, () => true, { leftOut: 'none' });
  const rest = items.map((it, i) => ({ it, i })).filter(({ it }) => it.source === 'none');
  const outs = runAll(rest.map(({ it }) => it), engine(MODEL_GRID[common]!, all)).outcomes;
  rest.forEach(({ i }, k) => (outcomes[i] = outs[k]!));
  return { outcomes, chosen, models };
}

/** LOSO: per source, the grid point best on the other sources; returns the held-out outcome of every file */
function loso(items: Item[], grid: Outcome[][]): { outcomes: Outcome[]; chosen: Record<string, number> } {
  const sources = [...new Set(items.map((it) => it.source))].filter((s) => s !== 'none');
  const outcomes: Outcome[] = new Array<Outcome>(items.length);
  const chosen: Record<string, number> = {};
  const pick = (train: number[]): number => {
    let best = 0;
    let bestKey = -Infinity;
    grid.forEach((outs, g) => {
      const s = score(train.map((i) => items[i]!), train.map((i) => outs[i]!));
      const key = (s.humanP50 <= HUMAN_AFTER_END_LIMIT_MS ? 1 : 0) * 10 + s.acc;
      if (key > bestKey) {
        bestKey = key;
        best = g;
      }
    });
    return best;
  };
  for (const src of sources) {
    const train = items.map((_it, i) => i).filter((i) => items[i]!.source !== src);
    const g = pick(train);
    chosen[src] = g;
    items.forEach((it, i) => {
      if (it.source === src) outcomes[i] = grid[g]![i]!;
    });
  }
  const all = pick(items.map((_it, i) => i));
  items.forEach((it, i) => {
    if (it.source === 'none') outcomes[i] = grid[all]![i]!;
  });
  return { outcomes, chosen };
}

function report(title: string, items: Item[], outs: Outcome[], xRealTime: number): Record<string, unknown> {
  const f = (x: number): string => (Number.isNaN(x) ? '-' : String(Math.round(x)));
  const hm = items.map((it, i) => ({ it, o: outs[i]! })).filter(({ it }) => isHm(it));
  const hmOk = hm.filter(({ it, o }) => o.decision === it.label).length;
  const allOk = items.filter((it, i) => outs[i]!.decision === it.label).length;
  const human = hm.filter(({ it, o }) => it.label === 'HUMAN' && o.decision === 'HUMAN').map(({ o }) => o.decisionMs);
  const humanAfterEnd = hm
    .filter(({ it, o }) => it.label === 'HUMAN' && o.decision === 'HUMAN' && it.speechEndMs !== null)
    .map(({ it, o }) => o.decisionMs - it.speechEndMs!);
  const machine = hm.filter(({ it, o }) => it.label === 'MACHINE' && o.decision === 'MACHINE').map(({ o }) => o.decisionMs);
  let beepExpected = 0;
  let beepFound = 0;
  let falseBeeps = 0;
  items.forEach((it, i) => {
    const o = outs[i]!;
    if (it.beepMs !== null) {
      beepExpected++;
      if (o.beepMs !== null && Math.abs(o.beepMs - it.beepMs) <= 100) beepFound++;
    } else if (o.beepMs !== null) falseBeeps++;
  });
  console.log(`\n## ${title}`);
  console.log(`HUMAN vs MACHINE: ${(100 * hmOk / hm.length).toFixed(1)} % (${hmOk}/${hm.length}); all labels ${(100 * allOk / items.length).toFixed(1)} % (${allOk}/${items.length})`);
  const kinds = [...new Set(items.map((it) => it.kind))];
  const perKind: Record<string, { ok: number; n: number; wrong: Record<string, number> }> = {};
  for (const k of kinds) {
    const rows = items.map((it, i) => ({ it, o: outs[i]! })).filter(({ it }) => it.kind === k);
    const wrong: Record<string, number> = {};
    for (const { it, o } of rows) if (o.decision !== it.label) wrong[o.decision] = (wrong[o.decision] ?? 0) + 1;
    perKind[k] = { ok: rows.filter(({ it, o }) => o.decision === it.label).length, n: rows.length, wrong };
  }
  console.log('kind                  accuracy   (wrong decisions)');
  for (const k of kinds) {
    const r = perKind[k]!;
    const w = Object.entries(r.wrong).map(([d, n]) => `${n} ${d}`).join(', ');
    console.log(`  ${k.padEnd(20)} ${(100 * r.ok / r.n).toFixed(1).padStart(5)} % ${`${r.ok}/${r.n}`.padStart(7)}  ${w}`);
  }
  console.log(`human decision from answer:      p50 ${f(pct(human, 50))} ms, p90 ${f(pct(human, 90))} ms, p95 ${f(pct(human, 95))} ms (n=${human.length})`);
  console.log(`human decision after speech end: p50 ${f(pct(humanAfterEnd, 50))} ms, p90 ${f(pct(humanAfterEnd, 90))} ms`);
  console.log(`machine decision from answer:    p50 ${f(pct(machine, 50))} ms, p90 ${f(pct(machine, 90))} ms, p95 ${f(pct(machine, 95))} ms (n=${machine.length})`);
  console.log(`record beeps found within 100 ms: ${beepFound}/${beepExpected}, false beeps ${falseBeeps}`);
  console.log(`speed: ${f(xRealTime)}x real time on one core`);
  return {
    title,
    humanVsMachine: { ok: hmOk, n: hm.length },
    all: { ok: allOk, n: items.length },
    perKind,
    humanFromAnswerMs: { p50: pct(human, 50), p90: pct(human, 90), p95: pct(human, 95) },
    humanAfterSpeechEndMs: { p50: pct(humanAfterEnd, 50), p90: pct(humanAfterEnd, 90) },
    machineFromAnswerMs: { p50: pct(machine, 50), p90: pct(machine, 90), p95: pct(machine, 95) },
    beeps: { found: beepFound, expected: beepExpected, falseBeeps },
    xRealTime,
  };
}

async function main(): Promise<void> {
  const { overrides, defaults, noModel, vad, vadMode, frames } = args();
  const items = loadCorpus();
  const sources = [...new Set(items.map((it) => it.source))];
  console.log(`# AMD benchmark: ${items.length} files, sources ${sources.join(', ')}; LOSO over ${sources.filter((s) => s !== 'none').length} sources`);
  if (frames) {
    frameMeasure(items, 'energy VAD (the engine\'s own, shipped defaults)', energyVerdicts(items));
    for (const kind of ['silero', 'fvad'] as const) {
      const r = await learnedProbabilities(items, await loadLearnedVad(kind));
      console.log(`\n${kind}: ${Math.round(r.audioMs / r.cpuMs)}x real time on one core (the detector alone)`);
      frameMeasure(items, kind, r.probs.map((p) => hysteresis(p)));
    }
    return;
  }
  const paramsOf = (g: Partial<AmdParams>): AmdParams => parseAmdParams({ ...g, ...overrides }, 'grid');
  const defaultParams = parseAmdParams(overrides, 'options');
  let learned: { probs: Map<Item, Float32Array>; cpuMs: number; audioMs: number } | null = null;
  if (vad !== 'energy') {
    const r = await learnedProbabilities(items, await loadLearnedVad(vad));
    learned = { probs: new Map(items.map((it, i) => [it, r.probs[i]!])), cpuMs: r.cpuMs, audioMs: r.audioMs };
    console.log(`speech evidence: ${vad} (mode ${vadMode}), ${Math.round(r.audioMs / r.cpuMs)}x real time on one core for the detector alone`);
  }
  const learnedOf = (it: Item): LearnedSpeechOptions | null => {
    const p = learned?.probs.get(it);
    return p ? { mode: vadMode, evidence: { at: (k: number) => p[k] ?? 0 } } : null;
  };
  const ours = (p: AmdParams) => (it: Item): AmdDetector => new AmdEngine({ sampleRate: it.audio.sampleRate, params: p, learnedSpeech: learnedOf(it) });
  const gridOuts = GRID.map((g) => runAll(items, ours(paramsOf(g))).outcomes);
  const { outcomes, chosen } = loso(items, gridOuts);
  const base = (it: Item): AmdDetector => new AppAmdBaseline({ sampleRate: it.audio.sampleRate });
  const engineSpeed = speed(items, ours(defaultParams));
  // with a learned detector: the detector's CPU (computed ahead, once per file) added to the engine's
  const oursSpeed = learned ? 1 / (1 / engineSpeed + learned.cpuMs / learned.audioMs) : engineSpeed;
  const baseSpeed = speed(items, base);
  const reports = [report(`amd engine (speech evidence: ${vad}${learned ? `, ${vadMode}` : ''}), leave-one-source-out`, items, outcomes, oursSpeed)];
  console.log(`  grid points chosen per left-out source: ${Object.entries(chosen).map(([s, g]) => `${s}=${JSON.stringify(GRID[g])}`).join(' ')}`);
  let model: ReturnType<typeof modelLoso> | null = null;
  if (!noModel && !learned) {
    console.log('\nexperimental greeting model (docs/amd.md "Greeting model"), trained per left-out source:');
    model = modelLoso(items, greetingFeatures(items, defaultParams), paramsOf);
    reports.push(report('amd engine + experimental greeting model, leave-one-source-out (model and grid point chosen without the left-out source)', items, model.outcomes, NaN));
  }
  reports.push(report('app_amd baseline (Asterisk defaults, nothing tuned)', items, runAll(items, base).outcomes, baseSpeed));
  if (defaults) reports.push(report('amd engine, shipped defaults on the whole corpus (not held out)', items, runAll(items, ours(defaultParams)).outcomes, oursSpeed));
  const errors = items
    .map((it, i) => ({ it, o: outcomes[i]! }))
    .filter(({ it, o }) => o.decision !== it.label)
    .map(({ it, o }) => `${it.id} (${it.condition}) ${it.label} -> ${o.decision} @${o.decisionMs}ms ${o.reason}`);
  mkdirSync(join(ROOT, '.bench-out'), { recursive: true });
  writeFileSync(
    join(ROOT, '.bench-out', vad === 'energy' ? 'amd-loso.json' : `amd-loso-${vad}-${vadMode}.json`),
    JSON.stringify({ grid: GRID, chosen, reports, errors, ...(model ? { modelGrid: MODEL_GRID, modelChosen: model.chosen, models: model.models } : {}) }, null, 2),
  );
  console.log(`\nLOSO errors (${errors.length}) in .bench-out/${vad === 'energy' ? 'amd-loso.json' : `amd-loso-${vad}-${vadMode}.json`}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
