/**
 * AMD benchmark: our engine vs the Asterisk app_amd baseline on the labelled corpus.
 *   npm run bench:amd                       held-out and fresh splits (what we report)
 *   npm run bench:amd -- --split tune       the split parameters were tuned on (also: heldout, fresh, all,
 *                                           or a comma list)
 *   npm run bench:amd -- --greeting-ms 2000 any AmdParams override, kebab case
 * Builds the corpus (scripts/make-amd-corpus.sh) when corpus/manifest.csv is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeAudio, type FileAnalysis } from '../src/amd/analyze';
import { AppAmdBaseline } from '../src/amd/app-amd-baseline';
import { AmdEngine } from '../src/amd/engine';
import { AMD_PARAM_KEYS, parseAmdParams, type AmdParams } from '../src/amd/params';
import type { AmdDetector, AmdEvidence } from '../src/amd/types';
import { readAudioFile, type Audio } from '../src/amd/wav';
import type { AmdDecision } from '../src/ports/dialer';

interface Item {
  id: string;
  file: string;
  label: AmdDecision;
  kind: string;
  condition: string;
  speechEndMs: number | null;
  beepMs: number | null;
  split: string;
  audio: Audio;
}

const ROOT = join(__dirname, '..');
const CORPUS = join(ROOT, 'corpus');
const DECISIONS: AmdDecision[] = ['HUMAN', 'MACHINE', 'NOTSURE', 'NO_SPEECH', 'FAX'];
const LABELS: AmdDecision[] = ['HUMAN', 'MACHINE', 'NO_SPEECH', 'FAX'];

function args(): { split: string; params: AmdParams } {
  const argv = process.argv.slice(2);
  let split = 'heldout,fresh';
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1] ?? '';
    if (a === '--split') split = v;
    else if (a.startsWith('--')) {
      const key = a.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      if (!AMD_PARAM_KEYS.includes(key as keyof AmdParams)) throw new Error(`unknown option ${a}`);
      raw[key] = v;
    } else continue;
    i++;
  }
  return { split, params: parseAmdParams(raw, 'options') };
}

function loadCorpus(split: string): Item[] {
  const manifest = join(CORPUS, 'manifest.csv');
  if (!existsSync(manifest)) {
    console.log('corpus/manifest.csv absent: building the corpus (scripts/make-amd-corpus.sh)...');
    const r = spawnSync('bash', [join(ROOT, 'scripts/make-amd-corpus.sh')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`make-amd-corpus.sh failed (${r.status})`);
  }
  const [header, ...lines] = readFileSync(manifest, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const col = (row: string[], name: string): string => row[cols.indexOf(name)] ?? '';
  return lines
    .map((l) => l.split(','))
    .filter((row) => split === 'all' || split.split(',').includes(col(row, 'split')))
    .map((row) => ({
      id: col(row, 'id'),
      file: col(row, 'file'),
      label: col(row, 'label') as AmdDecision,
      kind: col(row, 'kind'),
      condition: col(row, 'condition'),
      speechEndMs: col(row, 'speech_end_ms') ? Number(col(row, 'speech_end_ms')) : null,
      beepMs: col(row, 'beep_ms') ? Number(col(row, 'beep_ms')) : null,
      split: col(row, 'split'),
      audio: readAudioFile(join(CORPUS, col(row, 'file'))),
    }));
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

interface Report {
  engine: string;
  files: number;
  humanVsMachine: { correct: number; total: number; accuracy: number };
  overallAccuracy: number;
  confusion: Record<string, Record<string, number>>;
  humanAfterSpeechEndMs: { p50: number; p95: number; n: number };
  machineFromAnswerMs: { p50: number; p95: number; n: number };
  beep: { expected: number; found: number; falseBeeps: number; startErrorP50Ms: number };
  speechEndErrorP50Ms: number;
  timesRealTime: number;
  errors: string[];
}

function run(name: string, items: Item[], make: (it: Item) => AmdDetector): Report {
  // two warm-up passes (JIT), then three measured passes: decisions from the last, speed the median
  for (let w = 0; w < 2; w++) for (const it of items) analyzeAudio(it.audio, make(it));
  const speeds: number[] = [];
  let results: { it: Item; a: FileAnalysis }[] = [];
  for (let pass = 0; pass < 3; pass++) {
    results = items.map((it) => ({ it, a: analyzeAudio(it.audio, make(it)) }));
    const fed = results.reduce((n, r) => n + r.a.fedMs, 0);
    const cpu = results.reduce((n, r) => n + r.a.cpuMs, 0);
    speeds.push(fed / cpu);
  }
  const confusion: Record<string, Record<string, number>> = {};
  for (const l of LABELS) confusion[l] = Object.fromEntries(DECISIONS.map((d) => [d, 0]));
  let hmCorrect = 0;
  let hmTotal = 0;
  let correct = 0;
  const human: number[] = [];
  const machine: number[] = [];
  const beepErr: number[] = [];
  const speechEndErr: number[] = [];
  let beepExpected = 0;
  let falseBeeps = 0;
  const errors: string[] = [];
  for (const { it, a } of results) {
    const d = a.result.decision;
    confusion[it.label]![d]!++;
    if (d === it.label) correct++;
    else errors.push(`${it.id} (${it.kind}, ${it.condition}) ${it.label} -> ${d} @${a.result.decisionMs}ms ${String((a.result.evidence as AmdEvidence | undefined)?.reason ?? '')}`);
    if (it.label === 'HUMAN' || it.label === 'MACHINE') {
      hmTotal++;
      if (d === it.label) hmCorrect++;
    }
    if (it.label === 'HUMAN' && d === 'HUMAN' && it.speechEndMs !== null) {
      human.push(a.result.decisionMs - it.speechEndMs);
      const words = (a.result.evidence as AmdEvidence | undefined)?.words;
      const last = words?.[words.length - 1];
      if (last) speechEndErr.push(Math.abs(last.endMs - it.speechEndMs));
    }
    if (it.label === 'MACHINE' && d === 'MACHINE') machine.push(a.result.decisionMs);
    if (it.label === 'MACHINE' && it.beepMs !== null) {
      beepExpected++;
      if (a.beepMs !== null) beepErr.push(Math.abs(a.beepMs - it.beepMs));
    } else if (a.beepMs !== null) falseBeeps++;
  }
  return {
    engine: name,
    files: items.length,
    humanVsMachine: { correct: hmCorrect, total: hmTotal, accuracy: hmCorrect / hmTotal },
    overallAccuracy: correct / items.length,
    confusion,
    humanAfterSpeechEndMs: { p50: pct(human, 50), p95: pct(human, 95), n: human.length },
    machineFromAnswerMs: { p50: pct(machine, 50), p95: pct(machine, 95), n: machine.length },
    beep: { expected: beepExpected, found: beepErr.length, falseBeeps, startErrorP50Ms: pct(beepErr, 50) },
    speechEndErrorP50Ms: pct(speechEndErr, 50),
    timesRealTime: pct(speeds, 50),
    errors,
  };
}

function print(r: Report): void {
  const f = (x: number): string => (Number.isNaN(x) ? '-' : String(Math.round(x)));
  console.log(`\n## ${r.engine} (${r.files} files)`);
  console.log(`label \\ decision | ${DECISIONS.join(' | ')}`);
  for (const l of LABELS) console.log(`${l.padEnd(16)} | ${DECISIONS.map((d) => String(r.confusion[l]![d]).padStart(d.length)).join(' | ')}`);
  console.log(`HUMAN vs MACHINE accuracy: ${(100 * r.humanVsMachine.accuracy).toFixed(1)} % (${r.humanVsMachine.correct}/${r.humanVsMachine.total}); all labels: ${(100 * r.overallAccuracy).toFixed(1)} %`);
  console.log(`human decision after speech end: p50 ${f(r.humanAfterSpeechEndMs.p50)} ms, p95 ${f(r.humanAfterSpeechEndMs.p95)} ms (n=${r.humanAfterSpeechEndMs.n})`);
  console.log(`machine decision from answer:    p50 ${f(r.machineFromAnswerMs.p50)} ms, p95 ${f(r.machineFromAnswerMs.p95)} ms (n=${r.machineFromAnswerMs.n})`);
  console.log(`beep: ${r.beep.found}/${r.beep.expected} found, start error p50 ${f(r.beep.startErrorP50Ms)} ms, false beeps ${r.beep.falseBeeps}`);
  console.log(`VAD speech end vs label: p50 |error| ${f(r.speechEndErrorP50Ms)} ms`);
  console.log(`speed: ${Math.round(r.timesRealTime)}x real time (one core; median of 3 passes after 2 warm-up passes)`);
  if (r.errors.length) console.log(`misclassified:\n  ${r.errors.join('\n  ')}`);
}

function main(): void {
  const { split, params } = args();
  mkdirSync(join(ROOT, '.bench-out'), { recursive: true });
  for (const one of split === 'all' ? ['all'] : split.split(',')) {
    const items = loadCorpus(one);
    if (items.length === 0) {
      console.log(`\nsplit ${one}: no files (rebuild the corpus: npm run amd:corpus)`);
      continue;
    }
    console.log(`\n# AMD benchmark, split=${one}, ${items.length} files`);
    const ours = run('amd engine', items, (it) => new AmdEngine({ sampleRate: it.audio.sampleRate, params }));
    const base = run('app_amd baseline (Asterisk defaults)', items, (it) => new AppAmdBaseline({ sampleRate: it.audio.sampleRate }));
    print(ours);
    print(base);
    writeFileSync(join(ROOT, '.bench-out', `amd-${one}.json`), JSON.stringify({ split: one, params, reports: [ours, base] }, null, 2));
  }
}

main();
