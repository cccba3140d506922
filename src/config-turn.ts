// The TURN relay's settings, read by loadConfig (config.ts) with the same
// rules: fail fast, naming the variable. Reference: docs/configuration.md.
import { z } from 'zod';
import { ConfigError } from './config-error.ts';

/** `server` is the host:port Janus and the pages reach the relay on. */
export type TurnSettings =
  /** LOUPE_TURN_USER/LOUPE_TURN_PASSWORD: one long-term credential for everyone. */
  | { server: string; user: string; password: string }
  /** LOUPE_TURN_SECRET: ephemeral credentials (coturn's use-auth-secret) from this shared secret. */
  | { server: string; secret: string }
  /** LOUPE_TURN=bundled: Loupe runs coturn; its secret is generated in the data directory. */
  | { server: string; bundled: BundledTurn };

export type BundledTurn = {
  /** turn: on UDP and TCP. */
  listeningPort: number;
  /** coturn's relay ports (min-port/max-port); never overlapping LOUPE_RTP_PORTS. */
  relayPorts: { min: number; max: number };
  /** Loupe's certificate: then also turns: on tlsPort (443 by default, which firewalls rarely block). */
  tls: { certFile: string; keyFile: string; port: number } | undefined;
};

const tcpPort = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, 'must be between 1 and 65535');
const hostPort = z
  .string()
  .regex(/^[\w.-]+:\d{1,5}$/, 'must be host:port')
  .optional();

const variables = {
  LOUPE_TURN_SERVER: hostPort,
  LOUPE_TURN_USER: z.string().min(1).optional(),
  LOUPE_TURN_PASSWORD: z.string().min(1).optional(),
  LOUPE_TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  LOUPE_TURN: z
    .enum(['bundled'], { error: 'must be bundled (or unset for an external TURN server or none)' })
    .optional(),
  LOUPE_TURN_PORT: tcpPort.default(3478),
  LOUPE_TURN_TLS_PORT: tcpPort.default(443),
  LOUPE_TURN_RELAY_PORTS: z
    .string()
    .regex(/^\d{4,5}-\d{4,5}$/, 'must be a range such as 20200-20299')
    .default('20200-20299'),
} as const;

type Env = Record<string, string | undefined>;

function read<K extends keyof typeof variables>(env: Env, name: K): z.output<(typeof variables)[K]> {
  const raw = env[name] === '' ? undefined : env[name];
  const parsed = variables[name].safeParse(raw);
  if (!parsed.success) throw new ConfigError(name, parsed.error.issues[0]?.message ?? 'is invalid');
  return parsed.data as z.output<(typeof variables)[K]>;
}

/** `min-max`, already checked for its shape. */
export function portRange(name: string, value: string) {
  const [min, max] = value.split('-').map(Number) as [number, number];
  if (min < 1024 || max > 65535 || max - min < 1)
    throw new ConfigError(name, 'must be a range of at least 2 ports within 1024-65535');
  return { min, max };
}

type Loupe = {
  publicUrl: URL;
  tls: { certFile: string; keyFile: string } | undefined;
  /** Loupe's own PORT, which coturn must not take. */
  port: number;
  rtpPorts: { min: number; max: number };
};

export function readTurn(env: Env, loupe: Loupe): TurnSettings | undefined {
  const server = read(env, 'LOUPE_TURN_SERVER');
  const secret = read(env, 'LOUPE_TURN_SECRET');
  const user = read(env, 'LOUPE_TURN_USER');
  const password = read(env, 'LOUPE_TURN_PASSWORD');
  if (!!user !== !!password)
    throw new ConfigError(
      user ? 'LOUPE_TURN_PASSWORD' : 'LOUPE_TURN_USER',
      `must be set together with ${user ? 'LOUPE_TURN_USER' : 'LOUPE_TURN_PASSWORD'}`,
    );
  if (read(env, 'LOUPE_TURN') === 'bundled') return readBundled(env, loupe, server);
  if (secret && user)
    throw new ConfigError('LOUPE_TURN_SECRET', 'must not be set together with LOUPE_TURN_USER/LOUPE_TURN_PASSWORD');
  if (!server) {
    const stray = secret ? 'LOUPE_TURN_SECRET' : user ? 'LOUPE_TURN_USER' : undefined;
    if (stray) throw new ConfigError('LOUPE_TURN_SERVER', `must be set together with ${stray}`);
    return undefined;
  }
  if (secret) return { server, secret };
  if (!user || !password)
    throw new ConfigError('LOUPE_TURN_SECRET', 'must be set with LOUPE_TURN_SERVER (or LOUPE_TURN_USER/_PASSWORD)');
  return { server, user, password };
}

function readBundled(env: Env, loupe: Loupe, server: string | undefined): TurnSettings {
  for (const name of ['LOUPE_TURN_SECRET', 'LOUPE_TURN_USER'] as const)
    if (env[name]) throw new ConfigError(name, 'must not be set with LOUPE_TURN=bundled: its secret is generated');
  const listeningPort = read(env, 'LOUPE_TURN_PORT');
  const relayPorts = portRange('LOUPE_TURN_RELAY_PORTS', read(env, 'LOUPE_TURN_RELAY_PORTS'));
  const rtp = loupe.rtpPorts;
  if (relayPorts.min <= rtp.max && rtp.min <= relayPorts.max)
    throw new ConfigError('LOUPE_TURN_RELAY_PORTS', `must not overlap LOUPE_RTP_PORTS (${rtp.min}-${rtp.max})`);
  const tlsPort = read(env, 'LOUPE_TURN_TLS_PORT');
  // Loupe serving HTTPS on 443 itself leaves turns: another port (TCP cannot share it).
  if (loupe.tls && tlsPort === loupe.port)
    throw new ConfigError('LOUPE_TURN_TLS_PORT', `${tlsPort} is Loupe's own PORT: choose another, e.g. 5349`);
  if (listeningPort === loupe.port) throw new ConfigError('LOUPE_TURN_PORT', `${listeningPort} is Loupe's own PORT`);
  return {
    // The pages reach it on the public host unless told otherwise (a NAT forwarding another port, say).
    server: server ?? `${loupe.publicUrl.hostname}:${listeningPort}`,
    bundled: { listeningPort, relayPorts, tls: loupe.tls && { ...loupe.tls, port: tlsPort } },
  };
}
