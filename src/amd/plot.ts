/**
 * One SVG picture of why the engine decided: waveform, the frames it took for speech, the words, steady
 * tones (beep, fax), the levels the speech was judged against (noise floor, background), the decision
 * time and the beep. Pure function of the engine's frame trace and result (`cbsvc amd FILE --plot out.svg`).
 */
import type { AmdResult } from '../ports/dialer';
import type { AmdEvidence, FrameTrace } from './types';

export interface PlotInput {
  title: string;
  frames: FrameTrace[];
  result: AmdResult;
  beepMs: number | null;
}

const W = 1000;
const LEFT = 50;
const RIGHT = 20;
const PLOT_W = W - LEFT - RIGHT;
const WAVE_TOP = 40;
const WAVE_H = 140;
const LANE_TOP = WAVE_TOP + WAVE_H + 10; // speech / tone / words lanes
const LANE_H = 14;
const LEVEL_TOP = LANE_TOP + 3 * (LANE_H + 4) + 14;
const LEVEL_H = 140;
const H = LEVEL_TOP + LEVEL_H + 40;
const DB_MIN = 0;
const DB_MAX = 90;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

export function plotSvg(input: PlotInput): string {
  const { frames, result } = input;
  const totalMs = Math.max(1000, (frames.length ? frames[frames.length - 1]!.atMs : 0) + 10);
  const x = (ms: number): number => LEFT + (ms / totalMs) * PLOT_W;
  const dbY = (db: number): number => LEVEL_TOP + LEVEL_H - ((Math.min(DB_MAX, Math.max(DB_MIN, db)) - DB_MIN) / (DB_MAX - DB_MIN)) * LEVEL_H;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  const ev = result.evidence as AmdEvidence | undefined;
  out.push(`<text x="${LEFT}" y="16" font-size="13" font-weight="bold">${esc(input.title)}</text>`);
  out.push(`<text x="${LEFT}" y="32">${esc(`${result.decision} at ${result.decisionMs} ms (${ev?.reason ?? ''})${input.beepMs !== null ? `, beep at ${input.beepMs} ms` : ''}`)}</text>`);

  // waveform: min/max per pixel column
  const mid = WAVE_TOP + WAVE_H / 2;
  out.push(`<rect x="${LEFT}" y="${WAVE_TOP}" width="${PLOT_W}" height="${WAVE_H}" fill="#f6f6f6"/>`);
  const cols = new Map<number, { min: number; max: number }>();
  for (const f of frames) {
    const c = Math.floor(x(f.atMs));
    const cur = cols.get(c);
    if (cur) {
      cur.min = Math.min(cur.min, f.min);
      cur.max = Math.max(cur.max, f.max);
    } else cols.set(c, { min: f.min, max: f.max });
  }
  // scaled to the loudest sample (quiet lines stay readable); the scale is printed
  let peak = 1;
  for (const v of cols.values()) peak = Math.max(peak, v.max, -v.min);
  const wave: string[] = [];
  for (const [c, v] of cols) wave.push(`M${c} ${r1(mid - (v.max / peak) * (WAVE_H / 2))}V${r1(mid - (v.min / peak) * (WAVE_H / 2))}`);
  out.push(`<path d="${wave.join('')}" stroke="#4a6fa5" stroke-width="1" fill="none"/>`);
  out.push(`<text x="${LEFT - 6}" y="${mid + 4}" text-anchor="end">wave</text>`);
  out.push(`<text x="${LEFT + PLOT_W}" y="${WAVE_TOP - 4}" text-anchor="end" fill="#666666">${esc(`peak ${r1(20 * Math.log10(peak / 32768))} dBFS`)}</text>`);

  // lanes: speech frames, tone frames, words
  const lane = (i: number): number => LANE_TOP + i * (LANE_H + 4);
  const labels = ['speech', 'tone', 'words'];
  labels.forEach((l, i) => {
    out.push(`<rect x="${LEFT}" y="${lane(i)}" width="${PLOT_W}" height="${LANE_H}" fill="#f0f0f0"/>`);
    out.push(`<text x="${LEFT - 6}" y="${lane(i) + 11}" text-anchor="end">${l}</text>`);
  });
  const runs = (pred: (f: FrameTrace) => boolean): { start: number; end: number }[] => {
    const rs: { start: number; end: number }[] = [];
    for (const f of frames) {
      if (!pred(f)) continue;
      const last = rs[rs.length - 1];
      if (last && last.end === f.atMs) last.end = f.atMs + 10;
      else rs.push({ start: f.atMs, end: f.atMs + 10 });
    }
    return rs;
  };
  for (const r of runs((f) => f.speech)) out.push(`<rect x="${r1(x(r.start))}" y="${lane(0)}" width="${r1(Math.max(1, x(r.end) - x(r.start)))}" height="${LANE_H}" fill="#3c9a5f"/>`);
  for (const r of runs((f) => f.toneHz > 0)) {
    const hz = frames.find((f) => f.atMs === r.start)?.toneHz ?? 0;
    out.push(`<rect x="${r1(x(r.start))}" y="${lane(1)}" width="${r1(Math.max(1, x(r.end) - x(r.start)))}" height="${LANE_H}" fill="#e08a1e"><title>${hz} Hz</title></rect>`);
    if (x(r.end) - x(r.start) > 30) out.push(`<text x="${r1(x(r.start) + 2)}" y="${lane(1) + 11}" fill="#ffffff">${hz} Hz</text>`);
  }
  for (const w of ev?.words ?? []) {
    out.push(`<rect x="${r1(x(w.startMs))}" y="${lane(2)}" width="${r1(Math.max(1, x(w.endMs) - x(w.startMs)))}" height="${LANE_H}" fill="#7a4fa0"><title>${w.startMs}-${w.endMs} ms</title></rect>`);
  }

  // levels: frame energy, noise floor, background
  out.push(`<rect x="${LEFT}" y="${LEVEL_TOP}" width="${PLOT_W}" height="${LEVEL_H}" fill="#f6f6f6"/>`);
  for (let db = 0; db <= DB_MAX; db += 30) {
    out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${r1(dbY(db))}" y2="${r1(dbY(db))}" stroke="#dddddd"/>`);
    out.push(`<text x="${LEFT - 6}" y="${r1(dbY(db) + 4)}" text-anchor="end">${db} dB</text>`);
  }
  const line = (get: (f: FrameTrace) => number | null, color: string, width: number): void => {
    const pts: string[] = [];
    for (const f of frames) {
      const v = get(f);
      if (v !== null) pts.push(`${r1(x(f.atMs))},${r1(dbY(v))}`);
    }
    if (pts.length) out.push(`<polyline points="${pts.join(' ')}" stroke="${color}" stroke-width="${width}" fill="none"/>`);
  };
  line((f) => f.energyDb, '#4a6fa5', 1);
  line((f) => f.floorDb, '#888888', 1.5);
  line((f) => (f.backgroundDb > 0 ? f.backgroundDb : null), '#e08a1e', 1.5);
  const legendY = LEVEL_TOP + LEVEL_H + 30;
  const legend: [string, string][] = [['#4a6fa5', 'frame energy'], ['#888888', 'noise floor'], ['#e08a1e', 'background (music, babble, noise)'], ['#3c9a5f', 'speech'], ['#7a4fa0', 'words'], ['#d62728', 'decision / beep']];
  let lx = LEFT;
  for (const [c, t] of legend) {
    out.push(`<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${c}"/><text x="${lx + 14}" y="${legendY}">${esc(t)}</text>`);
    lx += 24 + t.length * 6;
  }

  // time axis
  const axisY = LEVEL_TOP + LEVEL_H + 12;
  for (let ms = 0; ms <= totalMs; ms += 1000) out.push(`<text x="${r1(x(ms))}" y="${axisY}" text-anchor="middle">${ms / 1000} s</text>`);

  // decision and beep
  const mark = (ms: number, text: string): void => {
    out.push(`<line x1="${r1(x(ms))}" x2="${r1(x(ms))}" y1="${WAVE_TOP}" y2="${LEVEL_TOP + LEVEL_H}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${r1(x(ms) + 3)}" y="${WAVE_TOP + 12}" fill="#d62728">${esc(text)}</text>`);
  };
  mark(result.decisionMs, result.decision);
  if (input.beepMs !== null) mark(input.beepMs, 'beep');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
