// After `vite build`: writes the Lens's precache list into the service worker
// (web/build/service-worker.js, built by SvelteKit from web/src/service-worker.ts)
// with workbox-build's injectManifest. Precached: the HTML shell the server
// answers /l with (200.html), the JS and CSS the /l routes load (the same graph
// scripts/lens-budget.ts measures, plus what they import lazily), the web app
// manifest, its icons and the offline page. Console code is not precached.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { injectManifest } from 'workbox-build';
import { analyseLens, BUILD } from './lens-budget.ts';

const SW = join(BUILD, 'service-worker.js');
const MANIFEST = 'lens.webmanifest';
const STATIC = [MANIFEST, 'lens-offline.html', 'favicon.svg'];

function fail(message: string): never {
  console.error(`pwa-build: ${message}`);
  process.exit(1);
}

if (!existsSync(SW)) fail(`${SW} is missing: run the vite build first`);
if (!readFileSync(SW, 'utf8').includes('self.__WB_MANIFEST')) {
  fail(`${SW} has no self.__WB_MANIFEST (already injected?): run the vite build again`);
}

const report = analyseLens();
const manifest = JSON.parse(readFileSync(join(BUILD, MANIFEST), 'utf8')) as { icons?: { src: string }[] };
const icons = (manifest.icons ?? []).map((i) => i.src.replace(/^\//, ''));
const files = [...new Set([...report.precache, ...STATIC, ...icons, 'icons/apple-touch-icon.png'])];
for (const f of files) if (!existsSync(join(BUILD, f))) fail(`${f} is to be precached but is not in web/build`);

const { count, size, warnings } = await injectManifest({
  swSrc: SW,
  swDest: SW,
  globDirectory: BUILD,
  // Exact paths, no wildcards: only the Lens's files.
  globPatterns: files,
  // Hashed file names need no revision; the rest get a content hash.
  dontCacheBustURLsMatching: /^_app\/immutable\//,
  maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
});
for (const w of warnings) console.warn(`pwa-build: ${w}`);
if (count !== files.length) fail(`precached ${count} files, expected ${files.length}`);
console.log(`pwa-build: the Lens service worker precaches ${count} files, ${size.toLocaleString('en-US')} bytes`);
