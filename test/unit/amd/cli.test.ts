import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { concat, skipWithoutTools, say, silence, tone, wavPcm16 } from './fixtures';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe('cbsvc amd (CLI)', function () {
  this.timeout(20000);
  let dir: string;
  let fax: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'amd-cli-'));
    fax = join(dir, 'fax.wav');
    writeFileSync(fax, wavPcm16(concat(silence(300), tone(1100, 500), silence(3000))));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON line per file with decision, times, outcome and evidence', async () => {
    const silent = join(dir, 'silent.wav');
    writeFileSync(silent, wavPcm16(silence(4000)));
    const r = await cli(['amd', fax, silent]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.decision, 'FAX');
    assert.equal(lines[0]!.answeredBy, 'fax');
    assert.equal(lines[1]!.decision, 'NO_SPEECH');
    assert.equal(lines[1]!.decisionMs, 2500);
    assert.equal(lines[1]!.answeredBy, 'unknown');
    assert.equal((lines[1]!.evidence as Record<string, unknown>).reason, 'initial_silence');
  });

  it('options override parameters (kebab case) and bad values name the option', async () => {
    const silent = join(dir, 'silent2.wav');
    writeFileSync(silent, wavPcm16(silence(4000)));
    const r = await cli(['amd', '--initial-silence-ms', '1000', silent]);
    assert.equal((JSON.parse(r.out) as { decisionMs: number }).decisionMs, 1000);
    const bad = await cli(['amd', '--max-words', 'lots', silent]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--max-words: must be a number/);
    const unknown = await cli(['amd', '--no-such-thing', '1', silent]);
    assert.equal(unknown.code, 2);
  });

  it('a missing file gives an error line and exit code 1; an unknown command exit code 2', async () => {
    const r = await cli(['amd', join(dir, 'nope.wav')]);
    assert.equal(r.code, 1);
    assert.match(r.out, /"error"/);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });

  it('--engine app_amd runs the baseline', async () => {
    const r = await cli(['amd', '--engine', 'app_amd', fax]);
    const line = JSON.parse(r.out) as { engine: string; decision: string };
    assert.equal(line.engine, 'app_amd');
    assert.notEqual(line.decision, 'FAX'); // app_amd has no fax detection
  });

  it('bin/cbsvc.js runs the CLI (machine greeting with beep, μ-law WAV)', function () {
    skipWithoutTools(this);
    const pcm = join(dir, 'm.wav');
    const ulaw = join(dir, 'm-ulaw.wav');
    writeFileSync(pcm, wavPcm16(concat(silence(300), say('Hello, this is Sarah. I am not available at the moment, leave a message.'), silence(300), tone(1000, 500), silence(2000))));
    execFileSync('sox', [pcm, '-e', 'u-law', ulaw]);
    const out = execFileSync(process.execPath, [join(__dirname, '../../../bin/cbsvc.js'), 'amd', '--events', ulaw], { encoding: 'utf8' });
    const line = JSON.parse(out) as { decision: string; beepMs: number; answeredBy: string; read: string; events: { name: string }[] };
    assert.equal(line.read, 'wav-ulaw');
    assert.equal(line.decision, 'MACHINE');
    assert.equal(line.answeredBy, 'machine_end_beep');
    assert.ok(line.beepMs > 0);
    assert.ok(line.events.some((e) => e.name === 'amd_tone_detected'));
  });
});
