import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * The caller's number from a From/P-Asserted-Identity user part ("+15551234567", "15551234567",
 * "0301234567"), as E.164 when it parses as a valid number in `region`'s numbering plan, else null
 * (anonymous, extensions, garbage).
 */
export function normaliseCallerId(raw: string | undefined, region: string): string | null {
  if (!raw) return null;
  const user = raw.replace(/^(sips?|tel):/, '').split(/[@;]/)[0]?.trim() ?? '';
  if (!/^\+?[\d\-.() ]{3,32}$/.test(user)) return null;
  const candidates = user.startsWith('+') ? [user] : [user, `+${user}`];
  for (const c of candidates) {
    const p = parsePhoneNumberFromString(c, region as CountryCode);
    if (p?.isValid()) return p.number;
  }
  return null;
}
