import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compose } from '../helpers/compose';

describe('config load: a DID whose target is not its service\'s _target', () => {
  it('does not start, and the error names the DID key and both targets', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-did-'));
    try {
      await assert.rejects(
        compose({
          store: { path: path.join(dir, 'cb.db') },
          services: [{ name: 'billing-now', template: 'user-terminated-immediate', options: { _target: 'billing' } }],
          targets: [{ name: 'billing' }, { name: 'sales' }],
          telephony: { drachtio: { port: 1 }, mediaServers: [{ host: '127.0.0.1', port: 1 }], audioFork: { port: 0 }, dids: { '18005550100': { service: 'billing-now', target: 'sales' } } },
        }),
        /invalid configuration: telephony\.dids\.18005550100\.target: "sales" does not match the _target "billing" of its service "billing-now"/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
