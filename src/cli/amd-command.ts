/**
 * `cbsvc amd [options] FILE...`: runs the AMD engine (or the app_amd baseline) on recordings and prints
 * one JSON line per file. Every AmdParams key is an option in kebab case (--greeting-ms 2000).
 */
import { writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeAudio, analyzeAudioLearned, type FileAnalysis } from '../amd/analyze';
import { LearnedAmd } from '../amd/learned-amd';
import { SileroVad, type FrameSpeechModel } from '../amd/learned-vad';
import { AppAmdBaseline } from '../amd/app-amd-baseline';
import { AmdEngine } from '../amd/engine';
import { answeredBy } from '../amd/outcome';
import { AMD_PARAM_KEYS, AMD_PARAM_RANGES, DEFAULT_AMD_PARAMS, parseAmdParams, type AmdParams } from '../amd/params';
import { plotSvg } from '../amd/plot';
import type { FrameTrace } from '../amd/types';
import { readAudioFile } from '../amd/wav';
import type { CliIo } from './io';

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function help(): string {
  const opts = AMD_PARAM_KEYS.map((k) => {
    const r = AMD_PARAM_RANGES[k];
    return `  --${kebab(k).padEnd(28)} default ${String(DEFAULT_AMD_PARAMS[k]).padEnd(6)} (${r.min}..${r.max})`;
  });
  return [
    'usage: cbsvc amd [options] FILE.wav...',
    '',
    'Prints one JSON line per file: decision (HUMAN|MACHINE|NOTSURE|NO_SPEECH|FAX), decisionMs from the',
    'start of the file, beepMs, answeredBy (Twilio words) and the evidence.',
    'Reads 8/16 kHz 16-bit PCM, 8-bit PCM, u-law and A-law WAV natively; anything else through sox.',
    '',
    'options:',
    '  --engine amd|app_amd             amd (default) or the Asterisk app_amd baseline',
    '  --speech-detector silero|energy  silero (default): the energy VAD, and Silero VAD where it heard no',
    '                                   word (a quiet voice under music or noise); energy: the energy VAD alone',
    '  --events                         include the event list (amd_* events with times)',
    '  --plot OUT.svg                   draw waveform, speech, words, tones, levels and decision time',
    '                                   (several files: OUT-<file name>.svg each)',
    ...opts,
    '',
  ].join('\n');
}

export async function runAmd(argv: string[], io: CliIo): Promise<number> {
  const paramOptions = Object.fromEntries(AMD_PARAM_KEYS.map((k) => [kebab(k), { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...paramOptions,
        engine: { type: 'string', default: 'amd' },
        events: { type: 'boolean', default: false },
        'speech-detector': { type: 'string', default: 'silero' },
        plot: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err.write(`cbsvc amd: ${(err as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out.write(help());
    return 0;
  }
  if (positionals.length === 0) {
    io.err.write(help());
    return 2;
  }
  const engine = values.engine;
  if (engine !== 'amd' && engine !== 'app_amd') {
    io.err.write(`cbsvc amd: --engine must be amd or app_amd, got ${String(engine)}\n`);
    return 2;
  }
  const detectorName = values['speech-detector'];
  if (detectorName !== 'silero' && detectorName !== 'energy') {
    io.err.write(`cbsvc amd: --speech-detector must be silero or energy, got ${String(detectorName)}\n`);
    return 2;
  }
  const raw: Record<string, unknown> = {};
  const valueMap = values as Record<string, unknown>;
  for (const k of AMD_PARAM_KEYS) if (valueMap[kebab(k)] !== undefined) raw[k] = valueMap[kebab(k)];
  let params: AmdParams;
  try {
    params = parseAmdParams(raw, 'options');
  } catch (err) {
    io.err.write(`cbsvc amd: ${(err as Error).message.replace(/^options\.(\w+)/, (_m, k: string) => `--${kebab(k)}`)}\n`);
    return 2;
  }

  let silero: SileroVad | null = null;
  if (engine === 'amd' && detectorName === 'silero') {
    try {
      silero = await SileroVad.load();
    } catch (err) {
      io.err.write(`cbsvc amd: Silero VAD did not load (${(err as Error).message}); use --speech-detector energy\n`);
      return 1;
    }
  }
  let failures = 0;
  for (const file of positionals) {
    try {
      const audio = readAudioFile(file);
      const frames: FrameTrace[] = [];
      const plot = values.plot;
      if (plot !== undefined && engine !== 'amd') throw new Error('--plot needs --engine amd');
      const onFrame = plot !== undefined ? { onFrame: (f: FrameTrace) => frames.push(f) } : {};
      const model: FrameSpeechModel | null = silero ? silero.fork() : null;
      const learned = model ? new LearnedAmd({ sampleRate: audio.sampleRate, params, model, ...onFrame }) : null;
      const amd = learned ? learned.engine : engine === 'amd' ? new AmdEngine({ sampleRate: audio.sampleRate, params, ...onFrame }) : null;
      let a: FileAnalysis;
      if (learned) a = await analyzeAudioLearned(audio, learned);
      else a = analyzeAudio(audio, amd ?? new AppAmdBaseline({ sampleRate: audio.sampleRate }));
      const machineEnded = amd?.events.some((e) => e.name === 'amd_machine_stopped_speaking') ?? false;
      const line: Record<string, unknown> = {
        file,
        engine,
        decision: a.result.decision,
        decisionMs: a.result.decisionMs,
        beepMs: a.beepMs,
        answeredBy: answeredBy(a.result, machineEnded),
        durationMs: Math.round(a.audioMs),
        sampleRate: audio.sampleRate,
        read: audio.via,
        evidence: a.result.evidence,
      };
      if (plot !== undefined && amd) {
        const svgPath = positionals.length === 1 ? plot : plot.replace(/(\.svg)?$/i, `-${basename(file, extname(file))}.svg`);
        writeFileSync(svgPath, plotSvg({ title: basename(file), frames, result: a.result, beepMs: a.beepMs }));
        line.plot = svgPath;
      }
      if (values.events && amd) {
        line.events = amd.events.map((e) => ({ name: e.name, atMs: e.atMs, ...(e.tone ? { tone: e.tone } : {}) }));
      }
      io.out.write(`${JSON.stringify(line)}\n`);
    } catch (err) {
      failures++;
      io.out.write(`${JSON.stringify({ file, error: (err as Error).message })}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}
