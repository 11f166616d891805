import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, maskNumber } from '../../../src/observability/logger';

const capture = (maskNumbers?: boolean) => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) });
  return { logger: createLogger('info', sink, maskNumbers === undefined ? {} : { maskNumbers }), lines };
};

describe('logger: customer numbers masked by default', () => {
  it('keeps the last four digits', () => {
    assert.equal(maskNumber('+14155552671'), '+*******2671');
    assert.equal(maskNumber('415 555 2671'), '*** *** 2671');
    assert.equal(maskNumber('12'), '12');
    assert.equal(maskNumber(42), 42);
  });

  it('masks numbers in a line, one level down and in child bindings; other fields untouched', () => {
    const { logger, lines } = capture();
    logger.info({ callbackId: 'cb1', customerNumber: '+14155552671', call: { ani: '+33612345678' } }, 'dialing');
    logger.child({ callId: 'c1', ani: '+442071838750' }).info('inbound call');
    const all = lines.join('');
    assert.ok(!all.includes('4155552671') && !all.includes('612345678') && !all.includes('2071838750'), all);
    const [a, b] = lines.map((l) => JSON.parse(l));
    assert.equal(a.customerNumber, '+*******2671');
    assert.equal(a.call.ani, '+*******5678');
    assert.equal(a.callbackId, 'cb1');
    assert.equal(b.ani, '+********8750');
    assert.equal(b.callId, 'c1');
  });

  it('log.maskNumbers: false shows them whole', () => {
    const { logger, lines } = capture(false);
    logger.info({ customerNumber: '+14155552671' }, 'dialing');
    assert.equal(JSON.parse(lines[0]!).customerNumber, '+14155552671');
  });
});
