import assert from 'node:assert/strict';
import { didTargetMismatch } from '../../../src/compose';

describe('config: a DID route and its service agree on the target', () => {
  const targets: Record<string, string> = { billing: 'billing', 'by-queue': '$queue$' };
  const of = (s: string) => targets[s];
  it('names the DID key, both targets and the service when they differ', () => {
    const msg = didTargetMismatch({ '18005550100': { service: 'billing', target: 'sales' } }, of);
    assert.equal(msg, 'telephony.dids.18005550100.target: "sales" does not match the _target "billing" of its service "billing" (callbacks of the service go to "billing")');
  });
  it('passes when they agree, for a $token$ target, and for a service the registry does not know', () => {
    assert.equal(didTargetMismatch({ '1': { service: 'billing', target: 'billing' }, '2': { service: 'by-queue', target: 'x' }, '3': { service: 'nope', target: 'y' } }, of), undefined);
  });
});
