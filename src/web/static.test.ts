import { beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { contentSecurityPolicy } from '../http/security.ts';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { acceptsEncoding, inlineScriptHashes, loadWebBuild, serveWeb } from './static.ts';

const BOOT = '\n\t\t\t{ __sveltekit_x = { base: "" }; import("/_app/immutable/entry/start.js"); }\n\t\t';
let app: Hono;
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'loupe-web-'));
  mkdirSync(join(root, '_app/immutable'), { recursive: true });
  writeFileSync(
    join(root, '200.html'),
    `<!doctype html><html><body><div>app</div><script>${BOOT}</script><script src="/x.js"></script></body></html>`,
  );
  writeFileSync(join(root, '_app/immutable/start.js'), 'console.log(1)');
  writeFileSync(join(root, 'favicon.svg'), '<svg/>');
  // As scripts/precompress.ts leaves them: compressed copies beside the originals.
  const big = `export const text = ${JSON.stringify('the Lens '.repeat(200))};`;
  writeFileSync(join(root, '_app/immutable/big.js'), big);
  writeFileSync(join(root, '_app/immutable/big.js.br'), brotliCompressSync(big));
  writeFileSync(join(root, '_app/immutable/big.js.gz'), gzipSync(big));
  writeFileSync(join(tmpdir(), 'loupe-secret.txt'), 'secret');
  app = new Hono().get('*', serveWeb(loadWebBuild(root)));
});

describe('serving the web build', () => {
  test('page paths get the SPA fallback, never stored (the Lens and setup URLs hold tokens)', async () => {
    for (const path of ['/', '/console', '/admin', '/setup?token=abc', '/l/some-token']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-store');
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

  test('compressed copies go to browsers that accept them, with the original type; others get the original', async () => {
    const path = '/_app/immutable/big.js';
    const original = await (await app.request(path)).text();
    const br = await app.request(path, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-type')).toContain('javascript');
    expect(br.headers.get('vary')).toBe('accept-encoding');
    const brBytes = new Uint8Array(await br.arrayBuffer());
    expect(brBytes.length).toBeLessThan(original.length / 10);
    expect(brotliDecompressSync(brBytes).toString()).toBe(original);

    const gz = await app.request(path, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toBe(original);

    for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const plain = await app.request(path, { headers: accept ? { 'accept-encoding': accept } : {} });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(await plain.text()).toBe(original);
    }
    // A file without compressed copies is sent as it is, whatever the browser accepts.
    const small = await app.request('/_app/immutable/start.js', { headers: { 'accept-encoding': 'br' } });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(await small.text()).toBe('console.log(1)');
  });

  test("Accept-Encoding: the coding's own q decides, * covers the rest", () => {
    expect(acceptsEncoding('gzip, br', 'br')).toBe(true);
    expect(acceptsEncoding('gzip;q=1.0, br;q=0.5', 'br')).toBe(true);
    expect(acceptsEncoding('br;q=0', 'br')).toBe(false);
    expect(acceptsEncoding('*, br;q=0', 'br')).toBe(false);
    expect(acceptsEncoding('*', 'gzip')).toBe(true);
    expect(acceptsEncoding('*;q=0', 'gzip')).toBe(false);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(false);
    expect(acceptsEncoding('', 'br')).toBe(false);
  });

  test('a missing asset is a 404, never the HTML page', async () => {
    for (const path of ['/_app/immutable/gone.js', '/_app/version.json', '/missing.png']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('<div>app</div>');
    }
  });

  test('paths cannot climb out of the build folder', async () => {
    for (const path of [
      '/../loupe-secret.txt',
      '/%2e%2e/loupe-secret.txt',
      '/_app/%2e%2e/%2e%2e/loupe-secret.txt',
      '/%E0%A4%A',
    ]) {
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
    const hashes = inlineScriptHashes(
      `<script>${BOOT}</script><script src="/a.js"></script><script type="module">  </script>`,
    );
    const expected = new Bun.CryptoHasher('sha256').update(BOOT).digest('base64');
    expect(hashes).toEqual([`sha256-${expected}`]);
    expect(loadWebBuild(root)!.scriptHashes).toEqual(hashes);
    expect(contentSecurityPolicy(hashes)).toContain(`script-src 'self' 'sha256-${expected}'`);
  });
});
