// Janus's secrets, generated on this machine at first start and kept in the
// data directory, so no secret ever ships in the repository or the image.
// Reused afterwards: a stable API secret lets an operator's tools keep working
// across restarts, and nothing has to be re-rendered by hand.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type JanusSecrets = {
  /** Every Janus API request must carry it (`apisecret`). */
  apiSecret: string;
  /** For Janus's admin API (not exposed, but never left at a default). */
  adminSecret: string;
  /** The VideoRoom `admin_key`: only its holder creates rooms. */
  roomAdminKey: string;
};

const KEYS = ['apiSecret', 'adminSecret', 'roomAdminKey'] as const;
// base64url only: safe inside a quoted libconfig string and a JSON message.
const SECRET = /^[A-Za-z0-9_-]{32,}$/;

export function janusSecretsFile(dataDir: string): string {
  return join(dataDir, 'janus', 'secrets.json');
}

export function loadOrCreateJanusSecrets(dataDir: string): JanusSecrets {
  const file = janusSecretsFile(dataDir);
  if (!existsSync(file)) create(file);
  // Someone may have copied the data directory with a loose umask.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parse(file);
}

function create(file: string) {
  const secrets = Object.fromEntries(KEYS.map((k) => [k, randomBytes(32).toString('base64url')]));
  writeSecretOnce(file, `${JSON.stringify(secrets, null, 2)}\n`);
}

/**
 * Writes a secret file (0600, in a 0700 folder) unless it exists. Written
 * aside and linked into place: never a half-written file, and if two
 * processes race, the first one's secret wins and both read the same file.
 */
export function writeSecretOnce(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
}

function parse(file: string): JanusSecrets {
  // Never regenerate silently: new secrets would hide a damaged data directory.
  const fail = (why: string) =>
    new Error(
      `${file}: ${why}. Restore it from a backup, or delete it to generate new Janus secrets at the next start.`,
    );
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw fail('not valid JSON');
  }
  if (typeof data !== 'object' || data === null) throw fail('not a JSON object');
  const record = data as Record<string, unknown>;
  for (const key of KEYS) {
    const value = record[key];
    if (typeof value !== 'string' || !SECRET.test(value))
      throw fail(`"${key}" is missing or not a secret of at least 32 letters, digits, - or _`);
  }
  return {
    apiSecret: record.apiSecret as string,
    adminSecret: record.adminSecret as string,
    roomAdminKey: record.roomAdminKey as string,
  };
}
