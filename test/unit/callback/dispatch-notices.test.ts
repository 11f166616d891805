import assert from 'node:assert/strict';
import { DispatchNotices, type SchedulerHooks } from '../../../src/callback/dispatch-notices';
import type { CallbackRecord } from '../../../src/ports/callback-records';

/** a listener that writes down what it heard */
function recorder(name: string, heard: string[], running = true): SchedulerHooks {
  return {
    due: (at) => void heard.push(`${name} due ${at}`),
    left: (c) => void heard.push(`${name} left ${c.id}`),
    cancelRunning: async (id) => (heard.push(`${name} cancel ${id}`), running),
  };
}

describe('callback/dispatch-notices: what the callback service tells the scheduler', () => {
  it('without a listener a notice goes nowhere and a cancel finds nothing running', async () => {
    const n = new DispatchNotices();
    n.due(1);
    n.left({ id: 'cb1' } as CallbackRecord);
    assert.equal(await n.cancelRunning('cb1'), false);
  });

  it('the listening scheduler hears every notice; a newer one replaces it, and an old one stopping leaves the newer listening', async () => {
    const heard: string[] = [];
    const n = new DispatchNotices();
    const stopFirst = n.listen(recorder('first', heard));
    n.due(5);
    const stopSecond = n.listen(recorder('second', heard, false));
    stopFirst();
    n.left({ id: 'cb2' } as CallbackRecord);
    assert.equal(await n.cancelRunning('cb3'), false);
    stopSecond();
    n.due(9);
    assert.deepEqual(heard, ['first due 5', 'second left cb2', 'second cancel cb3']);
  });
});
