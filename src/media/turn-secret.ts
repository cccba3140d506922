// The bundled coturn's static-auth-secret, generated on this machine at first
// start and kept in the data directory (as Janus's, see secrets.ts): no secret
// ships in the repository or the image. Kept across restarts, so credentials
// already handed to pages stay valid when Loupe restarts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretOnce } from './secrets.ts';

// base64url only: safe on a coturn config line.
const SECRET = /^[A-Za-z0-9_-]{32,}$/;

export function turnDir(dataDir: string): string {
  return join(dataDir, 'turn');
}

export function turnSecretFile(dataDir: string): string {
  return join(turnDir(dataDir), 'secret');
}

export function loadOrCreateTurnSecret(dataDir: string): string {
  const file = turnSecretFile(dataDir);
  if (!existsSync(file)) create(file);
  // Someone may have copied the data directory with a loose umask.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  // Never regenerate silently: a new secret would hide a damaged data directory.
  if (!SECRET.test(secret))
    throw new Error(
      `${file}: not a secret of at least 32 letters, digits, - or _. Restore it from a backup, or delete it to generate a new TURN secret at the next start.`,
    );
  return secret;
}

function create(file: string) {
  writeSecretOnce(file, `${randomBytes(32).toString('base64url')}\n`);
}
