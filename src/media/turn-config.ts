// Renders turn/turnserver.conf.tmpl into LOUPE_DATA_DIR/turn/ for the bundled
// coturn (LOUPE_TURN=bundled). Like Janus's (janus-config.ts), rewritten at
// every start, so a changed setting or a Loupe upgrade always reaches coturn.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundledTurn, ConfigError } from '../config.ts';
import { renderTemplate } from './janus-config.ts';
import { turnDir } from './turn-secret.ts';

export const TURN_TEMPLATE = join(import.meta.dir, '..', '..', 'turn', 'turnserver.conf.tmpl');

export type TurnRenderOptions = {
  turn: BundledTurn;
  dataDir: string;
  /** From turn/secret (turn-secret.ts). */
  secret: string;
  /** The realm coturn names in its challenges: Loupe's public host. */
  realm: string;
  /** LOUPE_PUBLIC_IP: the address coturn tells clients their relay is on, behind 1:1 NAT. */
  publicIp?: string;
  /** Tests: listen and relay on this address only. */
  listeningIp?: string;
  /** Tests only: let the relay reach 127.0.0.1, which production refuses. */
  allowLoopbackPeers?: boolean;
};

/** Returns the rendered file's path, for `turnserver -c`. */
export function renderTurnConfig(opts: TurnRenderOptions): string {
  const { turn } = opts;
  const dir = turnDir(opts.dataDir);
  const values = {
    listeningPort: turn.listeningPort,
    listeningIp: line('listeningIp', opts.listeningIp),
    externalIp: line('LOUPE_PUBLIC_IP', opts.publicIp),
    tlsPort: turn.tls?.port,
    cert: line('TLS_CERT_FILE', turn.tls?.certFile),
    pkey: line('TLS_KEY_FILE', turn.tls?.keyFile),
    noTls: !turn.tls,
    minPort: turn.relayPorts.min,
    maxPort: turn.relayPorts.max,
    secret: line('turn/secret', opts.secret),
    realm: line('LOUPE_PUBLIC_URL', opts.realm),
    userdb: line('LOUPE_DATA_DIR', join(dir, 'turndb')),
    allowLoopbackPeers: opts.allowLoopbackPeers === true,
    pidfile: line('LOUPE_DATA_DIR', join(dir, 'turnserver.pid')),
  };
  // 0700/0600: the file holds the secret.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = join(dir, 'turnserver.conf');
  writeFileSync(file, renderTemplate(readFileSync(TURN_TEMPLATE, 'utf8'), values), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** coturn reads one option per line, up to a # or the line's end: neither may hide in a value. */
function line(variable: string, value: string | undefined): string | undefined {
  if (value !== undefined && /[#\s\p{Cc}]/u.test(value))
    throw new ConfigError(variable, 'must not contain spaces, # or control characters for coturn');
  return value;
}
