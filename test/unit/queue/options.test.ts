import assert from 'node:assert/strict';
import { parseQueueOptions } from '../../../src/queue/parse-options';
import { TARGET_DEFAULTS } from '../../../src/queue/defaults';

const ok = {
  targets: [{ name: 'sales' }, { name: 'support', afterCallWorkSec: 15, ewtMethod: 'simple', staffing: { timezone: 'Europe/Paris', windows: [{ from: '08:00', to: '18:00', agents: 4 }] } }],
  agents: [
    { id: 'alice', name: 'Alice', targets: ['sales', 'support'], uri: 'sip:alice@pbx.example' },
    { id: 'bob', targets: ['support'], password: 's3cret' },
  ],
};

describe('queue options (parseQueueOptions)', () => {
  it('fills defaults and keeps what is given', () => {
    const o = parseQueueOptions(ok, '');
    assert.deepEqual(o.targets[0], { name: 'sales', ...TARGET_DEFAULTS });
    assert.equal(o.targets[1]!.afterCallWorkSec, 15);
    assert.equal(o.targets[1]!.ewtMethod, 'simple');
    assert.equal(o.targets[1]!.staffing?.timezone, 'Europe/Paris');
    assert.equal(o.agents[1]!.name, 'bob');
    assert.equal(o.agents[1]!.password, 's3cret');
    assert.equal(o.agents[1]!.uri, undefined);
  });

  it('accepts an empty input', () => {
    assert.deepEqual(parseQueueOptions(undefined, ''), { targets: [], agents: [] });
  });

  const bad: [string, unknown, RegExp][] = [
    ['negative after-call work', { targets: [{ name: 'a' }, { name: 'b', afterCallWorkSec: -1 }] }, /^targets\[1\]\.afterCallWorkSec must be a number ≥ 0$/],
    ['unknown EWT method', { targets: [{ name: 'a', ewtMethod: 'magic' }] }, /^targets\[0\]\.ewtMethod must be "simple", "erlang" or "erlang-a"$/],
    ['unknown key', { targets: [{ name: 'a', afterCallWork: 3 }] }, /^targets\[0\]\.afterCallWork is not a known key/],
    ['duplicate target', { targets: [{ name: 'a' }, { name: 'a' }] }, /^targets\[1\]\.name repeats/],
    ['agent of an unknown target', { targets: [{ name: 'a' }], agents: [{ id: 'x', targets: ['b'] }] }, /^agents\[0\]\.targets\[0\] names no target/],
    ['agent without targets', { targets: [{ name: 'a' }], agents: [{ id: 'x', targets: [] }] }, /^agents\[0\]\.targets must be a non-empty list/],
    ['bad SIP URI', { targets: [{ name: 'a' }], agents: [{ id: 'x', targets: ['a'], uri: 'http://x' }] }, /^agents\[0\]\.uri must be a SIP URI/],
    ['duplicate agent', { targets: [{ name: 'a' }], agents: [{ id: 'x', targets: ['a'] }, { id: 'x', targets: ['a'] }] }, /^agents\[1\]\.id repeats/],
    ['bad staffing time', { targets: [{ name: 'a', staffing: { windows: [{ from: '8h', to: '18:00', agents: 1 }] } }] }, /^targets\[0\]\.staffing\.windows\[0\]\.from must be a time/],
    ['bad time zone', { targets: [{ name: 'a', staffing: { timezone: 'Mars/Base', windows: [] } }] }, /^targets\[0\]\.staffing\.timezone must be an IANA/],
    ['smoothing above 1', { targets: [{ name: 'a', handleTimeSmoothing: 2 }] }, /^targets\[0\]\.handleTimeSmoothing must be a number between 0 and 1$/],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what}, naming the key`, () => assert.throws(() => parseQueueOptions(input, ''), { message }));
  }

  it('prefixes keys with the path it is given', () => {
    assert.throws(() => parseQueueOptions({ targets: [{ name: 'a', reservationTimeoutSec: 0 }] }, 'queue'), { message: /^queue\.targets\[0\]\.reservationTimeoutSec must be a number > 0$/ });
  });
});
