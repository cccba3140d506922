// The ICE servers a page's RTCPeerConnection gets (RTCIceServer's shape):
// STUN, and TURN on UDP and TCP (turns: on TLS with the bundled coturn and a
// certificate), with a fresh ephemeral credential when Loupe knows the secret.
// Browsers try direct first and fall back to the relay by themselves.
import type { MediaSettings } from '../config.ts';
import { freshTurnCredential } from './turn-credentials.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

export type IceServer = { urls: string[]; username?: string; credential?: string };

// Long enough for a support session and its reconnects; a page that lives
// longer gets a new one with its next session data.
export const PAGE_TURN_TTL_MS = 12 * 3600 * 1000;

export function iceServersFor(media: MediaSettings, dataDir: string, now = new Date()): IceServer[] {
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
  const secret = 'secret' in turn ? turn.secret : loadOrCreateTurnSecret(dataDir);
  const { username, credential } = freshTurnCredential(secret, 'page', PAGE_TURN_TTL_MS, now);
  return [...servers, { urls, username, credential }];
}
