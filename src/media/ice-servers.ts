// The ICE servers a page's RTCPeerConnection gets (RTCIceServer's shape):
// STUN, and TURN on UDP and TCP (turns: on TLS with the bundled coturn and a
// certificate), with a fresh ephemeral credential when Loupe knows the secret.
// Browsers try direct first and fall back to the relay by themselves.
// Handed out with the session (src/contract/ice.ts): the Lens's REST answers
// and `state` messages, the console's `snapshot`.
import type { Config, MediaSettings } from '../config.ts';
import type { IceServerView } from '../contract/ice.ts';
import type { Deps } from '../deps.ts';
import { freshTurnCredential } from './turn-credentials.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

export type IceServer = IceServerView;

/** The default lifetime of a page's credential (iceServersFor without one). */
export const PAGE_TURN_TTL_MS = 12 * 3600 * 1000;

/**
 * A page's credential outlives the page's hold on its session: the console's
 * socket closes when its sign-in ends and the Lens's cookie expires, both at
 * most LOUPE_SESSION_MAX_HOURS after they were given, which bounds a live
 * session too. One hour more covers an external TURN server's clock running
 * ahead of Loupe's. Pages get a new one with every state or snapshot, and use
 * it from their next ICE restart on.
 */
export function pageTurnTtlMs(config: Pick<Config, 'sessionMaxHours'>): number {
  return (config.sessionMaxHours + 1) * 3600 * 1000;
}

export function iceServersFor(
  media: MediaSettings,
  dataDir: string,
  now = new Date(),
  ttlMs = PAGE_TURN_TTL_MS,
): IceServer[] {
  const servers: IceServer[] = [];
  if (media.stunServer) servers.push({ urls: [`stun:${media.stunServer}`] });
  const turn = media.turn;
  if (!turn) return servers;
  const urls = [`turn:${turn.server}?transport=udp`, `turn:${turn.server}?transport=tcp`];
  if ('bundled' in turn && turn.bundled.tls) {
    const host = turn.server.slice(0, turn.server.lastIndexOf(':'));
    urls.push(`turns:${host}:${turn.bundled.tls.port}?transport=tcp`);
  }
  if ('user' in turn) return [...servers, { urls, username: turn.user, credential: turn.password }];
  const secret = 'secret' in turn ? turn.secret : bundledSecret(dataDir);
  const { username, credential } = freshTurnCredential(secret, 'page', ttlMs, now);
  return [...servers, { urls, username, credential }];
}

// Read once per data directory: every Lens state message asks for one, and the
// file only changes when someone deletes it while Loupe is stopped.
const secrets = new Map<string, string>();
function bundledSecret(dataDir: string): string {
  const known = secrets.get(dataDir);
  if (known) return known;
  const secret = loadOrCreateTurnSecret(dataDir);
  secrets.set(dataDir, secret);
  return secret;
}

/** The ICE servers for a page, now, with its credential's lifetime (pageTurnTtlMs). */
export function pageIceServers(deps: Pick<Deps, 'config' | 'clock'>): IceServer[] {
  const { config } = deps;
  return iceServersFor(config.media, config.dataDir, deps.clock.now(), pageTurnTtlMs(config));
}
