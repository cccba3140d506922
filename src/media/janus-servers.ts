// JANUS_URLS: the pool of external Janus servers, each with its API secret.
// Read once at start-up (src/config.ts); a file of them (`file:/run/secrets/…`)
// keeps the secrets out of the environment, for Docker secrets. A server's id
// (`host:port`) is what a session row records: stable, and never the secret.
import { readFileSync } from 'node:fs';

/** One Janus of the pool. */
export type JanusServer = {
  /** `host:port` of its WebSocket API: what lens_sessions.janus_server holds. */
  id: string;
  /** The WebSocket URL without the secret. */
  url: string;
  apiSecret: string | undefined;
};

/** What is wrong with JANUS_URLS, in words that never quote a secret. */
export class JanusUrlsError extends Error {}

/** The servers in `raw` (comma-separated, or `file:/path` with one per line); `defaultSecret` for entries without one. */
export function parseJanusUrls(
  raw: string,
  defaultSecret: string | undefined,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): JanusServer[] {
  let entries: string[];
  if (raw.startsWith('file:')) {
    const path = raw.slice('file:'.length);
    let text: string;
    try {
      text = readFile(path);
    } catch {
      throw new JanusUrlsError(`cannot read the file ${path}`);
    }
    entries = text.split(/\r?\n/).filter((line) => line.trim() && !line.trim().startsWith('#'));
  } else entries = raw.split(',');
  entries = entries.map((e) => e.trim());
  if (entries.length === 0 || entries.some((e) => !e))
    throw new JanusUrlsError('must list at least one URL, none empty');
  const servers = entries.map((entry, i) => parseEntry(entry, i + 1, defaultSecret));
  const seen = new Set<string>();
  for (const s of servers) {
    if (seen.has(s.id)) throw new JanusUrlsError(`lists ${s.id} twice`);
    seen.add(s.id);
  }
  return servers;
}

function parseEntry(entry: string, n: number, defaultSecret: string | undefined): JanusServer {
  const where = `entry ${n}`;
  if (!/^wss?:\/\//.test(entry)) throw new JanusUrlsError(`${where} must be a ws:// or wss:// URL`);
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new JanusUrlsError(`${where} is not a valid URL (ws://:secret@host:port)`);
  }
  if (!url.hostname) throw new JanusUrlsError(`${where} has no host`);
  if (url.username)
    throw new JanusUrlsError(`${where} has a user name: the secret goes after a colon (ws://:secret@host:port)`);
  const port = url.port || (url.protocol === 'wss:' ? '443' : '80');
  const secret = url.password ? decodeURIComponent(url.password) : defaultSecret;
  const path = url.pathname === '/' ? '' : url.pathname;
  const host = url.hostname;
  return {
    id: `${host}:${port}`,
    url: `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}${path}`,
    apiSecret: secret,
  };
}
