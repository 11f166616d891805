import assert from 'node:assert/strict';
import { analyzeAudio } from '../../../src/amd/analyze';
import { AppAmdBaseline } from '../../../src/amd/app-amd-baseline';
import { concat, skipWithoutTools, say, silence } from './fixtures';

function decide(samples: Int16Array) {
  return analyzeAudio({ sampleRate: 8000, samples, via: 'test' }, new AppAmdBaseline({ sampleRate: 8000 })).result;
}

describe('amd app_amd baseline (Asterisk defaults)', function () {
  this.timeout(20000);

  it('silence: MACHINE by INITIALSILENCE at 2500 ms, as app_amd does', () => {
    const r = decide(silence(6000));
    assert.equal(r.decision, 'MACHINE');
    assert.equal(r.decisionMs, 2500);
    assert.equal(r.evidence?.reason, 'INITIALSILENCE');
  });

  describe('speech', () => {
    before(function () {
      skipWithoutTools(this);
    });

    it('"hello" then silence: HUMAN 800 ms after the last voiced frame', () => {
      const r = decide(concat(silence(500), say('hello'), silence(3000)));
      assert.equal(r.decision, 'HUMAN');
      assert.equal(r.evidence?.reason, 'HUMAN');
    });

    it('a long greeting: MACHINE (LONGGREETING or MAXWORDS)', () => {
      const r = decide(concat(silence(300), say('You have reached the voicemail of Peter Miller. Please leave a message.'), silence(1000)));
      assert.equal(r.decision, 'MACHINE');
      assert.match(String(r.evidence?.reason), /LONGGREETING|MAXWORDS/);
    });
  });
});
