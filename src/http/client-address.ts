import type { Context } from 'hono';
import { getConnInfo } from 'hono/bun';

/** The caller's IP address, used for rate limits and the audit log. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // Behind a reverse proxy the socket address is the proxy's own.
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded.slice(0, 64);
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}
