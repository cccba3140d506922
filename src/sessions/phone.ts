// Phone numbers as people type them → E.164, with the organisation's default
// region for numbers written without a country code.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { Invalid } from '../http/errors.ts';

export type { Language } from '../contract/limits.ts';
import type { Language } from '../contract/limits.ts';

/** Countries whose customers get the Dutch texts by default. */
const DUTCH_SPEAKING: ReadonlySet<string> = new Set(['NL', 'BE', 'SR', 'AW', 'CW', 'SX', 'BQ']);

export function normalisePhone(
  raw: string,
  defaultRegion: CountryCode,
  allowedCountries?: ReadonlySet<string>,
): { e164: string; country: string | undefined } {
  const number = parsePhoneNumberFromString(raw, { defaultCountry: defaultRegion });
  if (!number?.isValid()) {
    throw new Invalid(`"${raw}" is not a valid phone number.`, [
      { path: 'phone', message: `Not a valid phone number. Write it with the country code, e.g. +31 6 12345678.` },
    ]);
  }
  const type = number.getType();
  if (type && !['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER', 'UAN', 'VOIP'].includes(type)) {
    throw new Invalid(`${number.formatInternational()} cannot receive text messages.`, [
      { path: 'phone', message: 'This number cannot receive text messages: use a mobile number.' },
    ]);
  }
  if (allowedCountries && !(number.country && allowedCountries.has(number.country))) {
    const allowed = [...allowedCountries].join(', ');
    throw new Invalid(
      `Loupe does not send text messages to ${number.formatInternational()}: only to numbers in ${allowed}.`,
      [
        {
          path: 'phone',
          message: `Only numbers in ${allowed} can be invited by SMS. Ask an administrator to allow more countries.`,
        },
      ],
    );
  }
  return { e164: number.number, country: number.country };
}

export function languageForCountry(country: string | undefined): Language {
  return country && DUTCH_SPEAKING.has(country) ? 'nl' : 'en';
}
