import { describe, expect, test } from 'bun:test';
import { loadConfig } from '../config.ts';
import { JanusUrlsError, parseJanusUrls } from './janus-servers.ts';

describe('JANUS_URLS', () => {
  test('a comma-separated list, each with its own secret or the default one', () => {
    const servers = parseJanusUrls('ws://:s3cret@janus-a:8188, wss://janus-b.example:9443/janus', 'shared');
    expect(servers).toEqual([
      { id: 'janus-a:8188', url: 'ws://janus-a:8188', apiSecret: 's3cret' },
      { id: 'janus-b.example:9443', url: 'wss://janus-b.example:9443/janus', apiSecret: 'shared' },
    ]);
  });

  test('a file of them, one per line, comments and blank lines skipped', () => {
    const files: Record<string, string> = {
      '/run/secrets/janus': '# pool\nws://:a%40b@10.0.0.1:8188\n\nws://10.0.0.2:8188\n',
    };
    const servers = parseJanusUrls('file:/run/secrets/janus', undefined, (p) => files[p]!);
    expect(servers.map((s) => [s.id, s.apiSecret])).toEqual([
      ['10.0.0.1:8188', 'a@b'],
      ['10.0.0.2:8188', undefined],
    ]);
  });

  test('refusals say what is wrong and never quote the secret', () => {
    const bad = [
      'http://janus:8188',
      'ws://:topsecret@janus:8188,',
      'ws://:topsecret@janus:8188,ws://janus:8188',
      'ws://admin:topsecret@janus:8188',
      'file:/nowhere',
    ];
    for (const raw of bad) {
      const err = (() => {
        try {
          parseJanusUrls(raw, undefined, () => {
            throw new Error('ENOENT');
          });
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(JanusUrlsError);
      expect(err!.message).not.toContain('topsecret');
    }
  });

  test('in the config: named in the error, exclusive with JANUS_URL, JANUS_URL alone a pool of one', () => {
    expect(() => loadConfig({ JANUS_URLS: 'ftp://x' })).toThrow(/^JANUS_URLS: entry 1 must be a ws/);
    expect(() => loadConfig({ JANUS_URLS: 'ws://a:1', JANUS_URL: 'ws://b:2' })).toThrow(/^JANUS_URLS: .*JANUS_URL/);
    const pool = loadConfig({ JANUS_URLS: 'ws://a:1,ws://:x@b:2', JANUS_API_SECRET: 'y' }).media.janusServers;
    expect(pool?.map((s) => [s.id, s.apiSecret])).toEqual([
      ['a:1', 'y'],
      ['b:2', 'x'],
    ]);
    expect(loadConfig({ JANUS_URL: 'ws://b:2' }).media.janusServers).toBeUndefined();
    expect(loadConfig({}).media.janusServers).toBeUndefined();
  });
});
