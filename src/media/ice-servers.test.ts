import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iceServersFor, PAGE_TURN_TTL_MS } from './ice-servers.ts';
import { testMediaSettings } from './test-settings.ts';
import { turnCredential } from './turn-credentials.ts';
import { loadOrCreateTurnSecret } from './turn-secret.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'loupe-ice-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const now = new Date('2026-12-03T08:00:00Z');

describe('iceServersFor', () => {
  test('none configured: none', () => {
    expect(iceServersFor(testMediaSettings(), dataDir, now)).toEqual([]);
  });

  test('STUN, and an external TURN server with a shared secret: a fresh credential for the page', () => {
    const media = testMediaSettings({
      stunServer: 'stun.example.org:3478',
      turn: { server: 'turn.example.org:3478', secret: 'north-sea-secret' },
    });
    const expected = turnCredential('north-sea-secret', 'page', new Date(now.getTime() + PAGE_TURN_TTL_MS));
    expect(iceServersFor(media, dataDir, now)).toEqual([
      { urls: ['stun:stun.example.org:3478'] },
      {
        urls: ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp'],
        username: expected.username,
        credential: expected.credential,
      },
    ]);
  });

  test('bundled with a certificate: turns: on its TLS port, credential from the generated secret', () => {
    const tls = { certFile: '/c', keyFile: '/k', port: 443 };
    const media = testMediaSettings({
      turn: { server: 'loupe.example.org:3478', bundled: { listeningPort: 3478, relayPorts: { min: 1, max: 2 }, tls } },
    });
    const [server] = iceServersFor(media, dataDir, now);
    expect(server?.urls).toContain('turns:loupe.example.org:443?transport=tcp');
    const expected = turnCredential(
      loadOrCreateTurnSecret(dataDir),
      'page',
      new Date(now.getTime() + PAGE_TURN_TTL_MS),
    );
    expect(server?.credential).toBe(expected.credential);
  });

  test('static credentials are passed as they are', () => {
    const media = testMediaSettings({ turn: { server: 't:3478', user: 'u', password: 'p' } });
    expect(iceServersFor(media, dataDir, now)[0]).toMatchObject({ username: 'u', credential: 'p' });
  });
});
