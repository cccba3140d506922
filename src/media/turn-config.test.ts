import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BundledTurn, ConfigError } from '../config.ts';
import { renderTurnConfig } from './turn-config.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function render(turn: Partial<BundledTurn> = {}, extra: { publicIp?: string; realm?: string } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'loupe-turn-config-'));
  dirs.push(dataDir);
  const file = renderTurnConfig({
    turn: { listeningPort: 3478, relayPorts: { min: 20200, max: 20299 }, tls: undefined, ...turn },
    dataDir,
    secret: 's'.repeat(43),
    realm: extra.realm ?? 'loupe.example.org',
    publicIp: extra.publicIp,
  });
  return { file, dataDir, text: readFileSync(file, 'utf8') };
}

const lines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

describe('renderTurnConfig', () => {
  test('defaults: secret auth, narrow relay ports, no CLI, no TLS, dangerous peers denied, 0600', () => {
    const { file, dataDir, text } = render();
    expect(file).toBe(join(dataDir, 'turn', 'turnserver.conf'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'turn')).mode & 0o777).toBe(0o700);
    const l = lines(text);
    for (const line of [
      'listening-port=3478',
      'min-port=20200',
      'max-port=20299',
      'use-auth-secret',
      `static-auth-secret=${'s'.repeat(43)}`,
      'realm=loupe.example.org',
      'no-cli',
      'no-tls',
      'denied-peer-ip=127.0.0.0-127.255.255.255',
      'denied-peer-ip=169.254.0.0-169.254.255.255',
      'denied-peer-ip=::1',
    ])
      expect(l).toContain(line);
    for (const key of [
      'tls-listening-port',
      'cert',
      'pkey',
      'allow-loopback-peers',
      'allowed-peer-ip',
      'listening-ip',
      'external-ip',
    ])
      expect(l.some((x) => x.startsWith(`${key}=`) || x === key)).toBe(false);
  });

  test('with a certificate: turns: on its port with Loupe certificate; behind NAT: external-ip', () => {
    const { text } = render(
      { tls: { certFile: '/etc/loupe/cert.pem', keyFile: '/etc/loupe/key.pem', port: 443 } },
      { publicIp: '203.0.113.7' },
    );
    const l = lines(text);
    for (const line of [
      'tls-listening-port=443',
      'cert=/etc/loupe/cert.pem',
      'pkey=/etc/loupe/key.pem',
      'external-ip=203.0.113.7',
    ])
      expect(l).toContain(line);
    expect(l).not.toContain('no-tls');
  });

  test('a value that would end its line early or add an option is refused, naming the variable', () => {
    expect(() => render({ tls: { certFile: '/a b', keyFile: '/k', port: 443 } })).toThrow(ConfigError);
    expect(() => render({}, { realm: 'x\nallow-loopback-peers' })).toThrow('LOUPE_PUBLIC_URL');
  });
});
