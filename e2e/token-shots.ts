// Screenshots of the API tokens page (a technician's own tokens, the copy-once
// dialog) and the admin area's service tokens: the app on PGlite beside the
// built web app, headless Chromium at 1366×768, in English and Dutch. Not a
// test: run by hand after `scripts/install.sh build`:  bun e2e/token-shots.ts
// (files in e2e/screenshots/).
import { mkdirSync } from 'node:fs';
import { Hono } from 'hono';
import { chromium, type Page } from 'playwright-core';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { LINK_RIGHTS, technician } from '../src/sessions/testing.ts';
import { harness, signInAsAdmin } from '../src/testing/harness.ts';
import { loadWebBuild, serveWeb } from '../src/web/static.ts';
import { CHROMIUM } from './loupe-process.ts';

const h = await harness();
h.clock.set(new Date());
const admin = await signInAsAdmin(h);
const tech = await technician(h, { rights: LINK_RIGHTS, name: 'Ana de Vries' });
const make = async (cookie: string, body: unknown) => {
  const res = await h.call('POST', '/api/tokens', { cookie, body });
  if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token: string };
};
const used = await make(tech.cookie, {
  name: 'Backup script',
  scopes: ['sessions:read', 'reports:read'],
  technicianId: tech.id,
});
await make(tech.cookie, { name: 'Ticket macro', scopes: ['sessions:write', 'sessions:read'], technicianId: tech.id });
const service = await make(admin, { name: 'TOPdesk', scopes: ['sessions:write', 'sessions:read', 'reports:read'] });
await make(admin, { name: 'Monitoring', scopes: ['sessions:read'] });
for (const t of [used.token, service.token])
  await h.call('GET', '/api/sessions', { headers: { authorization: `Bearer ${t}` } });

const build = loadWebBuild();
if (!build) throw new Error('build the web app first: scripts/install.sh build');
const web = new Hono().get('*', serveWeb(build));
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch: (req) => (new URL(req.url).pathname.startsWith('/api/') ? h.app.fetch(req) : web.fetch(req)),
});
const base = `http://127.0.0.1:${server.port}`;
mkdirSync('e2e/screenshots', { recursive: true });
const browser = await chromium.launch(CHROMIUM);
const open = async (cookie: string, lang: string, path: string): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: lang });
  await context.addCookies([{ name: SESSION_COOKIE, value: cookie.split('=')[1]!, url: base }]);
  await context.addInitScript((l) => localStorage.setItem('loupe-locale', l), lang);
  const page = await context.newPage();
  page.on('console', (msg) => msg.type() === 'error' && console.error(`[${lang}] ${msg.text()}`));
  await page.goto(`${base}${path}`);
  await page.waitForLoadState('networkidle');
  return page;
};
for (const lang of ['en', 'nl']) {
  const page = await open(tech.cookie, lang, '/tokens');
  await page.getByTestId('tokens-section').waitFor();
  await page.screenshot({ path: `e2e/screenshots/tokens-${lang}.png` });
  await page.getByTestId('tokens-section').getByRole('button').first().click();
  await page.locator('#token-name').fill('Report export');
  await page.locator('#scope-reports\\:read').check();
  await page.screenshot({ path: `e2e/screenshots/tokens-new-${lang}.png` });
  await page.getByTestId('token-dialog').locator('button[type=submit]').click();
  await page.getByTestId('token-secret').waitFor();
  await page.screenshot({ path: `e2e/screenshots/tokens-secret-${lang}.png` });
  await page.context().close();

  const adminPage = await open(admin, lang, '/admin#service-tokens');
  await adminPage.getByTestId('service-tokens-section').scrollIntoViewIfNeeded();
  await adminPage.screenshot({ path: `e2e/screenshots/tokens-admin-${lang}.png` });
  await adminPage.context().close();
}
await browser.close();
await server.stop(true);
console.log('screenshots in e2e/screenshots/tokens-*.png');
