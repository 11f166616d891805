import assert from 'node:assert/strict';
import { DEFAULT_AMD_PARAMS, parseAmdParams } from '../../../src/amd/params';

describe('amd parseAmdParams', () => {
  it('returns the defaults for undefined, null and {}', () => {
    assert.deepEqual(parseAmdParams(undefined, 'x'), DEFAULT_AMD_PARAMS);
    assert.deepEqual(parseAmdParams(null, 'x'), DEFAULT_AMD_PARAMS);
    assert.deepEqual(parseAmdParams({}, 'x'), DEFAULT_AMD_PARAMS);
  });

  it('overrides given keys and accepts numeric strings', () => {
    const p = parseAmdParams({ greetingMs: 2500, maxWords: '4' }, 'svc.amd');
    assert.equal(p.greetingMs, 2500);
    assert.equal(p.maxWords, 4);
    assert.equal(p.totalAnalysisMs, DEFAULT_AMD_PARAMS.totalAnalysisMs);
  });

  it('names an unknown key with its path', () => {
    assert.throws(() => parseAmdParams({ greeting: 1500 }, 'services.sales.amd'), /services\.sales\.amd\.greeting: unknown AMD setting/);
  });

  it('names a key with a bad type, a fraction or an out-of-range value', () => {
    assert.throws(() => parseAmdParams({ minWordMs: 'abc' }, 'a'), /a\.minWordMs: must be a number/);
    assert.throws(() => parseAmdParams({ maxWords: 2.5 }, 'a'), /a\.maxWords: must be an integer/);
    assert.throws(() => parseAmdParams({ totalAnalysisMs: 10 }, 'a'), /a\.totalAnalysisMs: must be between 500 and 120000/);
    assert.throws(() => parseAmdParams({ toneMinPurity: 0 }, 'a'), /a\.toneMinPurity/);
  });

  it('rejects a non-object and an inverted beep band', () => {
    assert.throws(() => parseAmdParams([1], 'a'), /a: AMD settings must be an object/);
    assert.throws(() => parseAmdParams({ beepMinHz: 2000, beepMaxHz: 1000 }, 'a'), /a\.beepMinHz: must be below beepMaxHz/);
  });
});
