import { describe, expect, test } from 'bun:test';
import { cleanText, looksAlike, passwordForms, type TextKind } from './text.ts';

// [kind, input, what is stored]: accepted, cleaned.
const ACCEPTED: [TextKind, string, string][] = [
  ['name', '  Tess   Tech ', 'Tess Tech'],
  ['name', 'Zoe\u0308 de\u00A0Vries', 'Zoë de Vries'], // NFC; a no-break space is a space
  ['name', 'Ivan Петров', 'Ivan Петров'], // each word in one alphabet
  ['name', 'Иван Петров', 'Иван Петров'],
  ['name', 'Γιώργος', 'Γιώργος'],
  ['name', '张伟', '张伟'],
  ['name', 'علی\u200Cرضا', 'علی\u200Cرضا'], // Persian needs its zero-width non-joiner
  ['name', 'क्\u200Dष', 'क्\u200Dष'], // Devanagari: ZWJ after a virama
  ['name', 'Tシャツ Team', 'Tシャツ Team'], // Latin with Japanese is no look-alike mix
  ['name', 'Field 👩\u200D💻 ❤\uFE0F 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', 'Field 👩‍💻 ❤️ 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ['name', "Jean-Luc O'Brien (Noord) #2", "Jean-Luc O'Brien (Noord) #2"],
  ['line', ' tess@example.test ', 'tess@example.test'],
  ['phone', '\u202A+31 6 12345678\u202C', '+31 6 12345678'], // as copied from a contacts app
  ['text', 'One\r\nTwo\rThree\n\tFour', 'One\nTwo\nThree\n\tFour'],
  ['text', ' Voorwaarden\u00ADtekst, cafe\u0301 ', 'Voorwaarden\u00ADtekst, café'], // soft hyphen kept
  ['password', ' spaces kept ', ' spaces kept '],
  ['password', 'wachtwoord e\u0301e\u0301n', 'wachtwoord één'],
  ['password', 'any \u202E\u200B printable', 'any \u202E\u200B printable'],
];

// [kind, input, part of the message]
const REFUSED: [TextKind, string, string][] = [
  ...(['name', 'line', 'phone', 'text', 'password'] as const).flatMap((k): [TextKind, string, string][] => [
    [k, 'a\u0000b', 'U+0000'],
    [k, 'a\u0007b', 'U+0007'],
    [k, 'a\u007Fb', 'U+007F'],
    [k, 'a\u0085b', 'U+0085'],
    [k, 'a\uD800b', 'unpaired UTF-16 surrogate'],
    [k, 'a\uDC00b', 'unpaired UTF-16 surrogate'],
  ]),
  ...(['name', 'line', 'password'] as const).flatMap((k): [TextKind, string, string][] => [
    [k, 'a\nb', 'U+000A'],
    [k, 'a\tb', 'U+0009'],
    [k, 'a\rb', 'U+000D'],
  ]),
  ['name', 'Tess\u200BTech', 'U+200B'],
  ['name', 'Te\u200Css', 'U+200C'], // a joiner in a Latin word
  ['name', 'gpj\u202E.exe', 'U+202E'],
  ['name', '\u2066Tess\u2069', 'U+2066'],
  ['name', '\u200FTess', 'U+200F'],
  ['name', '\uFEFFTess', 'U+FEFF'],
  ['name', 'Te\u00ADss', 'U+00AD'],
  ['name', 'Tess\u2060', 'U+2060'],
  ['name', '\u3164', 'U+3164'], // a Hangul filler: a name that shows as blank
  ['name', 'Tess\uFE0F', 'U+FE0F'], // a variation selector outside an emoji
  ['name', 'Apple \uF8FF', 'U+F8FF'],
  ['name', 'Pаypal', 'Latin and Cyrillic'],
  ['name', 'Аdministrators', 'Latin and Cyrillic'],
  ['name', 'Ωmega', 'Latin and Greek'],
  ['name', 'Tеss Tech', '"Tеss"'],
  ['line', 'tess\u200B@example.test', 'U+200B'],
  ['line', 'tess@example.test\u202E', 'U+202E'],
  ['text', 'Accept\u202Etpecca', 'U+202E'],
  ['text', 'Accept\u2067', 'U+2067'],
  ['text', 'a\u000Bb', 'U+000B'],
];

describe('cleanText', () => {
  test.each(ACCEPTED)('%s %j is kept as %j', (kind, input, stored) => {
    expect(cleanText(kind, input)).toEqual({ ok: true, value: stored });
  });
  test.each(REFUSED)('%s %j is refused (%s)', (kind, input, message) => {
    const result = cleanText(kind, input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toContain(message);
  });
  test('every stored text is NFC and well-formed', () => {
    for (const [kind, input] of ACCEPTED) {
      const result = cleanText(kind, input);
      if (!result.ok) throw new Error(result.message);
      expect(result.value.normalize('NFC')).toBe(result.value);
      expect(result.value.isWellFormed()).toBe(true);
    }
  });
});

test('a sign-in password is tried NFC first, then as typed when that differs', () => {
  expect(passwordForms('already nfc één')).toEqual(['already nfc één']);
  expect(passwordForms('typed e\u0301e\u0301n')).toEqual(['typed één', 'typed e\u0301e\u0301n']);
});

describe('looksAlike', () => {
  test.each([
    ['Administrators', 'Аdministrators'], // Cyrillic А
    ['TEAM', 'ТЕАМ'], // wholly Cyrillic
    ['OPA', 'ΟΡΑ'], // wholly Greek
    ['Field', 'field'],
    ['Field', 'FIELD'],
    ['Field', 'Fie1d'],
    ['Field', 'FieId'], // capital I for l
    ['Field', 'Ｆｉｅｌｄ'], // fullwidth
    ['Field', '𝐅𝐢𝐞𝐥𝐝'], // mathematical bold
    ['Field team', 'Field  team'],
    ['Support', 'Supp\u043Ert'], // Cyrillic о
    ['Modem', 'Rnodem'.toLowerCase()], // rn for m
    ['Noord', 'N00rd'],
  ])('%j and %j look alike', (a, b) => {
    expect(looksAlike(a, b)).toBe(true);
    expect(looksAlike(b, a)).toBe(true);
  });
  test.each([
    ['Field', 'Fold'],
    ['Noord', 'Zuid'],
    ['Zoë', 'Zoe'], // a diacritic is visible
    ['Ivan', 'Иван'],
    ['Team 1', 'Team 2'],
  ])('%j and %j do not', (a, b) => {
    expect(looksAlike(a, b)).toBe(false);
  });
});
