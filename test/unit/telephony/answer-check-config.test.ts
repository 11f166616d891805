import assert from 'node:assert/strict';
import { DEFAULT_ANSWER_CHECK, defaultTelephonyConfig, parseTelephonyConfig } from '../../../src/telephony/config';
import { promptFiles } from '../../../src/telephony/prompt-files';

describe('telephony.services.<name>.answerCheck', () => {
  const parse = (answerCheck: unknown) => parseTelephonyConfig({ services: { billing: { answerCheck } } }).services.billing!;

  it('is off unless a service turns it on', () => {
    assert.equal(parseTelephonyConfig({ services: { billing: {} } }).services.billing!.answerCheck, undefined);
    assert.equal(parse({ enabled: false, digit: 5 }).answerCheck, undefined);
  });

  it('on: the defaults, or the service\'s key, wait and run-on time', () => {
    assert.deepEqual(parse({ enabled: true }).answerCheck, DEFAULT_ANSWER_CHECK);
    assert.deepEqual(parse({ enabled: true, digit: 5, timeoutMs: 8000, runOnMs: 3000, prompt: 'acme-check.wav' }).answerCheck, {
      prompt: 'acme-check.wav',
      digit: '5',
      timeoutMs: 8000,
      runOnMs: 3000,
    });
  });

  it('refuses a bad key, bad times and unknown keys, naming where', () => {
    assert.throws(() => parse({ enabled: true, digit: '12' }), /services\.billing\.answerCheck\.digit: one key/);
    assert.throws(() => parse({ enabled: true, timeoutMs: 10 }), /answerCheck\.timeoutMs: must be an integer from 1000/);
    assert.throws(() => parse({ enabled: true, speech: 1 }), /answerCheck\.speech/);
  });

  it('its announcement is one of the prompt files /health checks, only for the services that use it', () => {
    const config = defaultTelephonyConfig();
    config.prompts = { ...config.prompts, dir: '/sounds' };
    config.services = { billing: { machine: 'hangup', notSure: 'connect', noSpeech: 'hangup', prompts: {} } };
    assert.ok(!promptFiles(config).includes('/sounds/answer-check.wav'));
    config.services.billing!.answerCheck = { ...DEFAULT_ANSWER_CHECK };
    assert.ok(promptFiles(config).includes('/sounds/answer-check.wav'));
  });
});
