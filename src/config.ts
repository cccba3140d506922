// The one place that reads the environment. Fails fast with a message naming
// the variable that is wrong, before anything is opened or listened on.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { getCountries, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { SmppSettings } from './sms/gateway.ts';
import { ConfigError } from './config-error.ts';
import { loadOrgConfig, OrgConfigError, type OrgConfig } from './config-org.ts';
import { type JanusServer, JanusUrlsError, parseJanusUrls } from './media/janus-servers.ts';
import { portRange, readTurn, type TurnSettings } from './config-turn.ts';

export { ConfigError } from './config-error.ts';
export type { BundledTurn, TurnSettings } from './config-turn.ts';

export type { OidcSettings, OrgConfig, SmtpSettings } from './config-org.ts';

/** The environment, read (OrgConfig: single sign-on, e-mail, webhooks, metrics). */
export type Config = OrgConfig & {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: URL;
  admin: { email: string; password: string } | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  trustProxy: boolean;
  /** Unset: the console gateway (SMS texts are only logged). */
  smpp: SmppSettings | undefined;
  defaultRegion: CountryCode;
  /** Countries whose numbers may receive an invitation; undefined = all. */
  smsCountries: ReadonlySet<string> | undefined;
  media: MediaSettings;
  /** A customer's page without a socket this long shows as offline in the console. */
  reconnectWindowMs: number;
  /** ...and this long ends the session as `timed_out`. */
  customerTimeoutMs: number;
  /** Store pages for phones whose browsers cannot do WebRTC at all (a native app is then the only way). */
  appStore: { ios: string | undefined; android: string | undefined };
};

/** The WebRTC gateway: the bundled Janus (default) or an external one. */
export type MediaSettings = {
  /** Janus binary for the bundled gateway. */
  janusBin: string;
  /** ws:// URL of an external Janus (WebSocket transport): Loupe then spawns nothing. */
  janusUrl: string | undefined;
  /** The external Janus's api_secret, if it has one (the bundled one gets a generated secret). */
  janusApiSecret: string | undefined;
  /** JANUS_URLS: a pool of external Janus servers (src/media/janus-pool.ts); unset: one Janus. */
  janusServers?: JanusServer[];
  /** Narrow UDP range for media; publish it in firewalls and compose. */
  rtpPorts: { min: number; max: number };
  /** Public address of this host when behind 1:1 NAT (Janus's nat_1_1_mapping). */
  publicIp: string | undefined;
  /** host:port of a STUN server, when Janus must learn its public address itself. */
  stunServer: string | undefined;
  /** A TURN relay for Janus and the pages: external (static or shared-secret credentials) or bundled coturn. */
  turn: TurnSettings | undefined;
  /** ICE over TCP for networks that block UDP (Janus then runs ICE-Lite). */
  iceTcp: boolean;
  /** Only gather ICE candidates on this interface (Janus's ice_enforce_list). */
  iceInterface: string | undefined;
  /** Janus's admin API on a loopback port (behind its generated admin_secret): for debugging media and for the tests. */
  janusAdminApi: boolean;
  /**
   * How the technician's browser plays the customer's video. `immediate`: each
   * frame as soon as it is decoded (playout delay 0, through the playout-delay
   * RTP extension Janus writes into the relayed packets); `smooth`: the
   * browser's own jitter buffer, which also holds video back to match the voice.
   */
  videoPlayout: VideoPlayout;
};

export type VideoPlayout = 'immediate' | 'smooth';

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const variables = {
  PORT: intIn(1, 65535).default(8080),
  LOUPE_HOST: z.string().min(1).default('0.0.0.0'),
  LOUPE_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must start with postgres:// or postgresql://')
    .optional(),
  LOUPE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  LOUPE_ADMIN_EMAIL: z.email('must be an email address').optional(),
  LOUPE_ADMIN_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters')
    .max(256, 'must be at most 256 characters')
    .optional(),
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOUPE_SESSION_IDLE_MINUTES: intIn(1, 60 * 24 * 30).default(120),
  LOUPE_SESSION_MAX_HOURS: intIn(1, 24 * 90).default(12),
  LOUPE_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  SMPP_URL: z
    .string()
    .regex(/^smpps?:\/\/[^:@/]+:[^@/]*@[^:/]+:\d+\/?$/, 'must look like smpp://system_id:password@host:port')
    .optional(),
  // Alphanumeric senders are limited to 11 characters by the GSM spec; numbers to 15 digits.
  SMPP_SOURCE_ADDR: z
    .string()
    .regex(/^(?:[A-Za-z0-9 ._-]{1,11}|\+?\d{1,15})$/, 'must be up to 11 letters/digits or a phone number')
    .default('Loupe'),
  SMPP_WINDOW: intIn(1, 100).default(10),
  // Defaults to the default region only: sending to any country invites SMS-pumping fraud.
  LOUPE_SMS_COUNTRIES: z
    .string()
    .refine(
      (v) => v === '*' || v.split(',').every((c) => (getCountries() as string[]).includes(c.trim())),
      'must be * or a comma-separated list of country codes such as NL,BE',
    )
    .optional(),
  JANUS_BIN: z.string().min(1).default('janus'),
  JANUS_URL: z
    .string()
    .regex(/^wss?:\/\/[^/\s]+/, "must be a ws:// or wss:// URL of Janus's WebSocket transport")
    .optional(),
  JANUS_API_SECRET: z.string().min(1).optional(),
  JANUS_URLS: z.string().min(1).optional(),
  LOUPE_RTP_PORTS: z
    .string()
    .regex(/^\d{4,5}-\d{4,5}$/, 'must be a range such as 20000-20199')
    .default('20000-20199'),
  LOUPE_PUBLIC_IP: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IP address' }).optional(),
  LOUPE_STUN_SERVER: z
    .string()
    .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')
    .optional(),
  LOUPE_ICE_TCP: z.enum(['true', 'false']).default('false'),
  LOUPE_JANUS_ADMIN_API: z.enum(['true', 'false']).default('false'),
  LOUPE_VIDEO_PLAYOUT: z.enum(['immediate', 'smooth'], { error: 'must be immediate or smooth' }).default('immediate'),
  LOUPE_ICE_INTERFACE: z
    .string()
    .regex(/^[\w.:-]{1,32}$/, 'must be a network interface name such as eth0')
    .optional(),
  APP_STORE_URL_IOS: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  APP_STORE_URL_ANDROID: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  LOUPE_RECONNECT_WINDOW_S: intIn(5, 3600).default(60),
  LOUPE_CUSTOMER_TIMEOUT_S: intIn(10, 24 * 3600).default(300),
  LOUPE_DEFAULT_REGION: z
    .string()
    .refine((c) => (getCountries() as string[]).includes(c), 'must be a two-letter country code such as NL or BE')
    .default('NL'),
} as const;

type Env = Record<string, string | undefined>;

function read<K extends keyof typeof variables>(env: Env, name: K): z.output<(typeof variables)[K]> {
  // Compose files often pass empty values for unset options: treat them as unset.
  const raw = env[name] === '' ? undefined : env[name];
  const parsed = variables[name].safeParse(raw);
  if (!parsed.success) throw new ConfigError(name, parsed.error.issues[0]?.message ?? 'is invalid');
  return parsed.data as z.output<(typeof variables)[K]>;
}

function pair<A extends string, B extends string>(env: Env, a: A, b: B) {
  const hasA = !!env[a],
    hasB = !!env[b];
  if (hasA !== hasB) throw new ConfigError(hasA ? b : a, `must be set together with ${hasA ? a : b}`);
  return hasA;
}

export function loadConfig(env: Env): Config {
  const port = read(env, 'PORT');
  const hasTls = pair(env, 'TLS_CERT_FILE', 'TLS_KEY_FILE');
  const tls = hasTls ? { certFile: read(env, 'TLS_CERT_FILE')!, keyFile: read(env, 'TLS_KEY_FILE')! } : undefined;
  if (tls) {
    if (!existsSync(tls.certFile)) throw new ConfigError('TLS_CERT_FILE', `file not found: ${tls.certFile}`);
    if (!existsSync(tls.keyFile)) throw new ConfigError('TLS_KEY_FILE', `file not found: ${tls.keyFile}`);
  }
  const hasAdmin = pair(env, 'LOUPE_ADMIN_EMAIL', 'LOUPE_ADMIN_PASSWORD');
  // Real texts must carry a link a phone can open, not http://localhost.
  if (read(env, 'SMPP_URL') && !read(env, 'LOUPE_PUBLIC_URL'))
    throw new ConfigError('LOUPE_PUBLIC_URL', 'must be set when SMPP_URL is set: SMS links are built from it');
  const publicUrl = new URL(read(env, 'LOUPE_PUBLIC_URL') ?? `${tls ? 'https' : 'http'}://localhost:${port}`);
  return {
    port,
    host: read(env, 'LOUPE_HOST'),
    dataDir: resolve(read(env, 'LOUPE_DATA_DIR')),
    databaseUrl: read(env, 'DATABASE_URL'),
    publicUrl,
    admin: hasAdmin
      ? { email: read(env, 'LOUPE_ADMIN_EMAIL')!, password: read(env, 'LOUPE_ADMIN_PASSWORD')! }
      : undefined,
    tls,
    logLevel: read(env, 'LOG_LEVEL'),
    sessionIdleMinutes: read(env, 'LOUPE_SESSION_IDLE_MINUTES'),
    sessionMaxHours: read(env, 'LOUPE_SESSION_MAX_HOURS'),
    trustProxy: read(env, 'LOUPE_TRUST_PROXY') === 'true',
    smpp: readSmpp(env),
    defaultRegion: read(env, 'LOUPE_DEFAULT_REGION') as CountryCode,
    smsCountries: readSmsCountries(env),
    media: readMedia(env, { publicUrl, tls, port }),
    ...readPresence(env),
    appStore: { ios: read(env, 'APP_STORE_URL_IOS'), android: read(env, 'APP_STORE_URL_ANDROID') },
    ...readOrg(env),
  };
}

function readOrg(env: Env): OrgConfig {
  try {
    return loadOrgConfig(env);
  } catch (err) {
    if (err instanceof OrgConfigError) throw new ConfigError(err.variable, err.message.slice(err.variable.length + 2));
    throw err;
  }
}

function readPresence(env: Env): Pick<Config, 'reconnectWindowMs' | 'customerTimeoutMs'> {
  const window = read(env, 'LOUPE_RECONNECT_WINDOW_S');
  const timeout = read(env, 'LOUPE_CUSTOMER_TIMEOUT_S');
  if (timeout <= window)
    throw new ConfigError('LOUPE_CUSTOMER_TIMEOUT_S', `must be longer than LOUPE_RECONNECT_WINDOW_S (${window})`);
  return { reconnectWindowMs: window * 1000, customerTimeoutMs: timeout * 1000 };
}

function readMedia(env: Env, loupe: { publicUrl: URL; tls: Config['tls']; port: number }): MediaSettings {
  const { min, max } = portRange('LOUPE_RTP_PORTS', read(env, 'LOUPE_RTP_PORTS'));
  return {
    janusBin: read(env, 'JANUS_BIN'),
    janusUrl: read(env, 'JANUS_URL'),
    janusApiSecret: read(env, 'JANUS_API_SECRET'),
    janusServers: readJanusServers(env),
    rtpPorts: { min, max },
    publicIp: read(env, 'LOUPE_PUBLIC_IP'),
    stunServer: read(env, 'LOUPE_STUN_SERVER'),
    turn: readTurn(env, { ...loupe, rtpPorts: { min, max } }),
    iceTcp: read(env, 'LOUPE_ICE_TCP') === 'true',
    iceInterface: read(env, 'LOUPE_ICE_INTERFACE'),
    janusAdminApi: read(env, 'LOUPE_JANUS_ADMIN_API') === 'true',
    videoPlayout: read(env, 'LOUPE_VIDEO_PLAYOUT'),
  };
}

function readJanusServers(env: Env): JanusServer[] | undefined {
  const raw = read(env, 'JANUS_URLS');
  if (!raw) return undefined;
  if (read(env, 'JANUS_URL'))
    throw new ConfigError('JANUS_URLS', 'must not be set together with JANUS_URL (list it there)');
  try {
    return parseJanusUrls(raw, read(env, 'JANUS_API_SECRET'));
  } catch (err) {
    if (err instanceof JanusUrlsError) throw new ConfigError('JANUS_URLS', err.message);
    throw err;
  }
}

function readSmsCountries(env: Env): ReadonlySet<string> | undefined {
  const list = read(env, 'LOUPE_SMS_COUNTRIES') ?? read(env, 'LOUPE_DEFAULT_REGION');
  return list === '*' ? undefined : new Set(list.split(',').map((c) => c.trim()));
}

function readSmpp(env: Env): SmppSettings | undefined {
  // Read even without SMPP_URL, so a typo fails now and not the day the gateway is configured.
  const sourceAddr = read(env, 'SMPP_SOURCE_ADDR');
  const window = read(env, 'SMPP_WINDOW');
  const raw = read(env, 'SMPP_URL');
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw.replace(/^smpp/, 'http'));
  } catch {
    throw new ConfigError('SMPP_URL', 'must look like smpp://system_id:password@host:port, with a port up to 65535');
  }
  const port = Number(url.port);
  if (port < 1 || port > 65535) throw new ConfigError('SMPP_URL', 'port must be between 1 and 65535');
  return {
    host: url.hostname,
    port,
    systemId: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    tls: raw.startsWith('smpps:'),
    sourceAddr,
    window,
  };
}

/** The public URL without a trailing slash, for building links. */
export function publicBase(config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl.href.replace(/\/+$/, '');
}
