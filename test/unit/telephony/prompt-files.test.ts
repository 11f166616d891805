import assert from 'node:assert/strict';
import { defaultTelephonyConfig } from '../../../src/telephony/config';
import { checkPromptFiles, promptFiles } from '../../../src/telephony/prompt-files';

describe('prompt files the IVR plays', () => {
  const config = defaultTelephonyConfig();
  config.prompts = { ...config.prompts, dir: '/sounds' };
  config.services = {
    billing: { machine: 'hangup', notSure: 'connect', noSpeech: 'hangup', prompts: { greeting: 'billing-welcome.wav', goodbye: 'tone_stream://%(200,0,440)', holdMusic: '/opt/moh/calm.wav' } },
  };

  it('lists every configured file once: defaults, each service override, one file of the digits set; FreeSWITCH URIs left out', () => {
    const files = promptFiles(config);
    assert.ok(files.includes('/sounds/welcome.wav'));
    assert.ok(files.includes('/sounds/billing-welcome.wav'));
    assert.ok(files.includes('/opt/moh/calm.wav'));
    assert.ok(files.includes('/sounds/digits/1.wav'));
    assert.ok(!files.some((f) => f.includes('tone_stream')));
    assert.equal(new Set(files).size, files.length);
  });

  it('is up when all are there, down naming the missing ones and how to install them', () => {
    assert.equal(checkPromptFiles(config, () => true).state, 'up');
    const c = checkPromptFiles(config, (f) => f !== '/sounds/billing-welcome.wav');
    assert.equal(c.state, 'down');
    assert.match(c.detail, /^1 of \d+ prompt files missing: \/sounds\/billing-welcome\.wav \(install them: scripts\/install-prompts\.sh \/sounds\)/);
    assert.match(checkPromptFiles(config, () => false).detail, /\.\.\. \(\d+ in all\)/);
  });
});
