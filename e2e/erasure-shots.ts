// Screenshots of the Administration page's erasure section, by e-mail address:
// the field reading what is typed, the confirmation, the receipt; and a live
// session's refusal. The app on PGlite beside the built web app, headless
// Chromium at 1366×768, in English and Dutch. Not a test: run by hand after
// `scripts/install.sh build`:  bun e2e/erasure-shots.ts  (files in e2e/screenshots/).
import { mkdirSync } from 'node:fs';
import { Hono } from 'hono';
import { chromium, type Page } from 'playwright-core';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { leftover } from '../src/records/testing.ts';
import { technician } from '../src/sessions/testing.ts';
import { harness, signInAsAdmin } from '../src/testing/harness.ts';
import { loadWebBuild, serveWeb } from '../src/web/static.ts';
import { CHROMIUM } from './loupe-process.ts';

const h = await harness();
h.clock.set(new Date());
const admin = await signInAsAdmin(h);
const tech = await technician(h, { name: 'Ana de Vries' });
for (const days of [2, 40]) await leftover(h, tech.id, { endedDaysAgo: days, email: 'jan@example.test' });
await leftover(h, tech.id, { endedDaysAgo: null, state: 'active', email: 'live@example.test' });

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
const open = async (lang: string): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: lang });
  await context.addCookies([{ name: SESSION_COOKIE, value: admin.split('=')[1]!, url: base }]);
  await context.addInitScript((l) => localStorage.setItem('loupe-locale', l), lang);
  const page = await context.newPage();
  page.on('console', (msg) => msg.type() === 'error' && console.error(`[${lang}] ${msg.text()}`));
  await page.goto(`${base}/admin`);
  await page.waitForLoadState('networkidle');
  return page;
};
for (const lang of ['en', 'nl']) {
  const page = await open(lang);
  const section = page.getByTestId('erasure-section');
  await section.scrollIntoViewIfNeeded();
  await page.locator('#erasure-phone').fill('06 1234 5678');
  await section.screenshot({ path: `e2e/screenshots/erasure-phone-${lang}.png` });
  await page.locator('#erasure-phone').fill('live@example.test');
  await section.locator('button[type=submit]').click();
  await page.getByTestId('confirm-dialog').locator('button[type=submit]').click();
  await page.getByTestId('confirm-dialog').getByRole('alert').waitFor();
  await page.screenshot({ path: `e2e/screenshots/erasure-live-${lang}.png` });
  await page.keyboard.press('Escape');
  await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
  await page.locator('#erasure-phone').fill(lang === 'en' ? 'Jan@Example.test' : 'unknown@example.test');
  await section.locator('button[type=submit]').click();
  await page.getByTestId('confirm-dialog').waitFor();
  await page.screenshot({ path: `e2e/screenshots/erasure-confirm-${lang}.png` });
  await page.getByTestId('confirm-dialog').locator('button[type=submit]').click();
  await page.getByTestId('erasure-receipt').waitFor();
  await section.screenshot({ path: `e2e/screenshots/erasure-receipt-${lang}.png` });
  await page.context().close();
}
await browser.close();
await server.stop(true);
console.log('screenshots in e2e/screenshots/erasure-*.png');
