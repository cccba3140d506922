// Serves the built SvelteKit app (web/build) with an SPA fallback: any page
// path gets 200.html and the client router takes over. Missing assets under
// /_app/ are real 404s, so a stale tab fails loudly instead of parsing HTML as JS.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { Context } from 'hono';

export type WebBuild = { root: string; fallback: string; scriptHashes: string[] };

export const defaultWebRoot = new URL('../../web/build', import.meta.url).pathname;

/** Reads the build once at start-up; undefined when the web app has not been built. */
export function loadWebBuild(root = defaultWebRoot): WebBuild | undefined {
  const fallback = join(root, '200.html');
  if (!existsSync(fallback)) return undefined;
  const hashes = new Set<string>();
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.html'))
      for (const h of inlineScriptHashes(readFileSync(join(root, file), 'utf8'))) hashes.add(h);
  }
  return { root, fallback, scriptHashes: [...hashes] };
}

/** CSP hashes of the inline <script> blocks SvelteKit writes to boot the app. */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    if (m[1]!.trim()) out.push(`sha256-${createHash('sha256').update(m[1]!).digest('base64')}`);
  }
  return out;
}

function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const path = normalize(join(root, decoded));
  if (!path.startsWith(root + sep)) return undefined;
  try {
    return statSync(path).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an Accept-Encoding header allows a coding (by name or `*`, with q above 0). */
export function acceptsEncoding(header: string | undefined, coding: string): boolean {
  const parts = (header ?? '').split(',').map((part) => {
    const [name = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { name, allowed: q === undefined || Number(q.slice(2)) > 0 };
  });
  // The coding's own entry decides; `*` only for codings not named.
  const own = parts.find((p) => p.name === coding) ?? parts.find((p) => p.name === '*');
  return own?.allowed ?? false;
}

/**
 * The file as the browser can take it: the .br or .gz the build wrote beside it
 * (scripts/precompress.ts), else as it is. The type is the original file's.
 */
export function encodedFile(
  path: string,
  acceptEncoding: string | undefined,
  headers: Record<string, string>,
): Response {
  const accepts = (coding: string) => acceptsEncoding(acceptEncoding, coding);
  const type = Bun.file(path).type;
  for (const [coding, ext] of [
    ['br', '.br'],
    ['gzip', '.gz'],
  ] as const) {
    if (accepts(coding) && existsSync(path + ext)) {
      return new Response(Bun.file(path + ext), {
        headers: { ...headers, 'content-type': type, 'content-encoding': coding, vary: 'accept-encoding' },
      });
    }
  }
  return new Response(Bun.file(path), { headers: { ...headers, 'content-type': type, vary: 'accept-encoding' } });
}

/**
 * Pages are never stored: their URL is the key a cache would keep them under,
 * and the Lens's /l/<token> and the setup page's ?token= hold a secret there.
 * (The Lens's service worker keeps its own copy of the shell, 200.html, which
 * holds none.)
 */
const PAGE_CACHE = 'no-store';

/**
 * Content-hashed assets never change: a year. Anything else is revalidated on
 * every use, the service worker's script included (browsers check it for
 * updates past their HTTP cache anyway; no-cache keeps any other client honest).
 */
function cacheControl(file: string, urlPath: string): string {
  if (file.endsWith('.html')) return PAGE_CACHE;
  return urlPath.startsWith('/_app/immutable/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export function serveWeb(build: WebBuild | undefined) {
  return async (c: Context) => {
    const urlPath = c.req.path;
    if (urlPath.startsWith('/api/') || urlPath.startsWith('/ws/')) {
      return c.json({ error: { code: 'not_found', message: `No route ${c.req.method} ${urlPath}.` } }, 404);
    }
    if (!build) {
      return c.text('The web app is not built yet. Run `npm run build`, then restart Loupe.', 503);
    }
    const file = fileUnder(build.root, urlPath);
    if (file)
      return encodedFile(file, c.req.header('accept-encoding'), { 'cache-control': cacheControl(file, urlPath) });
    if (urlPath.startsWith('/_app/') || /\.[a-z0-9]{1,8}$/i.test(urlPath)) {
      return c.text('Not found', 404);
    }
    return encodedFile(build.fallback, c.req.header('accept-encoding'), { 'cache-control': PAGE_CACHE });
  };
}
