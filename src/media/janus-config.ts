// Renders the Janus templates in janus/ into LOUPE_DATA_DIR/janus/config/.
// Rewritten at every start, so a changed setting or a Loupe upgrade always
// reaches Janus, and the rendered files are never edited by hand.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type MediaSettings, type TurnSettings } from '../config.ts';
import type { Level } from '../log.ts';
import type { JanusSecrets } from './secrets.ts';
import { freshTurnCredential } from './turn-credentials.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

export const TEMPLATES_DIR = join(import.meta.dir, '..', '..', 'janus');
const FILES = ['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg'] as const;

// What Janus 1.1.2 ships. Listed as well as read from the folders, so they stay
// disabled even when a folder cannot be read.
const KNOWN = {
  plugins: [
    'audiobridge',
    'duktape',
    'echotest',
    'lua',
    'nosip',
    'recordplay',
    'sip',
    'streaming',
    'textroom',
    'videocall',
    'videoroom',
    'voicemail',
  ],
  transports: ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq', 'websockets'],
  events: ['gelfevh', 'mqttevh', 'nanomsgevh', 'rabbitmqevh', 'sampleevh', 'wsevh'],
  loggers: ['jsonlog'],
} as const;
const KEEP = new Set(['libjanus_videoroom.so', 'libjanus_websockets.so']);

// Janus logs quietly unless Loupe itself logs debug: its lines are relayed at
// debug level, and only its errors at warn (see supervisor.ts).
const DEBUG_LEVEL: Record<Level, number> = { debug: 4, info: 3, warn: 3, error: 2 };

export type RenderOptions = {
  media: MediaSettings;
  dataDir: string;
  wsPort: number;
  /** Janus's admin API on 127.0.0.1 (admin_secret required). */
  adminWsPort: number;
  secrets: JanusSecrets;
  logLevel?: Level;
  /** Where the plugin folders are; defaults to Debian's for this architecture. */
  libDir?: string;
  /** When the TURN credential's lifetime starts (tests). */
  now?: Date;
};

// Janus reads turn_user/turn_pwd once, at start, and cannot be handed a new
// pair while it runs: its ephemeral credential must outlive any Janus process,
// so it is long (a year; re-rendered at every Janus start or restart). It
// stays in this 0600 file on the server and never reaches a browser.
const JANUS_TURN_TTL_MS = 365 * 24 * 3600 * 1000;

function janusTurnAuth(turn: TurnSettings | undefined, dataDir: string, now: Date) {
  if (!turn) return { turnUser: undefined, turnPassword: undefined };
  if ('user' in turn)
    return {
      turnUser: setting('LOUPE_TURN_USER', turn.user),
      turnPassword: setting('LOUPE_TURN_PASSWORD', turn.password),
    };
  const secret = 'secret' in turn ? turn.secret : loadOrCreateTurnSecret(dataDir);
  const { username, credential } = freshTurnCredential(secret, 'loupe-janus', JANUS_TURN_TTL_MS, now);
  // base64 and the label's characters: nothing that needs escaping in libconfig.
  return { turnUser: username, turnPassword: credential };
}

export type RenderedConfig = { configsFolder: string; coreConfigFile: string; wsUrl: string };

export function renderJanusConfig(opts: RenderOptions): RenderedConfig {
  const { media, secrets } = opts;
  const libDir = opts.libDir ?? janusLibDir();
  const configsFolder = join(opts.dataDir, 'janus', 'config');
  const [stunHost, stunPort] = hostPort(media.stunServer);
  const [turnHost, turnPort] = hostPort(media.turn?.server);
  const values: Values = {
    configsFolder: setting('LOUPE_DATA_DIR', configsFolder),
    libDir: setting('libDir', libDir),
    debugLevel: opts.logLevel ? DEBUG_LEVEL[opts.logLevel] : 4,
    apiSecret: setting('apiSecret', secrets.apiSecret),
    adminSecret: setting('adminSecret', secrets.adminSecret),
    roomAdminKey: setting('roomAdminKey', secrets.roomAdminKey),
    wsPort: port('wsPort', opts.wsPort),
    adminWsPort: port('adminWsPort', opts.adminWsPort),
    adminWs: media.janusAdminApi,
    rtpMin: port('LOUPE_RTP_PORTS', media.rtpPorts.min),
    rtpMax: port('LOUPE_RTP_PORTS', media.rtpPorts.max),
    publicIp: setting('LOUPE_PUBLIC_IP', media.publicIp),
    stunHost: setting('LOUPE_STUN_SERVER', stunHost),
    stunPort: stunPort === undefined ? undefined : port('LOUPE_STUN_SERVER', stunPort),
    turnHost: setting('LOUPE_TURN_SERVER', turnHost),
    turnPort: turnPort === undefined ? undefined : port('LOUPE_TURN_SERVER', turnPort),
    ...janusTurnAuth(media.turn, opts.dataDir, opts.now ?? new Date()),
    iceTcp: media.iceTcp,
    iceInterface: setting('LOUPE_ICE_INTERFACE', media.iceInterface),
    disabledPlugins: disabled(join(libDir, 'plugins'), KNOWN.plugins),
    disabledTransports: disabled(join(libDir, 'transports'), KNOWN.transports),
    disabledEventHandlers: disabled(join(libDir, 'events'), KNOWN.events),
    disabledLoggers: disabled(join(libDir, 'loggers'), KNOWN.loggers),
  };
  // 0700/0600: the rendered files hold the secrets.
  mkdirSync(configsFolder, { recursive: true, mode: 0o700 });
  chmodSync(configsFolder, 0o700);
  for (const name of FILES) {
    const file = join(configsFolder, name);
    writeFileSync(file, renderTemplate(readFileSync(join(TEMPLATES_DIR, `${name}.tmpl`), 'utf8'), values), {
      mode: 0o600,
    });
    chmodSync(file, 0o600);
  }
  return { configsFolder, coreConfigFile: join(configsFolder, 'janus.jcfg'), wsUrl: `ws://127.0.0.1:${opts.wsPort}` };
}

type Values = Record<string, string | number | boolean | undefined>;

/**
 * `{{name}}` is replaced by a value; lines between `{{#if name}}` and `{{/if}}`
 * (each on its own line, not nested) are kept only when the value is set and
 * not false. An unknown name is an error, so a typo cannot render silently.
 */
export function renderTemplate(template: string, values: Values): string {
  const known = (name: string) => {
    if (!(name in values)) throw new Error(`Janus template: unknown placeholder {{${name}}}`);
    return values[name];
  };
  return template
    .replace(
      /^[ \t]*\{\{#if (\w+)\}\}[ \t]*\n([\s\S]*?)^[ \t]*\{\{\/if\}\}[ \t]*\n/gm,
      (_, name: string, body: string) => {
        const value = known(name);
        return value === undefined || value === false || value === '' ? '' : body;
      },
    )
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = known(name);
      if (value === undefined)
        throw new Error(`Janus template: {{${name}}} is used outside its {{#if ${name}}} section`);
      return String(value);
    });
}

/** A value that ends up inside a quoted libconfig string: no way out of the quotes. */
function setting(variable: string, value: string | undefined): string | undefined {
  if (value !== undefined && /["\\\p{Cc}]/u.test(value)) {
    throw new ConfigError(variable, 'must not contain quotes, backslashes, line breaks or other control characters');
  }
  return value;
}

function port(variable: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new ConfigError(variable, `${value} is not a port number`);
  return value;
}

function hostPort(value: string | undefined): [string | undefined, number | undefined] {
  if (value === undefined) return [undefined, undefined];
  const at = value.lastIndexOf(':');
  return [value.slice(0, at), Number(value.slice(at + 1))];
}

/** Every module in `folder` and every known one, except the two Loupe uses. */
function disabled(folder: string, known: readonly string[]): string {
  const present = existsSync(folder) ? readdirSync(folder).filter((f) => /^[\w.-]+\.so$/.test(f)) : [];
  const all = new Set([...known.map((n) => `libjanus_${n}.so`), ...present]);
  return [...all]
    .filter((f) => !KEEP.has(f))
    .sort()
    .join(',');
}

/** Debian installs Janus's modules under the multiarch library folder. */
export function janusLibDir(): string {
  const triplet = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const candidates = [`/usr/lib/${triplet}/janus`, '/usr/local/lib/janus', '/opt/janus/lib/janus'];
  return candidates.find((dir) => existsSync(join(dir, 'plugins', 'libjanus_videoroom.so'))) ?? candidates[0]!;
}
