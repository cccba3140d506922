// The Lens as an installable PWA, in real Chromium against the real server, on
// a phone-sized persistent profile (Chromium's installability check reports
// "in-incognito" in an ordinary Playwright context): the service worker
// registers with scope /l and controls the page, Chromium's own check finds
// nothing missing, the manifest and its icons are right, an update waits
// instead of interrupting the open page, and with the network cut the shell
// loads from the cache, an SMS link still opens, the offline page stands in
// when the shell is gone, and /api/* is never answered from a cache.
// Also: the size budget check passes, and the committed icons are the ones
// scripts/build-icons.ts draws.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { decodePng } from '../scripts/build-icons.ts';
import { analyseLens, BUILD, MODULE_MAP } from '../scripts/lens-budget.ts';
import { pageProblems, phoneDevice, shot } from './helpers.ts';
import { CHROMIUM, type LoupeProcess, startLoupe } from './loupe-process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SW_FILE = join(ROOT, 'web/build/service-worker.js');
const BUN = process.execPath;
type WebManifest = {
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  id: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: { src: string; sizes: string; type: string; purpose?: string }[];
};

let loupe: LoupeProcess;
let profile: string;
let context: BrowserContext;
let page: Page;
let swOriginal: string;
// The build's compressed copies of the worker (scripts/precompress.ts): put aside while the test changes the worker.
let swCompressed: { path: string; bytes: Buffer }[] = [];
// Offline, the page's own API calls fail: that is the point of those steps.
const { problems, watch } = pageProblems(/ERR_INTERNET_DISCONNECTED|Failed to fetch|status of 401/);

async function run(cmd: string[], timeoutMs = 60_000) {
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const timer = setTimeout(() => proc.kill(), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

/** The service worker that controls the page, once it is activated. */
async function waitForController(p: Page) {
  await p.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', undefined, {
    timeout: 30_000,
  });
}

const lensScreen =
  '[data-testid="lens-pin"], [data-testid="lens-problem-screen"], [data-testid="lens-invalid"], [data-testid="lens-offline"]';

beforeAll(async () => {
  swOriginal = readFileSync(SW_FILE, 'utf8');
  swCompressed = ['.br', '.gz']
    .map((ext) => SW_FILE + ext)
    .filter((path) => existsSync(path))
    .map((path) => ({ path, bytes: readFileSync(path) }));
  loupe = await startLoupe();
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  profile = mkdtempSync(join(tmpdir(), 'loupe-pwa-profile-'));
  context = await chromium.launchPersistentContext(profile, { ...CHROMIUM, ...phoneDevice(), serviceWorkers: 'allow' });
  page = context.pages()[0] ?? (await context.newPage());
  watch(page);
}, 120_000);

afterAll(async () => {
  writeFileSync(SW_FILE, swOriginal);
  for (const { path, bytes } of swCompressed) writeFileSync(path, bytes);
  await context?.close();
  await loupe?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('the Lens PWA', () => {
  test('the service worker registers with scope /l only and controls the Lens page', async () => {
    await page.goto(`${loupe.url}/l`, { timeout: 15_000 });
    await page.getByTestId('lens-pin').waitFor({ timeout: 15_000 });
    await waitForController(page);
    const info = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/l');
      return {
        scope: reg?.scope,
        script: navigator.serviceWorker.controller?.scriptURL,
        console: (await navigator.serviceWorker.getRegistration('/console'))?.scope ?? null,
        admin: (await navigator.serviceWorker.getRegistration('/admin'))?.scope ?? null,
        root: (await navigator.serviceWorker.getRegistration('/'))?.scope ?? null,
        all: (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope),
      };
    });
    expect(info.scope).toBe(`${loupe.url}/l`);
    expect(info.script).toBe(`${loupe.url}/service-worker.js`);
    expect(info.all).toEqual([`${loupe.url}/l`]);
    expect([info.console, info.admin, info.root]).toEqual([null, null, null]);
    // The worker is served fresh, as JavaScript.
    const sw = await fetch(`${loupe.url}/service-worker.js`);
    expect(sw.headers.get('content-type')).toContain('javascript');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
  }, 60_000);

  test("Chromium's installability check passes", async () => {
    const cdp = await context.newCDPSession(page);
    let errors: unknown[] = ['not checked'];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      ({ installabilityErrors: errors } = (await cdp.send('Page.getInstallabilityErrors')) as {
        installabilityErrors: unknown[];
      });
      if (errors.length === 0) break;
      await Bun.sleep(500);
    }
    expect(errors).toEqual([]);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
    expect(manifest.url).toBe(`${loupe.url}/lens.webmanifest`);
    expect(manifest.errors).toEqual([]);
    await cdp.detach();
  }, 30_000);

  test('the manifest: name, /l as start and scope, standalone, colours, and icons that are the PNGs they claim', async () => {
    const href = await page.locator('link[rel="manifest"]').getAttribute('href', { timeout: 5_000 });
    const res = await fetch(new URL(href!, loupe.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('manifest+json');
    const m = (await res.json()) as WebManifest;
    expect(m.name).toBe('Loupe Lens');
    expect(m.short_name.length).toBeGreaterThan(0);
    expect(m.short_name.length).toBeLessThanOrEqual(12);
    expect(m.start_url).toBe('/l');
    expect(m.scope).toBe('/l');
    expect(m.id).toBe('/l');
    expect(m.display).toBe('standalone');
    expect(m.theme_color).toBe('#2456c4');
    expect(m.background_color).toBe('#f4f5f7');
    // start_url must lie within scope for Chromium to install it.
    expect(new URL(m.start_url, loupe.url).pathname.startsWith(new URL(m.scope, loupe.url).pathname)).toBe(true);

    const icons = [...m.icons.map((i) => ({ ...i, purpose: i.purpose ?? 'any' }))];
    const apple = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href', { timeout: 5_000 });
    icons.push({ src: apple!, sizes: '180x180', type: 'image/png', purpose: 'apple-touch-icon' });
    for (const want of ['192x192 any', '512x512 any', '512x512 maskable', '180x180 apple-touch-icon']) {
      expect(icons.map((i) => `${i.sizes} ${i.purpose}`)).toContain(want);
    }
    for (const icon of icons) {
      const r = await fetch(new URL(icon.src, loupe.url));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      const png = decodePng(new Uint8Array(await r.arrayBuffer()));
      expect(`${png.width}x${png.height}`).toBe(icon.sizes);
      // Maskable and Apple icons are opaque to the edge; the corner of "any" is transparent (rounded).
      const cornerAlpha = png.rgba[3];
      expect(cornerAlpha).toBe(icon.purpose === 'any' ? 0 : 255);
    }
    // The browser bar takes the accent colour on the Lens.
    expect(await page.locator('meta[name="theme-color"]').first().getAttribute('content')).toBe('#2456c4');
  }, 30_000);

  test('a new version of the worker waits: the open page is not reloaded or taken over', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __marker: number; __controller: ServiceWorker | null };
      w.__marker = 42;
      w.__controller = navigator.serviceWorker.controller;
    });
    // A deploy: the worker script changes on the server.
    appendFileSync(SW_FILE, `\n// new version ${Date.now()}\n`);
    for (const { path } of swCompressed) rmSync(path); // else the server would keep sending the old worker compressed
    const state = await page.evaluate(async () => {
      const reg = (await navigator.serviceWorker.getRegistration('/l'))!;
      await reg.update();
      const deadline = Date.now() + 20_000;
      while (!reg.waiting && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const w = window as unknown as { __marker: number; __controller: ServiceWorker | null };
      return {
        waiting: !!reg.waiting,
        sameController: navigator.serviceWorker.controller === w.__controller,
        marker: w.__marker,
      };
    });
    expect(state).toEqual({ waiting: true, sameController: true, marker: 42 });
    // A reload is not "the next load" while the old worker still has this page: it keeps serving.
    await Bun.sleep(1_000);
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);

    // The Lens closed and opened again (a new SMS link, the home-screen icon): the new worker serves it.
    await page.close();
    page = await context.newPage();
    watch(page);
    // With no Lens page left the new worker activates, but not at once: wait for
    // it from a page outside the /l scope (as a customer opening the link later would).
    await page.goto(`${loupe.url}/lens-offline.html`, { timeout: 15_000 });
    await page.waitForFunction(
      async () => {
        const reg = await navigator.serviceWorker.getRegistration('/l');
        return !!reg && !reg.waiting && reg.active?.state === 'activated';
      },
      null,
      { timeout: 15_000, polling: 100 },
    );
    await page.goto(`${loupe.url}/l`, { timeout: 15_000 });
    await page.getByTestId('lens-pin').waitFor({ timeout: 15_000 });
    await waitForController(page);
    // The new version took over above (no Lens page open); now it serves the Lens. (Opening /l
    // also runs an update check of its own, whose result may briefly show as `waiting`.)
    const after = await page.evaluate(async () => {
      const reg = (await navigator.serviceWorker.getRegistration('/l'))!;
      return {
        active: reg.active?.state,
        controlledByIt: navigator.serviceWorker.controller?.scriptURL === reg.active?.scriptURL,
      };
    });
    expect(after).toEqual({ active: 'activated', controlledByIt: true });
  }, 60_000);

  test('/api/* never goes through the cache: online from the network, offline it fails', async () => {
    const apiResponse = page.waitForResponse((r) => r.url().includes('/api/lens/session'), { timeout: 15_000 });
    await page.reload({ timeout: 15_000 });
    await page.getByTestId('lens-pin').waitFor({ timeout: 15_000 });
    // A first visit asks the server nothing (no session to resume): ask as a returning customer's page does.
    void page.evaluate(() => fetch('/api/lens/session').catch(() => {}));
    const api = await apiResponse;
    expect(api.fromServiceWorker()).toBe(false);
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys())
        for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(cached).toContain('/200.html');
    expect(cached).toContain('/lens.webmanifest');
    expect(cached).toContain('/lens-offline.html');
    expect(cached.filter((u) => u.startsWith('/api/') || u.startsWith('/ws/'))).toEqual([]);
    // Exactly the Lens's files: its HTML, JS and CSS (the graph the budget check walks), manifest, icons, offline page.
    const lens = analyseLens();
    const expected = [
      ...lens.precache,
      'lens.webmanifest',
      'lens-offline.html',
      'favicon.svg',
      'icons/lens-192.png',
      'icons/lens-512.png',
      'icons/lens-maskable-192.png',
      'icons/lens-maskable-512.png',
      'icons/apple-touch-icon.png',
    ];
    expect([...cached].sort()).toEqual(expected.map((f) => `/${f}`).sort());
    // None of the console's route nodes among them.
    expect(lens.routes.flatMap((r) => r.consoleModules)).toEqual([]);
  }, 30_000);

  test('with the network cut, /l loads from the cache and shows the PIN page', async () => {
    await context.setOffline(true);
    const res = await page.reload({ timeout: 15_000 });
    expect(res?.fromServiceWorker()).toBe(true);
    await page.getByTestId('lens-pin').waitFor({ timeout: 15_000 });
    const api = await page.evaluate(() =>
      fetch('/api/lens/session').then(
        (r) => `answered ${r.status}`,
        () => 'failed',
      ),
    );
    expect(api).toBe('failed');
  }, 30_000);

  test('with the network cut, an SMS link opens the Lens (never the browser error page)', async () => {
    const res = await page.goto(`${loupe.url}/l/sometoken`, { timeout: 15_000 });
    expect(res?.fromServiceWorker()).toBe(true);
    await page.locator(lensScreen).first().waitFor({ timeout: 15_000 });
    await shot(page, 'lens-pwa-offline-link');
    expect(page.url()).toBe(`${loupe.url}/l/sometoken`);
    expect(await page.evaluate(() => location.protocol)).toBe('http:');
  }, 30_000);

  test('with the network cut and the shell gone from the cache, the offline page says what to do', async () => {
    const removed = await page.evaluate(async () => {
      let n = 0;
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const req of await cache.keys())
          if (new URL(req.url).pathname === '/200.html') n += Number(await cache.delete(req));
      }
      return n;
    });
    expect(removed).toBe(1);
    let text: string;
    try {
      const res = await page.goto(`${loupe.url}/l/othertoken`, { timeout: 15_000 });
      expect(res?.fromServiceWorker()).toBe(true);
      const offline = page.getByTestId('lens-offline');
      await offline.waitFor({ timeout: 15_000 });
      text = await offline.innerText();
      await shot(page, 'lens-pwa-offline-page', { fullPage: true });
    } finally {
      await context.setOffline(false);
    }
    expect(text).toContain('Geen internetverbinding');
    expect(text).toContain('No internet connection');
    expect(text).toContain('Opnieuw proberen');
    expect(text).toContain('Try again');
    expect(text).toContain('dan gaat uw sessie gewoon verder');
    expect(text).toContain('your session carries on');
  }, 30_000);

  test('nothing went wrong in the page', () => {
    expect(problems).toEqual([]);
  });
});

describe('build checks', () => {
  test('the Lens size budget check passes, within 102,400 bytes gzip -9', async () => {
    const { stdout, stderr, code } = await run([BUN, 'scripts/lens-budget.ts', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      budget: number;
      problems: string[];
      routes: { route: string; total: { gzip: number } }[];
    };
    expect(report.budget).toBe(102_400);
    expect(report.problems).toEqual([]);
    expect(report.routes.map((r) => r.route)).toEqual(['/l', '/l/[token]']);
    for (const r of report.routes) {
      expect(r.total.gzip).toBeGreaterThan(10_000);
      expect(r.total.gzip).toBeLessThanOrEqual(102_400);
    }
  }, 60_000);

  test('the budget check is not vacuous: it fails over the budget, and on console code in the Lens path', () => {
    const ok = analyseLens();
    const tight = analyseLens(BUILD, MODULE_MAP, 10_000);
    expect(tight.problems.filter((p) => p.includes('over the budget')).length).toBe(2);
    // The same build, as if the Lens page's chunk had pulled in an admin component.
    const leaf = ok.routes[0]!.files.find((f) => f.why.includes('src/routes/l/+page.svelte'))!.path;
    const map = JSON.parse(readFileSync(MODULE_MAP, 'utf8')) as Record<string, string[]>;
    map[leaf] = [...map[leaf]!, 'src/lib/admin/GroupsSection.svelte'];
    const dir = mkdtempSync(join(tmpdir(), 'loupe-budget-'));
    const tampered = join(dir, 'modules.json');
    writeFileSync(tampered, JSON.stringify(map));
    const bad = analyseLens(BUILD, tampered);
    rmSync(dir, { recursive: true, force: true });
    expect(bad.routes[0]!.consoleModules).toEqual([
      { file: leaf, module: 'src/lib/admin/GroupsSection.svelte', why: 'admin component' },
    ]);
    expect(bad.problems.some((p) => p.includes('must not load console code'))).toBe(true);
  });

  test('the committed icons are the ones scripts/build-icons.ts draws', async () => {
    const { stderr, code } = await run([BUN, 'scripts/build-icons.ts', '--check']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
