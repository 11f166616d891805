import assert from 'node:assert/strict';
import { nextStep } from '../../../src/callback/retry-policy';
import { DEFAULT_RETRY } from '../../../src/callback/service-options';

const settings = { retry: { ...DEFAULT_RETRY }, maxNumberOfAttempts: 3 };
const now = 1_000_000;
const farFuture = now + 86_400_000;

describe('retry policy', () => {
  it('completes as CONNECTED_TO_AGENT when the customer reached an agent', () => {
    assert.deepEqual(nextStep('CONNECTED_TO_AGENT', 1, settings, now, farFuture), { kind: 'complete', reason: 'CONNECTED_TO_AGENT' });
  });

  it('retries BUSY after the busy delay and counts the attempt', () => {
    assert.deepEqual(nextStep('BUSY', 1, settings, now, farFuture), { kind: 'retry', at: now + 120_000, countsAsAttempt: true });
  });

  it('stops with MAX_ATTEMPTS_REACHED once the counted attempts reach the maximum', () => {
    assert.deepEqual(nextStep('NO_ANSWER', 3, settings, now, farFuture), { kind: 'complete', reason: 'MAX_ATTEMPTS_REACHED' });
  });

  it('does not count AGENT_UNAVAILABLE against the maximum', () => {
    const step = nextStep('AGENT_UNAVAILABLE', 3, settings, now, farFuture);
    assert.equal(step.kind, 'retry');
    assert.equal(step.kind === 'retry' && step.countsAsAttempt, false);
  });

  it('expires instead of scheduling an attempt after the expiration time', () => {
    assert.deepEqual(nextStep('BUSY', 1, settings, now, now + 60_000), { kind: 'complete', reason: 'EXPIRED' });
  });

  it('completes with the outcome reason when the policy says no retry', () => {
    assert.deepEqual(nextStep('FAX', 1, settings, now, farFuture), { kind: 'complete', reason: 'FAX_DETECTED' });
    assert.deepEqual(nextStep('REJECTED', 1, settings, now, farFuture), { kind: 'complete', reason: 'REJECTED' });
    const noMachineRetry = { ...settings, retry: { ...DEFAULT_RETRY, MACHINE: null } };
    assert.deepEqual(nextStep('MACHINE', 1, noMachineRetry, now, farFuture), { kind: 'complete', reason: 'MAX_ATTEMPTS_REACHED' });
  });
});
