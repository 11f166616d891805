import assert from 'node:assert/strict';
import { checkCustomerNumber, type NumberRules } from '../../../src/callback/customer-number';
import { TEMPLATES } from '../../../src/callback/templates';

const t = TEMPLATES['user-terminated-immediate'];
const rules: NumberRules = {
  defaultCountry: 'US',
  allowedCountries: [],
  allowedNumberPatterns: [],
  deniedNumberPrefixes: t._denied_number_prefixes as string[],
  deniedNumberTypes: t._denied_number_types as string[],
};

describe('customer number safety', () => {
  it('normalises national and formatted numbers to E.164', () => {
    assert.deepEqual(checkCustomerNumber('(415) 555-2671', rules), { ok: true, e164: '+14155552671', country: 'US' });
    assert.equal((checkCustomerNumber('+44 20 7946 0958', rules) as { e164: string }).e164, '+442079460958');
  });

  it('rejects text, SIP URIs and too-short input with a reason', () => {
    for (const bad of ['hello', 'sip:123@evil.example', '12', '']) {
      const v = checkCustomerNumber(bad, rules);
      assert.equal(v.ok, false, bad);
    }
  });

  it('denies premium-rate numbers by type and by prefix', () => {
    const nanpPremium = checkCustomerNumber('+1 900 555 0123', rules);
    assert.equal(nanpPremium.ok, false);
    assert.match((nanpPremium as { reason: string }).reason, /\+1900|premium/);
    const ukPremium = checkCustomerNumber('+44 909 879 0000', rules);
    assert.equal(ukPremium.ok, false);
  });

  it('enforces the allowed countries', () => {
    const v = checkCustomerNumber('+33 1 42 68 53 00', { ...rules, allowedCountries: ['US', 'CA'] });
    assert.equal(v.ok, false);
    assert.match((v as { reason: string }).reason, /FR/);
    assert.equal(checkCustomerNumber('+1 416 555 0199', { ...rules, allowedCountries: ['US', 'CA'] }).ok, true);
  });

  it('enforces allowed number patterns', () => {
    const only415 = { ...rules, allowedNumberPatterns: ['^\\+1415'] };
    assert.equal(checkCustomerNumber('+1 415 555 2671', only415).ok, true);
    assert.equal(checkCustomerNumber('+1 212 555 0147', only415).ok, false);
  });
});
