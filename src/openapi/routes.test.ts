// GET /api/openapi.json and GET /api/docs on the real app: public, the
// document as buildDocument makes it (built once), the page without inline
// script under the strict CSP; and the contract check that fails any route
// answering outside its schema, which is what the document describes.
import { beforeAll, describe, expect, test } from 'bun:test';
import packageJson from '../../package.json' with { type: 'json' };
import { contractViolation } from '../contract/routes.ts';
import { DATABASE_HOOK, harness, type Harness, keepsContract, ORIGIN, signInAsAdmin } from '../testing/harness.ts';
import { buildDocument } from './document.ts';
import { DOCUMENT_URL, SCALAR_CONFIGURATION, SCALAR_SCRIPT } from './docs-page.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
}, DATABASE_HOOK);

describe('GET /api/openapi.json', () => {
  test('answers the document made from the contract, to anyone, and no cache may keep it', async () => {
    const res = await h.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual(buildDocument({ version: packageJson.version, server: ORIGIN }));
  });

  test('is built once: the second answer is the same text', async () => {
    const first = await (await h.call('GET', '/api/openapi.json')).text();
    const admin = await signInAsAdmin(h);
    const second = await (await h.call('GET', '/api/openapi.json', { cookie: admin })).text();
    expect(second).toBe(first);
  });

  test('a cookie that means nothing changes nothing', async () => {
    const res = await h.call('GET', '/api/openapi.json', { cookie: 'loupe_session=forged; loupe_lens=forged' });
    expect(res.status).toBe(200);
  });
});

describe('GET /api/docs', () => {
  test('a page titled Loupe API that loads the reader from Loupe, with no inline script', async () => {
    const res = await h.call('GET', '/api/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    expect(html).toContain('<title>Loupe API</title>');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1]!.match(/\bsrc="([^"]+)"/)?.[1]).filter(Boolean)).toEqual([SCALAR_SCRIPT]);
    // The configuration block is data, never run: an inline script would need a CSP hash.
    for (const [, attributes, body] of scripts)
      expect(attributes!.includes('src=') || (attributes!.includes('type="application/json"') && body === '')).toBe(
        true,
      );
    expect(html).toContain(`data-url="${DOCUMENT_URL}"`);
    const configuration = html.match(/data-configuration="([^"]*)"/)![1]!.replaceAll('&quot;', '"');
    expect(JSON.parse(configuration)).toEqual(SCALAR_CONFIGURATION);
    // Nothing from another origin.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe('an answer outside its schema', () => {
  test('is caught by the check every route test runs (src/testing/harness.ts)', async () => {
    expect(contractViolation('GET /api/openapi.json', 200, { openapi: '3.0.3', paths: {} })).toContain('3.1');
    expect(contractViolation('GET /api/docs', 200, '{}', 'application/json')).toContain('html');
    const wrong = new Response(JSON.stringify({ passwordLogin: 'yes' }), {
      headers: { 'content-type': 'application/json' },
    });
    await expect(keepsContract('GET', '/api/auth/options', wrong)).rejects.toThrow(
      /^Contract: GET \/api\/auth\/options/,
    );
    const leak = new Response(
      JSON.stringify({ passwordLogin: true, oidc: null, emailInvitations: false, secret: 'x' }),
    );
    await expect(keepsContract('GET', '/api/auth/options', leak)).rejects.toThrow('secret');
  });

  test("and the document's own answer keeps it", async () => {
    const res = await h.call('GET', '/api/openapi.json');
    expect(contractViolation('GET /api/openapi.json', res.status, await res.json())).toBeNull();
  });
});
