// The Lens's size budget: what a phone must download before /l (and the SMS
// link /l/<token>) can show anything, compressed with gzip -9, must stay within
// 100 KB (102,400 bytes). Also proves that path holds no console or admin code.
//
// The critical path is read from the build itself, the way the browser and
// SvelteKit's client walk it:
//   - the HTML the server answers /l with (web/build/200.html, the SPA fallback),
//   - everything it links (modulepreload, stylesheet) and imports in its boot script,
//   - the route's nodes from the app entry's dictionary (root layout, layouts,
//     page, and the error pages, which Kit's client preloads with every route),
//     each with the files Vite's preload helper fetches with it (JS and CSS),
//   - and the static imports of every JS file on the path, transitively.
// Which source modules are inside each chunk comes from
// web/.svelte-kit/loupe-chunk-modules.json, written by the build (web/vite.config.ts).
//
//   bun scripts/lens-budget.ts          prints the table; exit 1 over budget or with console code on the path
//   bun scripts/lens-budget.ts --json   the same as JSON
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 102_400;
export const LENS_ROUTES = ['/l', '/l/[token]'] as const;
const WEB = new URL('../web/', import.meta.url).pathname;
export const BUILD = join(WEB, 'build');
export const MODULE_MAP = join(WEB, '.svelte-kit/loupe-chunk-modules.json');

/** Source modules that belong to the technicians' console, never to the Lens. */
export const CONSOLE_CODE: { pattern: RegExp; why: string }[] = [
  { pattern: /^src\/routes\/\(app\)\//, why: 'console/admin route' },
  { pattern: /^src\/lib\/admin\//, why: 'admin component' },
  { pattern: /^src\/lib\/sessions\//, why: 'console sessions component' },
  { pattern: /^src\/routes\/(login|setup)\//, why: 'technician sign-in/setup page' },
  {
    pattern: /^src\/lib\/media\/(LiveView\.svelte|console-call\.svelte\.ts|stats\.ts)$/,
    why: "the console's live view",
  },
  // The contract's schemas are for the server (and the console if it wants them);
  // the Lens imports only its types and constants (src/contract/{states,limits,rights}.ts).
  { pattern: /(^|\/)node_modules\/zod\//, why: "zod, from the contract's schemas" },
];

export type FileSize = { path: string; why: string; raw: number; gzip: number; brotli: number };
export type RouteReport = {
  route: string;
  files: FileSize[];
  total: { raw: number; gzip: number; brotli: number };
  consoleModules: { file: string; module: string; why: string }[];
};
export type LensReport = {
  budget: number;
  compression: string;
  routes: RouteReport[];
  precache: string[];
  problems: string[];
};

const read = (root: string, path: string) => readFileSync(join(root, path));
const text = (root: string, path: string) => read(root, path).toString('utf8');

/** A URL or relative specifier, resolved to a path inside the build ('' when it points elsewhere). */
function resolveIn(root: string, from: string, spec: string): string {
  if (/^[a-z]+:/i.test(spec)) return '';
  const path = spec.startsWith('/') ? spec.slice(1) : normalize(join(dirname(from), spec)).replaceAll('\\', '/');
  const clean = path.replace(/[?#].*$/, '');
  return clean.startsWith('..') || !existsSync(join(root, clean)) ? '' : clean;
}

/** Static imports and re-exports of a minified ES module. */
function staticImports(root: string, file: string): string[] {
  const src = text(root, file);
  const out: string[] = [];
  for (const m of src.matchAll(/\b(?:import|export)\s*(?:[\w$*{}\s,]*?\bfrom\s*)?["']((?:\.{1,2}\/|\/)[^"']+)["']/g)) {
    const p = resolveIn(root, file, m[1]!);
    if (p) out.push(p);
  }
  return out;
}

/** Dynamic import() targets of a module, and the files its preload helper lists with them. */
function lazyImports(root: string, file: string): string[] {
  const src = text(root, file);
  const out: string[] = [];
  for (const m of src.matchAll(/\bimport\(\s*(["'`])((?:\.{1,2}\/|\/)[^"'`$]+)\1\s*\)/g)) {
    const p = resolveIn(root, file, m[2]!);
    if (p) out.push(p);
  }
  const deps = /__vite__mapDeps=\([^)]*?m\.f=(\[[^\]]*\])/.exec(src);
  if (deps)
    for (const spec of JSON.parse(deps[1]!) as string[]) {
      const p = resolveIn(root, file, spec);
      if (p) out.push(p);
    }
  return out;
}

/** Parses a minified array literal that may have holes ([4,[2],,]) into JSON. */
function arrayLiteral(src: string, start: number): unknown[] {
  let depth = 0,
    end = start;
  for (; end < src.length; end++) {
    if (src[end] === '[') depth++;
    else if (src[end] === ']' && --depth === 0) break;
  }
  let s = src.slice(start, end + 1);
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/([[,])\s*(?=[,\]])/g, '$1null');
  }
  return JSON.parse(s.replace(/,null\]/g, ']')) as unknown[];
}

type AppEntry = {
  file: string;
  nodes: Map<number, { file: string; deps: string[] }>;
  dictionary: (route: string) => number[];
};

function readAppEntry(root: string, html: string): AppEntry {
  const imports = [...html.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) =>
    resolveIn(root, '200.html', m[1]!),
  );
  const file = imports.find((p) => /\/entry\/app\.[^/]+\.js$/.test(p));
  if (!file) throw new Error('cannot find the app entry (entry/app.*.js) in the HTML boot script');
  const src = text(root, file);
  const depsMatch = /__vite__mapDeps=\([^)]*?m\.f=(\[[^\]]*\])/.exec(src);
  const depList = depsMatch ? (JSON.parse(depsMatch[1]!) as string[]) : [];
  const nodes = new Map<number, { file: string; deps: string[] }>();
  for (const m of src.matchAll(
    /\bimport\(\s*(["'`])([^"'`]*\/nodes\/(\d+)\.[^"'`]*)\1\s*\)(?:\s*,\s*__vite__mapDeps\(\[([\d,\s]*)\]\))?/g,
  )) {
    const nodeFile = resolveIn(root, file, m[2]!);
    if (!nodeFile) throw new Error(`node ${m[3]} (${m[2]}) is not in the build`);
    const deps = (m[4] ?? '')
      .split(',')
      .filter((s) => s.trim())
      .map((i) => resolveIn(root, file, depList[Number(i)]!))
      .filter(Boolean);
    nodes.set(Number(m[3]), { file: nodeFile, deps });
  }
  if (!nodes.has(0) || !nodes.has(1)) throw new Error(`cannot read the route nodes from ${file}`);
  const dictionary = (route: string) => {
    const key = JSON.stringify(route);
    const at = src.indexOf(`${key}:[`);
    if (at < 0) throw new Error(`route ${route} is not in the app's dictionary (${file})`);
    const [leaf, layouts, errors] = arrayLiteral(src, at + key.length + 1) as [
      number,
      (number | null)[] | null,
      (number | null)[] | null,
    ];
    // Kit's client: layouts are [0, ...layouts], errors [1, ...errors], and a negative leaf marks server data.
    const ids = [0, ...(layouts ?? []), 1, ...(errors ?? []), leaf < 0 ? ~leaf : leaf];
    return [...new Set(ids.filter((n): n is number => typeof n === 'number'))];
  };
  return { file, nodes, dictionary };
}

function gz(bytes: Buffer) {
  return gzipSync(bytes, { level: 9 }).length;
}
function br(bytes: Buffer) {
  return brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length;
}

export function analyseLens(root = BUILD, moduleMapPath = MODULE_MAP, budget = BUDGET_BYTES): LensReport {
  const problems: string[] = [];
  const htmlFile = '200.html';
  if (!existsSync(join(root, htmlFile))) throw new Error(`${join(root, htmlFile)} is missing: build the web app first`);
  const html = text(root, htmlFile);
  const app = readAppEntry(root, html);
  const moduleMap = existsSync(moduleMapPath)
    ? (JSON.parse(readFileSync(moduleMapPath, 'utf8')) as Record<string, string[]>)
    : undefined;
  if (!moduleMap)
    problems.push(`${relative(process.cwd(), moduleMapPath)} is missing: the build writes it (web/vite.config.ts)`);

  // From the HTML: <link rel=modulepreload|stylesheet href> and the boot script's import()s.
  const fromHtml: string[] = [];
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    const rel = /\brel=["']?([^"'\s>]+)/.exec(tag)?.[1];
    const href = /\bhref=["']?([^"'\s>]+)/.exec(tag)?.[1];
    if (href && (rel === 'modulepreload' || rel === 'stylesheet')) fromHtml.push(resolveIn(root, htmlFile, href));
  }
  for (const m of html.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) fromHtml.push(resolveIn(root, htmlFile, m[1]!));

  const routes: RouteReport[] = [];
  const lazyRoots = new Set<string>();
  for (const route of LENS_ROUTES) {
    const why = new Map<string, string>([[htmlFile, 'HTML served for the route']]);
    const add = (p: string, reason: string) => {
      if (p && !why.has(p)) why.set(p, reason);
    };
    for (const p of fromHtml.filter(Boolean)) add(p, 'linked by the HTML');
    for (const id of app.dictionary(route)) {
      const node = app.nodes.get(id);
      if (!node) throw new Error(`node ${id} of ${route} is not in ${app.file}`);
      const src =
        moduleMap?.[node.file]?.find((m) => /src\/routes\//.test(m) && !m.startsWith('.svelte-kit')) ?? `node ${id}`;
      add(node.file, `route node ${id} (${src})`);
      for (const d of node.deps) add(d, `preloaded with node ${id}`);
    }
    // Static imports, transitively.
    for (let changed = true; changed; ) {
      changed = false;
      for (const p of [...why.keys()]) {
        if (!p.endsWith('.js')) continue;
        for (const q of staticImports(root, p))
          if (!why.has(q)) {
            why.set(q, `imported by ${p}`);
            changed = true;
          }
      }
    }
    const files: FileSize[] = [...why].map(([path, reason]) => {
      const bytes = read(root, path);
      return { path, why: reason, raw: bytes.length, gzip: gz(bytes), brotli: br(bytes) };
    });
    const total = files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip, brotli: t.brotli + f.brotli }), {
      raw: 0,
      gzip: 0,
      brotli: 0,
    });
    const consoleModules: RouteReport['consoleModules'] = [];
    for (const f of files) {
      if (!f.path.endsWith('.js')) continue;
      const modules = moduleMap?.[f.path];
      if (moduleMap && !modules) {
        problems.push(`${f.path} is not in the module map: stale build? Rebuild the web app.`);
        continue;
      }
      for (const module of new Set(modules ?? [])) {
        const hit = CONSOLE_CODE.find((c) => c.pattern.test(module));
        if (hit) consoleModules.push({ file: f.path, module, why: hit.why });
      }
    }
    if (total.gzip > budget) problems.push(`${route}: ${total.gzip} bytes (gzip -9) is over the budget of ${budget}`);
    for (const c of consoleModules)
      problems.push(`${route}: ${c.file} contains ${c.module} (${c.why}): the Lens must not load console code`);
    routes.push({ route, files, total, consoleModules });
    for (const f of files) lazyRoots.add(f.path);
  }

  // What the Lens may load later (dynamic imports from its own files), for the service worker's precache.
  // The app entry's own dynamic imports are every route's nodes: not followed.
  const lens = new Set(lazyRoots);
  const queue = [...lens].filter((p) => p.endsWith('.js') && p !== app.file);
  while (queue.length) {
    const p = queue.pop()!;
    for (const q of [...lazyImports(root, p), ...staticImports(root, p)]) {
      if (lens.has(q)) continue;
      lens.add(q);
      if (q.endsWith('.js')) queue.push(q);
    }
  }
  for (const p of lens) {
    const modules = moduleMap?.[p] ?? [];
    for (const module of new Set(modules)) {
      const hit = CONSOLE_CODE.find((c) => c.pattern.test(module));
      if (hit) problems.push(`lazily loaded by the Lens: ${p} contains ${module} (${hit.why})`);
    }
  }
  const precache = [...lens].sort();
  return { budget, compression: 'gzip -9 (zlib level 9); brotli q11 shown for comparison', routes, precache, problems };
}

function printTable(report: LensReport) {
  const n = (x: number) => x.toLocaleString('en-US');
  for (const r of report.routes) {
    console.log(`\nLens critical path for ${r.route} (web/build), compressed with gzip -9:`);
    const w = Math.max(...r.files.map((f) => f.path.length), 10);
    console.log(`  ${'file'.padEnd(w)}  ${'raw'.padStart(8)}  ${'gzip -9'.padStart(8)}  ${'brotli'.padStart(8)}  why`);
    for (const f of [...r.files].sort((a, b) => b.gzip - a.gzip)) {
      console.log(
        `  ${f.path.padEnd(w)}  ${n(f.raw).padStart(8)}  ${n(f.gzip).padStart(8)}  ${n(f.brotli).padStart(8)}  ${f.why}`,
      );
    }
    console.log(
      `  ${'total'.padEnd(w)}  ${n(r.total.raw).padStart(8)}  ${n(r.total.gzip).padStart(8)}  ${n(r.total.brotli).padStart(8)}  ${r.files.length} files`,
    );
    console.log(
      `  budget ${n(report.budget)} bytes gzip -9: ${r.total.gzip <= report.budget ? 'within' : 'OVER'} (${((r.total.gzip / report.budget) * 100).toFixed(1)} %)`,
    );
  }
  console.log(
    `\nLens precache (service worker): ${report.precache.length} files of the HTML, JS and CSS (scripts/pwa-build.ts adds the manifest, icons and offline page).`,
  );
  for (const p of report.problems) console.error(`lens-budget: ${p}`);
  const worst = Math.max(...report.routes.map((r) => r.total.gzip));
  console.log(
    `lens-budget: ${report.problems.length ? 'FAIL' : 'ok'} ${worst} bytes gzip -9 (largest of ${report.routes.map((r) => r.route).join(', ')}), budget ${report.budget}`,
  );
}

if (import.meta.main) {
  let report: LensReport;
  try {
    report = analyseLens();
  } catch (error) {
    console.error(`lens-budget: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
  process.exit(report.problems.length ? 1 : 0);
}
