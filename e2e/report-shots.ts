// Screenshots of the console's session report with a real ended session:
// the app on FakeJanus and PGlite (the tests' world) beside the built web app,
// one session taken through chat, a photo, tools, hold and the end, with a
// few minutes of quality samples, then headless Chromium at 1366×768 and
// 1920×1080, in English and Dutch. Not a test: run by hand after
// `scripts/install.sh build`:  bun e2e/report-shots.ts  (files in e2e/screenshots/).
import { mkdirSync } from 'node:fs';
import { Hono } from 'hono';
import { chromium } from 'playwright-core';
import { createAuthSession, SESSION_COOKIE } from '../src/auth/sessions.ts';
import { qualitySamples } from '../src/db/schema.ts';
import { transaction } from '../src/db/transaction.ts';
import { ffmpegImage } from '../src/tools/test-images.ts';
import { toolServer } from '../src/tools/testing.ts';
import { loadWebBuild, serveWeb } from '../src/web/static.ts';
import { CHROMIUM } from './loupe-process.ts';

const UA =
  'Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36';

const t = await toolServer();
const { w } = t;
// The audit rows carry the database's time, chat and photos the app's: both real here.
const step = async () => {
  await Bun.sleep(5);
  w.h.clock.set(new Date());
};
await step();
const { token } = await transaction(w.h.db, (tx) =>
  createAuthSession(tx, w.h, w.people.owner.id, { address: '127.0.0.1', userAgent: 'shots' }),
);
const cookie = `${SESSION_COOKIE}=${token}`;
const call = async (method: string, path: string, opts: Parameters<typeof w.call>[2] = {}, status = 200) => {
  const res = await w.call(method, path, opts);
  if (res.status !== status) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
};

const created = (await (
  await call(
    'POST',
    '/api/sessions',
    {
      cookie,
      body: { type: 'lens', name: 'Boiler at Jansen', method: 'sms', phone: '+31612345678', reference: 'CASE-2041' },
    },
    201,
  )
).json()) as { id: string; pin: string };
const id = created.id;
await step();
const redeemed = await call('POST', '/api/lens/redeem', { body: { pin: created.pin }, headers: { 'user-agent': UA } });
const customer = redeemed.headers
  .getSetCookie()
  .find((c) => c.startsWith('loupe_lens='))!
  .split(';')[0]!;
await step();
await call('POST', '/api/lens/eula', { cookie: customer, body: { accept: true, language: 'nl' } });
await step();
await call('POST', `/api/sessions/${id}/start`, { cookie });
const started = w.h.clock.now().getTime();
const tech = await t.joined(cookie, id);
const phone = await t.lens(customer);
for (const message of [
  { type: 'tool.pointer', sessionId: id, at: [0.4, 0.5] },
  { type: 'tool.torch', sessionId: id, on: true },
  { type: 'chat.send', sessionId: id, text: 'Could you point the camera at the type plate, please?' },
]) {
  await step();
  tech.send(message);
  await tech.heard();
}
await step();
phone.send({ type: 'chat.send', text: 'Sure. The manual says https://example.com/boilers/hr-28 for this model.' });
await phone.heard();
await step();
const { snapshot } = (await (await call('POST', `/api/sessions/${id}/snapshots`, { cookie }, 202)).json()) as {
  snapshot: { id: string };
};
await call(
  'POST',
  `/api/lens/snapshots/${snapshot.id}`,
  { cookie: customer, bytes: ffmpegImage(1280, 960, 'mjpeg') },
  201,
);
for (const message of [
  { type: 'tool.freeze', sessionId: id, frozen: true },
  { type: 'tool.freeze', sessionId: id, frozen: false },
  { type: 'chat.send', sessionId: id, text: 'Thanks, that is all I need. The valve will be replaced tomorrow.' },
]) {
  await step();
  tech.send(message);
  await tech.heard();
}
await step();
await call('POST', `/api/sessions/${id}/hold`, { cookie });
await step();
await call('POST', `/api/sessions/${id}/resume`, { cookie });
await step();
await call('POST', `/api/sessions/${id}/end`, { cookie });
// Six minutes of samples every 5 s, as the console sends them (the socket path is tested in src/records).
const samples = Array.from({ length: 72 }, (_, i) => ({
  sessionId: id,
  at: new Date(started + i * 5_000),
  bitrateKbps: i > 30 && i < 38 ? 0 : 1400 + 500 * Math.sin(i / 6) + ((i * 37) % 120),
  fps: i > 30 && i < 38 ? null : 24 + Math.round(6 * Math.cos(i / 9)),
  width: 1280,
  height: 720,
  rttMs: 35 + (i % 7),
  lossPercent: i % 11 === 0 ? 1.5 : 0,
  jitterMs: 6 + (i % 5),
}));
await w.h.db.insert(qualitySamples).values(samples);
await step();
await call('PUT', `/api/sessions/${id}/notes`, {
  cookie,
  body: { text: 'Type plate photographed. Valve HR-28 to be replaced on site tomorrow.' },
});

const build = loadWebBuild();
if (!build) throw new Error('build the web app first: scripts/install.sh build');
const web = new Hono().get('*', serveWeb(build));
const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch: (req) => {
    const path = new URL(req.url).pathname;
    return path.startsWith('/api/') ? w.app.fetch(req) : web.fetch(req);
  },
});
const base = `http://127.0.0.1:${server.port}`;
mkdirSync('e2e/screenshots', { recursive: true });
const browser = await chromium.launch(CHROMIUM);
for (const lang of ['en', 'nl'])
  for (const [width, height] of [
    [1366, 768],
    [1920, 1080],
  ] as const) {
    const context = await browser.newContext({ viewport: { width, height }, locale: lang });
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base }]);
    // The console's language switch keeps its choice here (web/src/lib/i18n.svelte.ts).
    await context.addInitScript((l) => localStorage.setItem('loupe-locale', l), lang);
    const page = await context.newPage();
    page.on('console', (msg) => msg.type() === 'error' && console.error(`[${lang}] ${msg.text()}`));
    await page.goto(`${base}/console/sessions/${id}`);
    await page.getByTestId('report-page').waitFor();
    await page.waitForLoadState('networkidle');
    const name = `e2e/screenshots/report-${lang}-${width}x${height}`;
    await page.screenshot({ path: `${name}.png` });
    await page.screenshot({ path: `${name}-full.png`, fullPage: true });
    await context.close();
  }
await browser.close();
await server.stop(true);
await t.stop();
console.log('screenshots in e2e/screenshots/report-*.png');
