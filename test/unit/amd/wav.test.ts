import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALAW_TABLE, ULAW_TABLE } from '../../../src/amd/g711';
import { parseWav, readAudioFile, UnsupportedAudioError } from '../../../src/amd/wav';
import { skipWithoutTools, tone, wavPcm16 } from './fixtures';

describe('amd WAV reading', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'amd-wav-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('G.711 tables match the standard at known points', () => {
    assert.equal(ULAW_TABLE[0xff], 0);
    assert.equal(ULAW_TABLE[0x00], -32124);
    assert.equal(ULAW_TABLE[0x80], 32124);
    assert.equal(ALAW_TABLE[0xd5], 8);
    assert.equal(ALAW_TABLE[0x55], -8);
    assert.equal(ALAW_TABLE[0xaa], 32256);
  });

  it('reads 16-bit PCM at 8 and 16 kHz', () => {
    const t = tone(1000, 100);
    const a = parseWav(wavPcm16(t, 8000));
    assert.equal(a.sampleRate, 8000);
    assert.deepEqual(Array.from(a.samples), Array.from(t));
    assert.equal(parseWav(wavPcm16(t, 16000)).sampleRate, 16000);
  });

  it('refuses what it cannot read natively with UnsupportedAudioError', () => {
    assert.throws(() => parseWav(Buffer.from('not a wav at all')), UnsupportedAudioError);
    assert.throws(() => parseWav(wavPcm16(tone(1000, 10), 44100)), /sample rate 44100/);
  });

  describe('with sox', () => {
    before(function () {
      skipWithoutTools(this);
    });

    it('μ-law and A-law WAV decode like sox decodes them', () => {
      const src = join(dir, 'src.wav');
      writeFileSync(src, wavPcm16(tone(700, 200, 9000)));
      for (const enc of ['u-law', 'a-law']) {
        const g = join(dir, `${enc}.wav`);
        execFileSync('sox', [src, '-e', enc, g]);
        const ours = readAudioFile(g);
        assert.equal(ours.via, enc === 'u-law' ? 'wav-ulaw' : 'wav-alaw');
        const raw = execFileSync('sox', [g, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-']);
        for (let i = 0; i < ours.samples.length; i += 97) assert.equal(ours.samples[i], raw.readInt16LE(i * 2), `sample ${i}`);
      }
    });

    it('other rates go through sox to 8 kHz', () => {
      const f = join(dir, 'cd.wav');
      writeFileSync(f, wavPcm16(tone(1000, 500, 12000, 44100), 44100));
      const a = readAudioFile(f);
      assert.equal(a.via, 'sox');
      assert.equal(a.sampleRate, 8000);
      assert.ok(Math.abs(a.samples.length - 4000) <= 2);
    });
  });
});
