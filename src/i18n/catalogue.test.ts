// The web app's message catalogues (Paraglide, inlang message format): the
// console's web/messages/{en,nl}.json and the Lens's web/messages/lens/{en,nl}.json.
// English and Dutch must hold the same keys, no empty texts, the same
// {placeholders}, and Dutch that is really Dutch; every message the source
// uses must exist, and every Lens message must be used (the Lens ships no
// unused strings). The source is read as text: no build needed.
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const WEB = new URL('../../web/', import.meta.url).pathname;
const SRC = join(WEB, 'src');
const LENS_TABLE = join(SRC, 'lib/lens/i18n.ts');

type Catalogue = Record<string, string>;

function load(path: string): Catalogue {
  const raw = JSON.parse(readFileSync(join(WEB, path), 'utf8')) as Record<string, unknown>;
  const out: Catalogue = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === '$schema') continue;
    // Plain strings only: variants (plural objects) would need their own checks here.
    if (typeof value !== 'string') throw new Error(`${path}: "${key}" is not a plain string`);
    out[key] = value;
  }
  return out;
}

const CATALOGUES = [
  { name: 'console', dir: 'messages/', prefix: null },
  { name: 'Lens', dir: 'messages/lens/', prefix: 'lens_' },
].map((c) => ({ ...c, en: load(`${c.dir}en.json`), nl: load(`${c.dir}nl.json`) }));

/** Texts that are the same in both languages on purpose (names, and words Dutch borrows). */
const SAME_IN_BOTH = new Set([
  'OK',
  'Loupe Lens',
  'Console',
  'Lens',
  // Dutch uses the English word.
  'Chat',
  'Token',
  'E-mail',
  'Webhooks',
  'URL',
  '{ms} ms',
  'Status',
  'Live',
  'Details',
  'Hash',
  'Loupe',
  'English',
  'Nederlands',
  '{count} account',
  '{count} accounts',
]);

const placeholders = (text: string) => [...text.matchAll(/\{\s*([A-Za-z_$][\w$]*)\s*\}/g)].map((m) => m[1]!).sort();

/** Every .ts/.svelte file under web/src, except the compiled Paraglide output. */
function sources(dir = SRC): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (relative(SRC, path) !== join('lib', 'paraglide')) out.push(...sources(path));
    } else if (/\.(ts|js|svelte)$/.test(name)) {
      out.push({ path: relative(WEB, path), text: readFileSync(path, 'utf8') });
    }
  }
  return out;
}

const SOURCES = sources();
const IMPORTS_M = /import\s*\{[^}]*\bm\b[^}]*\}\s*from\s*['"][^'"]*paraglide\/messages(?:\.js)?['"]/;

/** Message keys each file uses as `m.key` or `m['key']` (only files that import Paraglide's `m`). */
function usedMessages(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { path, text } of SOURCES) {
    if (!IMPORTS_M.test(text)) continue;
    for (const match of text.matchAll(/(?<![\w$.])m(?:\.([A-Za-z_$][\w$]*)|\[\s*(['"])([^'"]+)\2\s*\])/g)) {
      const key = match[1] ?? match[3]!;
      used.set(key, [...(used.get(key) ?? []), path]);
    }
  }
  return used;
}

/** The Lens's table in i18n.ts: screen key ('pin.title') → message key (lens_pin_title). */
function lensTable(): Map<string, string> {
  const text = readFileSync(LENS_TABLE, 'utf8');
  const body = /const table = \{([\s\S]*?)\n\}/.exec(text)?.[1];
  if (!body) throw new Error('web/src/lib/lens/i18n.ts: no `const table = { … }` found');
  const table = new Map<string, string>();
  for (const m of body.matchAll(/['"]([^'"]+)['"]\s*:\s*m\.([A-Za-z_$][\w$]*)/g)) table.set(m[1]!, m[2]!);
  return table;
}

const missingIn = (a: Catalogue, b: Catalogue) => Object.keys(a).filter((k) => !(k in b));

for (const c of CATALOGUES) {
  describe(`the ${c.name} catalogue (web/${c.dir}{en,nl}.json)`, () => {
    test('has messages', () => {
      expect(Object.keys(c.en).length).toBeGreaterThan(0);
    });

    test('English and Dutch have the same keys', () => {
      expect({ missingInNl: missingIn(c.en, c.nl), missingInEn: missingIn(c.nl, c.en) }).toEqual({
        missingInNl: [],
        missingInEn: [],
      });
    });

    test('no text is empty', () => {
      const empty = (['en', 'nl'] as const).flatMap((lang) =>
        Object.entries(c[lang])
          .filter(([, v]) => !v.trim())
          .map(([k]) => `${lang}:${k}`),
      );
      expect(empty).toEqual([]);
    });

    test('both languages use the same {placeholders}', () => {
      const differ = Object.keys(c.en)
        .filter((k) => k in c.nl && placeholders(c.en[k]!).join() !== placeholders(c.nl[k]!).join())
        .map((k) => `${k}: en {${placeholders(c.en[k]!).join('}, {')}} vs nl {${placeholders(c.nl[k]!).join('}, {')}}`);
      expect(differ).toEqual([]);
    });

    test('Dutch is translated (the same text only for names and shared words)', () => {
      const untranslated = Object.keys(c.en)
        .filter((k) => c.nl[k] === c.en[k] && !SAME_IN_BOTH.has(c.en[k]!))
        .map((k) => `${k}: "${c.en[k]}"`);
      expect(untranslated).toEqual([]);
    });

    test(c.prefix ? `every key starts with ${c.prefix}` : "no key takes the Lens's lens_ prefix", () => {
      const wrong = Object.keys(c.en).filter((k) => (c.prefix ? !k.startsWith(c.prefix) : k.startsWith('lens_')));
      expect(wrong).toEqual([]);
    });
  });
}

describe('the catalogues against the source (web/src)', () => {
  const known = new Set(CATALOGUES.flatMap((c) => Object.keys(c.en)));
  const used = usedMessages();
  const lens = CATALOGUES.find((c) => c.prefix === 'lens_')!;

  test('no key is in both catalogues (Paraglide merges them; one would silently win)', () => {
    const [consoleKeys, lensKeys] = CATALOGUES.map((c) => Object.keys(c.en));
    expect(consoleKeys!.filter((k) => lensKeys!.includes(k))).toEqual([]);
  });

  test('the source uses messages (the scan finds them)', () => {
    expect(used.size).toBeGreaterThan(50);
  });

  test('every m.key the source uses exists in the catalogues', () => {
    const missing = [...used]
      .filter(([key]) => !known.has(key))
      .map(([key, files]) => `${key} (${[...new Set(files)].join(', ')})`);
    expect(missing).toEqual([]);
  });

  test('every message of the Lens table (web/src/lib/lens/i18n.ts) exists in the Lens catalogue', () => {
    const table = lensTable();
    expect(table.size).toBeGreaterThan(0);
    const missing = [...table]
      .filter(([, message]) => !(message in lens.en))
      .map(([key, message]) => `${key} → ${message}`);
    expect(missing).toEqual([]);
  });

  test('every Lens message is used (no unused strings ship)', () => {
    const unused = Object.keys(lens.en).filter((k) => !used.has(k));
    expect(unused).toEqual([]);
  });

  test("the Lens does not use the console's messages", () => {
    const lensFiles = (path: string) => /^src\/(lib\/lens|routes\/l)\//.test(path);
    const borrowed = [...used]
      .filter(([key, files]) => !key.startsWith('lens_') && files.some(lensFiles))
      .map(([key, files]) => `${key} (${files.filter(lensFiles).join(', ')})`);
    expect(borrowed).toEqual([]);
  });

  // The Lens's screens name texts by table key (t('pin.title')); .svelte files are not type-checked, so check here.
  const lensSources = SOURCES.filter(
    (s) => /^src\/(lib\/lens|routes\/l)\//.test(s.path) && !s.path.endsWith('/i18n.ts'),
  );
  const table = lensTable();
  const groups = new Set([...table.keys()].map((k) => k.split('.')[0]!));
  const literals = lensSources.flatMap(({ path, text }) =>
    [...text.matchAll(/(['"`])([a-z][\w-]*(?:\.[\w-]+)+)\1/g)]
      .map((m) => ({ path, key: m[2]! }))
      .filter((l) => groups.has(l.key.split('.')[0]!)),
  );
  // `permission.help.${browser}`: a key built at run time from a known prefix.
  const prefixes = lensSources.flatMap(({ text }) =>
    [...text.matchAll(/`([a-z][\w-]*(?:\.[\w-]+)*\.)\$\{/g)].map((m) => m[1]!),
  );

  test('every Lens key the screens name exists in the table', () => {
    expect(literals.length).toBeGreaterThan(50);
    const missing = literals.filter((l) => !table.has(l.key)).map((l) => `${l.key} (${l.path})`);
    expect(missing).toEqual([]);
  });

  test('every key of the Lens table is used by a screen', () => {
    const named = new Set(literals.map((l) => l.key));
    const unused = [...table.keys()].filter((k) => !named.has(k) && !prefixes.some((p) => k.startsWith(p)));
    expect(unused).toEqual([]);
  });
});
