import { beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { contentSecurityPolicy } from '../http/security.ts';
import { inlineScriptHashes, loadWebBuild, serveWeb } from './static.ts';

const BOOT = '\n\t\t\t{ __sveltekit_x = { base: "" }; import("/_app/immutable/entry/start.js"); }\n\t\t';
let app: Hono;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'loupe-web-'));
  mkdirSync(join(root, '_app/immutable'), { recursive: true });
  writeFileSync(join(root, '200.html'), `<!doctype html><html><body><div>app</div><script>${BOOT}</script><script src="/x.js"></script></body></html>`);
  writeFileSync(join(root, '_app/immutable/start.js'), 'console.log(1)');
  writeFileSync(join(root, 'favicon.svg'), '<svg/>');
  writeFileSync(join(tmpdir(), 'loupe-secret.txt'), 'secret');
  app = new Hono().get('*', serveWeb(loadWebBuild(root)));
});

describe('serving the web build', () => {
  test('page paths get the SPA fallback, uncached', async () => {
    for (const path of ['/', '/console', '/admin', '/setup?token=abc', '/l/some-token']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div>app</div>');
    }
  });

  test('built assets are served, immutable ones cached for a year', async () => {
    const js = await app.request('/_app/immutable/start.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await app.request('/favicon.svg')).status).toBe(200);
  });

  test('a missing asset is a 404, never the HTML page', async () => {
    for (const path of ['/_app/immutable/gone.js', '/_app/version.json', '/missing.png']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('<div>app</div>');
    }
  });

  test('paths cannot climb out of the build folder', async () => {
    for (const path of ['/../loupe-secret.txt', '/%2e%2e/loupe-secret.txt', '/_app/%2e%2e/%2e%2e/loupe-secret.txt', '/%E0%A4%A']) {
      const res = await app.request(path);
      expect(await res.text()).not.toBe('secret');
    }
  });

  test('unknown API paths stay JSON 404s', async () => {
    const res = await app.request('/api/unknown');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  test('without a build, pages explain how to build', async () => {
    const res = await new Hono().get('*', serveWeb(undefined)).request('/console');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });
});

describe('CSP for the inline boot script', () => {
  test('the hash matches what a browser computes for the inline script', () => {
    const hashes = inlineScriptHashes(`<script>${BOOT}</script><script src="/a.js"></script><script type="module">  </script>`);
    const expected = new Bun.CryptoHasher('sha256').update(BOOT).digest('base64');
    expect(hashes).toEqual([`sha256-${expected}`]);
    expect(loadWebBuild(root)!.scriptHashes).toEqual(hashes);
    expect(contentSecurityPolicy(hashes)).toContain(`script-src 'self' 'sha256-${expected}'`);
  });
});
