// What a text field may hold: the one rule behind every string the API
// accepts (inputs.ts wraps it in zod). PostgreSQL cannot store NUL, and its
// json/jsonb refuse an unpaired UTF-16 surrogate (the audit log stores names
// as jsonb); a person cannot see control characters, zero-width characters or
// bidi overrides, so a name holding one can pass for another. The rule for
// names people see is explained in docs/text-input.md. No zod here, so the
// web app could import this file; its regexes need the `v` flag (Safari 17,
// Chrome 112, Firefox 116), which the server's Bun has.

/**
 * - `name`: a technician's, group's or session's name, shown to people who must tell names apart.
 * - `line`: other one-line text (an email).
 * - `phone`: a phone number as typed: invisible characters are dropped, not refused (contact apps
 *   wrap copied numbers in bidi marks), as the number is read into E.164 and only that is kept.
 * - `text`: the EULA: keeps line breaks (CRLF and CR become LF) and tabs.
 * - `password`: a new password: not trimmed, any printable character.
 */
export type TextKind = 'name' | 'line' | 'phone' | 'text' | 'password';

export type Cleaned = { ok: true; value: string } | { ok: false; message: string };

const hex = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
const refuse = (message: string): Cleaned => ({ ok: false, message });

// C0, DEL and C1 (general category Cc).
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINES = /[\p{Cc}--[\n\t]]/v;
// Default_Ignorable_Code_Point: what renders as nothing — zero-width space and
// joiners, word joiner, BOM, soft hyphen, bidi marks, embeddings, overrides and
// isolates, variation selectors, Hangul fillers, tag characters.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/v;
const INVISIBLE_ALL = /\p{Default_Ignorable_Code_Point}/gv;
// The bidi controls (LRM, RLM, ALM, LRE…RLO, LRI…PDI): they reorder what is shown.
const BIDI = /\p{Bidi_Control}/v;
const PRIVATE_USE = /\p{Co}/v;
// Emoji sequences hold invisible characters on purpose (ZWJ in 👩‍💻, VS16 in ❤️, tags in flags).
const EMOJI = /\p{RGI_Emoji}/gv;
// Scripts that need ZWNJ/ZWJ in their words (Persian, the Indic scripts, …): a
// joiner is allowed between two letters when the first is of none of the
// scripts that look like Latin, nor Common or Inherited.
const JOINER_IN_WORD =
  /(?<=[[\p{L}\p{M}]--[\p{sc=Latin}\p{sc=Greek}\p{sc=Cyrillic}\p{sc=Armenian}\p{sc=Cherokee}\p{sc=Common}\p{sc=Inherited}]])[\u200C\u200D](?=[\p{L}\p{M}])/gv;

/** Alphabets whose letters look alike (a/а/α, o/о/ο/օ, p/р/ρ, B/В/Β/Ᏼ): one word may use only one of them. */
const LOOK_ALIKE_SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee'].map((name) => ({
  name,
  letters: new RegExp(`\\p{sc=${name}}`, 'v'),
}));

/** The problem with a name's words mixing look-alike alphabets, or undefined. */
function mixedScripts(name: string): string | undefined {
  for (const word of name.match(/[\p{L}\p{M}]+/gu) ?? []) {
    const scripts = LOOK_ALIKE_SCRIPTS.filter((s) => s.letters.test(word)).map((s) => s.name);
    if (scripts.length > 1)
      return `"${word}" mixes ${scripts.join(' and ')} letters, so it can pass for another name: write each word in one alphabet.`;
  }
  return undefined;
}

/** A name's problem beyond control characters: invisible, private-use or look-alike characters. */
function nameProblem(name: string): string | undefined {
  const visible = name.replace(EMOJI, '').replace(JOINER_IN_WORD, '');
  const invisible = visible.match(INVISIBLE)?.[0];
  if (invisible)
    return `No invisible or text-direction characters (found ${hex(invisible)}): they make a name look like another.`;
  const own = visible.match(PRIVATE_USE)?.[0];
  if (own) return `No private-use characters (found ${hex(own)}): they look different on every device.`;
  return mixedScripts(name);
}

/** Checks and normalises one field's text; the length limits are the schema's. */
export function cleanText(kind: TextKind, raw: string): Cleaned {
  if (!raw.isWellFormed()) return refuse('Contains a broken character (an unpaired UTF-16 surrogate).');
  const input = kind === 'text' ? raw.replace(/\r\n?/g, '\n') : raw;
  const control = input.match(kind === 'text' ? CONTROL_BUT_LINES : CONTROL)?.[0];
  if (control)
    return refuse(
      kind === 'text'
        ? `No control characters other than line breaks and tabs (found ${hex(control)}).`
        : `No control characters such as line breaks, tabs or NUL (found ${hex(control)}).`,
    );
  const value = input.normalize('NFC');
  if (kind === 'password') return { ok: true, value };
  if (kind === 'name') {
    const problem = nameProblem(value);
    if (problem) return refuse(problem);
    // One space between words, as HTML shows them anyway (NBSP, ideographic space and the like included).
    return { ok: true, value: value.replace(/\s+/g, ' ').trim() };
  }
  if (kind === 'phone') return { ok: true, value: value.replace(INVISIBLE_ALL, '').trim() };
  if (kind === 'line') {
    const invisible = value.match(INVISIBLE)?.[0];
    if (invisible) return refuse(`No invisible or text-direction characters (found ${hex(invisible)}).`);
  }
  const bidi = value.match(BIDI)?.[0];
  if (bidi)
    return refuse(
      `No text-direction controls (found ${hex(bidi)}): they make text read differently from what it says.`,
    );
  return { ok: true, value: value.trim() };
}

/**
 * What a sign-in password is checked as: its NFC form (how every new password
 * is stored since new passwords are normalised), then the text as typed when
 * that differs (a password set before, hashed as it was typed).
 */
export function passwordForms(typed: string): string[] {
  const nfc = typed.normalize('NFC');
  return nfc === typed ? [typed] : [nfc, typed];
}

// ---- look-alike names (a small subset of Unicode TR39's confusables)

/** Characters that pass for a Latin letter or another character, each mapped to the one it passes for. */
const LOOK_ALIKES: Record<string, string> = Object.fromEntries(
  [
    // Cyrillic
    'аa еe оo рp сc уy хx ѕs іi јj һh ԁd ԛq ԝw ӏl үy',
    'АA ВB ЕE КK МM НH ОO РP СC ТT ХX УY ЅS Іl ЈJ ԚQ ԜW ҮY Ӏl',
    // Greek
    'αa οo ρp νv ιi γy ϲc',
    'ΑA ΒB ΕE ΖZ ΗH Ιl ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX',
    // Armenian
    'օo սu ցg հh ոn զq ՕO ՏS ԼL ՍU',
    // Latin and digits
    'ıi ɑa ɡg 0O 1l Il |l',
  ]
    .join(' ')
    .split(' ')
    .map((pair) => [...pair] as [string, string]),
);

function skeleton(name: string): string {
  const plain = name
    .normalize('NFKD') // fullwidth and mathematical letters, ligatures → their plain forms
    .replace(INVISIBLE_ALL, '')
    .replace(/\s+/g, ' ')
    .trim();
  return [...plain]
    .map((ch) => LOOK_ALIKES[ch] ?? ch)
    .join('')
    .replaceAll('rn', 'm')
    .normalize('NFD');
}

/**
 * Whether two different names could pass for one another: they share a
 * skeleton (TR39's idea: map each character to the one it looks like), as
 * written or once both are lower-cased.
 */
export function looksAlike(a: string, b: string): boolean {
  if (skeleton(a) === skeleton(b)) return true;
  const folded = (s: string) => skeleton(s.toLowerCase()).toLowerCase();
  return folded(a) === folded(b);
}
