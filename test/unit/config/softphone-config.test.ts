import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseAppConfig } from '../../../src/config/app-config';

describe('softphone config (agent page WebRTC)', () => {
  it('takes STUN/TURN servers for the browser, and names a bad one', () => {
    const c = parseAppConfig({ softphone: { wsUrl: 'wss://cc.example:8443', iceServers: [{ urls: 'stun:stun.example:3478' }, { urls: ['turn:t.example:3478'], username: 'u', credential: 'p' }] } }, 'test');
    assert.equal(c.softphone.iceServers?.length, 2);
    assert.equal(parseAppConfig({}, 'empty').softphone.iceServers, undefined);
    assert.throws(() => parseAppConfig({ softphone: { iceServers: [{ url: 'stun:x' }] } }, 'test.yaml'), (e: unknown) => e instanceof ConfigError && /softphone/.test(e.message));
  });

  it('SOFTPHONE_WS_URL overrides softphone.wsUrl; anything but ws:// or wss:// is refused', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-cfg-')), 'c.yaml');
    fs.writeFileSync(file, 'softphone: { wsUrl: "wss://a.example:8443" }\n');
    assert.equal(loadConfig({ CONFIG_FILE: file }).config.softphone.wsUrl, 'wss://a.example:8443');
    assert.equal(loadConfig({ CONFIG_FILE: file, SOFTPHONE_WS_URL: 'ws://127.0.0.1:8088' }).config.softphone.wsUrl, 'ws://127.0.0.1:8088');
    assert.throws(() => loadConfig({ CONFIG_FILE: file, SOFTPHONE_WS_URL: 'http://x' }), /SOFTPHONE_WS_URL/);
  });
});
