// Compiles the web app's message catalogues (web/messages/{en,nl}.json, the
// inlang project in web/project.inlang) into web/src/lib/paraglide with
// Paraglide JS: one tree-shakable module per message, so a page ships only the
// strings it uses. The output is generated, never edited, and not committed
// (web/.gitignore); run this before building the web app.
//
//   bun scripts/i18n-compile.ts
//
// The locale a page speaks: the technician's own choice (localStorage, written
// by the language switch), else the browser's languages, else English. No
// locale in the URL, so /login, /console, /admin, /setup and /l stay as they are.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const WEB = new URL('../web/', import.meta.url).pathname;
const PROJECT = join(WEB, 'project.inlang');
const OUTDIR = join(WEB, 'src/lib/paraglide');

// Paraglide and the message-format plugin are dev dependencies in the root package.json.
let paraglide: typeof import('@inlang/paraglide-js');
try {
  paraglide = await import('@inlang/paraglide-js');
} catch (error) {
  console.error('i18n-compile: @inlang/paraglide-js is not installed; run `bash scripts/install.sh packages` first.');
  throw error;
}

// The SDK imports the plugin named in settings.json from disk (no network); say so plainly when it is missing.
const settings = JSON.parse(readFileSync(join(PROJECT, 'settings.json'), 'utf8')) as { modules?: string[] };
for (const module of settings.modules ?? []) {
  if (!/^https?:/.test(module) && !existsSync(join(WEB, module))) {
    throw new Error(
      `i18n-compile: the inlang plugin ${module} (web/project.inlang/settings.json) is missing; run \`bash scripts/install.sh packages\` first.`,
    );
  }
}

await paraglide.compile({
  project: PROJECT,
  outdir: OUTDIR,
  strategy: ['localStorage', 'preferredLanguage', 'baseLocale'],
  localStorageKey: 'loupe-locale',
  // Vite's flag, so a server build (if ever) can tree-shake the browser-only code.
  isServer: 'import.meta.env.SSR',
  // Types for the console's TypeScript (web/tsconfig.json has allowJs off).
  emitTsDeclarations: true,
  emitReadme: false,
  emitPrettierIgnore: false,
});

const count = Object.keys(JSON.parse(readFileSync(join(WEB, 'messages/en.json'), 'utf8'))).filter(
  (k) => k !== '$schema',
).length;
console.log(`i18n-compile: ${count} messages × en, nl → web/src/lib/paraglide`);
