import type { Context } from 'hono';
import { getConnInfo } from 'hono/bun';
import { isIP } from 'node:net';

/** The caller's IP address, used for rate limits and the audit log. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    // Behind a reverse proxy the socket address is the proxy's own. The proxy
    // appends the address it saw as the last entry; entries before it are
    // whatever the client wrote, so only the last one is trusted.
    const last = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (last && isIP(last)) return last;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}
