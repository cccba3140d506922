import { describe, expect, test } from 'bun:test';
import { freshTurnCredential, turnCredential } from './turn-credentials.ts';

describe('turnCredential', () => {
  test('matches a vector computed independently', () => {
    // printf '%s' '1700000000:loupe' | openssl dgst -sha1 -hmac 'north-sea-secret' -binary | base64
    const c = turnCredential('north-sea-secret', 'loupe', new Date(1_700_000_000_000));
    expect(c.username).toBe('1700000000:loupe');
    expect(c.credential).toBe('ZdGQdpLdBB7FLqaKylJqvOF9YGw=');
    expect(c.expiresAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  test('a second label gives another credential', () => {
    // printf '%s' '1700000000:loupe-janus' | openssl dgst -sha1 -hmac 'north-sea-secret' -binary | base64
    const c = turnCredential('north-sea-secret', 'loupe-janus', new Date(1_700_000_000_400));
    expect(c.username).toBe('1700000000:loupe-janus');
    expect(c.credential).toBe('8foQoV+VUT4F7MRPQ1fbUpVyrow=');
  });

  test('fresh: the expiry is now + ttl, in whole seconds', () => {
    const c = freshTurnCredential('s', 'page', 3_600_000, new Date('2026-01-01T00:00:00.500Z'));
    expect(c.username).toBe(`${Date.parse('2026-01-01T01:00:00Z') / 1000}:page`);
  });

  test('refuses a label that could smuggle a colon or a name, and an empty secret', () => {
    expect(() => turnCredential('s', 'a:b', new Date())).toThrow('label');
    expect(() => turnCredential('s', '', new Date())).toThrow('label');
    expect(() => turnCredential('', 'page', new Date())).toThrow('secret');
  });
});
