import { parsePhoneNumberWithError, ParseError, type CountryCode } from 'libphonenumber-js/max';

/**
 * Dialing safety: every `_customer_number` goes through here before it can be stored or dialed.
 * Toll fraud (premium-rate numbers pumped through a callback API) is the real attack on callback services.
 */
export interface NumberRules {
  defaultCountry: string;
  allowedCountries: string[];
  allowedNumberPatterns: string[];
  deniedNumberPrefixes: string[];
  deniedNumberTypes: string[];
}

export type NumberVerdict =
  | { ok: true; e164: string; country: string | undefined }
  | { ok: false; reason: string };

const patternCache = new Map<string, RegExp>();
const compiled = (p: string): RegExp => {
  let re = patternCache.get(p);
  if (!re) {
    re = new RegExp(p);
    patternCache.set(p, re);
  }
  return re;
};

export function checkCustomerNumber(raw: string, rules: NumberRules): NumberVerdict {
  const input = raw.trim();
  if (!/^\+?[\d\s().-]{3,32}$/.test(input) || (input.match(/\d/g) ?? []).length < 3) {
    return { ok: false, reason: 'is not a phone number (digits, optional leading +, spaces, dots, dashes, parentheses)' };
  }
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(input, rules.defaultCountry as CountryCode);
  } catch (err) {
    const why = err instanceof ParseError ? err.message.toLowerCase().replace(/_/g, ' ') : 'unparseable';
    return { ok: false, reason: `is not a valid phone number (${why})` };
  }
  if (!parsed.isValid()) return { ok: false, reason: `is not a valid phone number for ${parsed.country ?? 'its country code'}` };
  const e164 = parsed.number;
  const country = parsed.country;
  if (rules.allowedCountries.length && (!country || !rules.allowedCountries.includes(country))) {
    return { ok: false, reason: `is in ${country ?? 'an unknown country'}, which this service does not call` };
  }
  const denied = rules.deniedNumberPrefixes.find((p) => e164.startsWith(p));
  if (denied) return { ok: false, reason: `starts with ${denied}, a prefix this service never calls` };
  const type = parsed.getType();
  if (type && rules.deniedNumberTypes.includes(type)) {
    return { ok: false, reason: `is a ${type.toLowerCase().replace(/_/g, '-')} number, which this service never calls` };
  }
  if (rules.allowedNumberPatterns.length && !rules.allowedNumberPatterns.some((p) => compiled(p).test(e164))) {
    return { ok: false, reason: 'does not match any number pattern this service allows' };
  }
  return { ok: true, e164, country };
}
