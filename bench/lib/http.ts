// Capturing one real response so the reference server can answer with the same bytes.
import type { Canned } from './bare-server.ts';

const HOP_BY_HOP = new Set(['date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export async function capture(res: Response): Promise<Canned> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== 'set-cookie') headers[name] = value;
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies[0]!; // Loupe sets at most one
  return { status: res.status, headers, body: await res.text() };
}
