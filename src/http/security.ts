// Browser-facing protections that are on by default.
import type { MiddlewareHandler } from 'hono';
import { Forbidden } from './errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests a browser sends on behalf of another site.
 * Browsers always send Origin on cross-origin POSTs, and Sec-Fetch-Site where
 * supported; clients without either (curl, integrations) carry no ambient
 * cookies from a victim's browser, so they are let through.
 */
export function refuseCrossSite(trustedOrigins: string[]): MiddlewareHandler {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      const own = new URL(c.req.url).origin;
      if (origin !== undefined && origin !== own && !trustedOrigins.includes(origin)) {
        throw new Forbidden(`Requests from ${origin} are not accepted.`, 'cross_origin');
      }
      if (origin === undefined && c.req.header('sec-fetch-site') === 'cross-site') {
        throw new Forbidden('Cross-site requests are not accepted.', 'cross_origin');
      }
    }
    await next();
  };
}

export function contentSecurityPolicy(scriptHashes: string[]): string {
  const scripts = ["'self'", ...scriptHashes.map((h) => `'${h}'`)].join(' ');
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(opts: { scriptHashes: string[]; https: boolean }): MiddlewareHandler {
  const csp = contentSecurityPolicy(opts.scriptHashes);
  return async (c, next) => {
    await next();
    // A WebSocket upgrade's response (101) has immutable headers, and no page to protect.
    if (c.res.status === 101 || c.res.headers.get('upgrade')) return;
    const h = c.res.headers;
    h.set('content-security-policy', csp);
    h.set('x-frame-options', 'DENY');
    h.set('x-content-type-options', 'nosniff');
    // The setup link carries its token in the URL: never leak it in a Referer.
    h.set('referrer-policy', 'no-referrer');
    h.set('cross-origin-opener-policy', 'same-origin');
    h.set('permissions-policy', 'camera=(self), microphone=(self), geolocation=(), payment=(), usb=()');
    if (opts.https) h.set('strict-transport-security', 'max-age=31536000');
    // API answers carry PINs, links, tokens and people's data, and their errors
    // and 204s are no different: no browser or proxy cache may keep any of them.
    // Here, once for every route, those to come included. Anything else (the web
    // build) keeps a policy it set itself (src/web/static.ts) and gets no-store
    // when it set none. no-store alone is enough: every HTTP/1.1 cache obeys it,
    // and Expires or Pragma would only speak to HTTP/1.0 caches, long gone.
    if (c.req.path.startsWith('/api/') || !h.has('cache-control')) h.set('cache-control', 'no-store');
  };
}
