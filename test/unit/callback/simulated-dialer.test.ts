import assert from 'node:assert/strict';
import { SimulatedDialer } from '../../../src/callback/simulated-dialer';
import type { DialRequest } from '../../../src/ports/dialer';
import { parseQueueOptions } from '../../../src/queue/parse-options';
import { QueueService } from '../../../src/queue/queue-service';

const request = (callbackId: string): DialRequest => ({
  callbackId,
  attemptId: `${callbackId}-a1`,
  attemptNumber: 1,
  serviceName: 'billing-now',
  customerNumber: '+14155552671',
  target: 'billing',
  queuedSince: Date.now() - 1000,
  waitForAgent: false,
  connectMode: 'bridge',
  ringTimeoutSec: 30,
  userData: {},
});

describe('SimulatedDialer with agentTalkMs (demo): an answered customer reserves an agent of the queue', () => {
  let queue: QueueService;
  beforeEach(() => {
    queue = new QueueService(parseQueueOptions({ targets: [{ name: 'billing' }], agents: [{ id: 'alice', name: 'Alice', targets: ['billing'], uri: 'sip:alice@pbx' }] }, ''));
  });
  afterEach(() => queue.close());

  it('the agent is reserved, busy while the call lasts, then free; the attempt names it', async () => {
    const dialer = new SimulatedDialer({ delayMs: 10, agentTalkMs: 80, reservations: queue });
    queue.login('alice');
    const attempt = dialer.dial(request('cb1'), new AbortController().signal);
    await new Promise((r) => setTimeout(r, 50));
    const busy = queue.getAgent('alice');
    assert.equal(busy.state, 'BUSY');
    assert.equal(busy.reservation?.contactId, 'cb1');
    assert.equal(busy.reservation?.contactKind, 'callback');
    const result = await attempt;
    assert.equal(result.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(result.agentId, 'alice');
    assert.ok(result.connectedAt! >= result.answeredAt!);
    assert.equal(queue.getAgent('alice').state, 'READY');
    assert.equal(queue.queueLength('billing'), 0);
  });

  it('no agent within agentWaitMs: AGENT_UNAVAILABLE, and the callback leaves the line', async () => {
    const dialer = new SimulatedDialer({ delayMs: 10, agentTalkMs: 80, agentWaitMs: 1000, reservations: queue });
    const started = Date.now();
    const result = await dialer.dial(request('cb2'), new AbortController().signal);
    assert.equal(result.outcome, 'AGENT_UNAVAILABLE');
    assert.ok(Date.now() - started >= 1000);
    assert.equal(result.agentId, undefined);
    assert.equal(queue.queueLength('billing'), 0);
  });

  it('without agentTalkMs the outcome alone, as before: no agent involved', async () => {
    const dialer = new SimulatedDialer({ delayMs: 10, reservations: queue });
    queue.login('alice');
    const result = await dialer.dial(request('cb3'), new AbortController().signal);
    assert.equal(result.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(result.agentId, undefined);
    assert.equal(queue.getAgent('alice').state, 'READY');
  });
});
