// Every Lens screen a customer can meet, on a phone-sized page (390×844, touch,
// Android Chrome unless a screen is about another browser), checked for
// accessibility: axe-core with the WCAG 2.0/2.1/2.2 A and AA rules and its best
// practices finds no serious or critical violation; every visible control is a
// touch target of at least 44×44 CSS px; Tab reaches the screen's main action.
// Each screen is saved as e2e/screenshots/lens-<screen>.png (the README's come
// from these). The live screen needs Janus: e2e/media/lens-a11y-live.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { audit as check } from './axe.ts';
import type { LoupeProcess } from './loupe-process.ts';
import { postJson, startLensWorld, stopLensWorld } from './lens-world.ts';

const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });
const TECH = { email: 'anna@example.test', password: 'anna password 123', name: 'Anna de Wit' };
const UA = {
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  instagramAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36 Instagram 312.0.0.32.112 Android',
  facebookIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.41.103;FBBV/612345678]',
  safariIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

let loupe: LoupeProcess;
let browser: Browser;
let techCookie: string;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

const post = (path: string, body: unknown, cookie?: string) => postJson(loupe.url, path, body, cookie);

/** A link/PIN invitation in English. */
async function invitation(name: string): Promise<{ id: string; link: string }> {
  return (
    await post('/api/sessions', { type: 'lens', name, method: 'link', language: 'en' }, techCookie)
  ).json() as Promise<{ id: string; link: string }>;
}

async function phone(userAgent = UA.chromeAndroid, init?: () => void): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent,
    locale: 'en-GB',
  });
  contexts.push(context);
  await context.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: loupe.url });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return page;
}

/** A phone with two cameras, so the preview shows the switch button too. */
function twoCameras() {
  const real = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
  navigator.mediaDevices.enumerateDevices = async () => {
    const devices = await real();
    const cam = devices.find((d) => d.kind === 'videoinput');
    return cam
      ? [
          ...devices,
          {
            ...cam.toJSON(),
            deviceId: 'second-camera',
            label: 'Front camera',
            kind: 'videoinput',
            toJSON: () => ({}),
          } as MediaDeviceInfo,
        ]
      : devices;
  };
}

const audit = (page: Page, screen: string, mainAction?: string) =>
  check(page, { name: `lens-${screen}`, shots: SHOTS, mainAction });

const playing = (page: Page) =>
  page.waitForFunction(
    () => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]');
      return !!v && v.videoWidth > 0 && !v.paused;
    },
    null,
    { timeout: 10_000 },
  );

beforeAll(async () => {
  ({ loupe, browser, techCookie } = await startLensWorld(TECH));
}, 120_000);

afterAll(() => stopLensWorld({ loupe, browser }, contexts), 30_000);

describe('the PIN page and links', () => {
  test('PIN entry, and a wrong PIN', async () => {
    const page = await phone();
    await page.goto(`${loupe.url}/l`);
    await page.getByTestId('lens-pin').waitFor();
    await audit(page, 'pin', '[data-testid="pin-continue"]');

    await page.getByTestId('pin-input').fill('000000');
    await page.getByTestId('pin-continue').click();
    await page.getByTestId('pin-problem').waitFor();
    await audit(page, 'pin-error', '[data-testid="pin-continue"]');
  }, 60_000);

  test('an invalid or used link', async () => {
    const page = await phone();
    await page.goto(`${loupe.url}/l/not-a-real-link-token`);
    await page.getByTestId('lens-invalid').waitFor();
    await audit(page, 'invalid-link', '[data-testid="lens-enter-pin"]');
  }, 30_000);

  test('the server unreachable while opening a link', async () => {
    const page = await phone();
    await page.route('**/api/lens/redeem', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable"}' }),
    );
    await page.goto(`${loupe.url}/l/some-link-token`);
    await page.getByTestId('lens-problem-screen').waitFor();
    await audit(page, 'link-problem', '[data-testid="lens-problem-screen"] button');
  }, 30_000);
});

describe('a session from the link to the end', () => {
  test('tutorial, camera permission, preview, EULA, waiting, a reload while waiting, ended by the technician', async () => {
    const { id, link } = await invitation('Router in the hall');
    const page = await phone(UA.chromeAndroid, twoCameras);
    await page.goto(link);
    await page.getByTestId('lens-tutorial').waitFor();
    await audit(page, 'tutorial', '[data-testid="tutorial-ok"]');

    await page.getByTestId('tutorial-ok').click();
    await page.getByTestId('lens-permission').waitFor();
    await audit(page, 'permission', '[data-testid="permission-allow"]');

    await page.getByTestId('permission-allow').click();
    await playing(page);
    await page.getByTestId('switch-camera').waitFor();
    await audit(page, 'preview', '[data-testid="permission-continue"]');

    await page.getByTestId('permission-continue').click();
    await page.getByTestId('lens-eula').waitFor();
    await audit(page, 'eula', '[data-testid="eula-accept"]');

    await page.getByTestId('eula-accept').click();
    await page.getByTestId('lens-waiting').waitFor();
    await playing(page);
    await audit(page, 'waiting');

    await page.reload();
    await page.getByTestId('lens-resumed').waitFor();
    await audit(page, 'resumed', '[data-testid="permission-allow"]');
    await page.getByTestId('permission-allow').click();
    await page.getByTestId('permission-continue').click();
    await page.getByTestId('lens-waiting').waitFor();

    await post(`/api/sessions/${id}/end`, {}, techCookie);
    await page.getByTestId('lens-ended').waitFor({ timeout: 10_000 });
    await audit(page, 'ended');
  }, 120_000);

  test('the customer declines the EULA', async () => {
    const { link } = await invitation('Meter cupboard');
    const page = await phone();
    await page.goto(link);
    await page.getByTestId('tutorial-ok').click();
    await page.getByTestId('permission-allow').click();
    await page.getByTestId('permission-continue').click();
    await page.getByTestId('eula-decline').click();
    await page.getByTestId('lens-ended').waitFor();
    await audit(page, 'ended-declined');
  }, 60_000);
});

describe('the camera refused', () => {
  const denied = () => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  };
  for (const [label, ua, screen] of [
    ['Chrome on Android', UA.chromeAndroid, 'permission-denied'],
    ['Safari on iOS', UA.safariIos, 'permission-denied-ios'],
  ] as const) {
    test(`denied in ${label}: that browser's help and a retry`, async () => {
      const page = await phone(ua, denied);
      await page.goto((await invitation('Kitchen boiler')).link);
      await page.getByTestId('tutorial-ok').click();
      await page.getByTestId('permission-allow').click();
      await page.getByTestId('permission-help').waitFor();
      await audit(page, screen, '[data-testid="permission-allow"]');
    }, 30_000);
  }

  test('the camera busy in another app', async () => {
    const page = await phone(UA.chromeAndroid, () => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Could not start video source', 'NotReadableError'));
    });
    await page.goto((await invitation('Washing machine')).link);
    await page.getByTestId('tutorial-ok').click();
    await page.getByTestId('permission-allow').click();
    await page.getByTestId('permission-problem').waitFor();
    await audit(page, 'camera-busy', '[data-testid="permission-allow"]');
  }, 30_000);
});

describe('browsers that cannot do it, and no network', () => {
  test('an in-app browser on Android: open in Chrome, copy the link', async () => {
    const page = await phone(UA.instagramAndroid);
    await page.goto((await invitation('In-app Android')).link);
    await page.getByTestId('lens-in-app').waitFor();
    await audit(page, 'in-app', '[data-testid="open-in-chrome"]');
    await page.getByTestId('copy-link').click();
    await page.getByTestId('link-copied').waitFor();
    await audit(page, 'in-app-copied');
  }, 30_000);

  test('an in-app browser on iOS: the Safari steps and copy the link', async () => {
    const page = await phone(UA.facebookIos);
    await page.goto((await invitation('In-app iOS')).link);
    await page.getByTestId('lens-in-app').waitFor();
    await audit(page, 'in-app-ios', '[data-testid="copy-link"]');
  }, 30_000);

  test('no WebRTC and no store page: the explanation', async () => {
    const page = await phone(UA.safariIos, () => {
      delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    });
    await page.goto(`${loupe.url}/l`);
    await page.getByTestId('lens-unsupported').waitFor();
    await audit(page, 'unsupported');
  }, 30_000);

  test('the offline page', async () => {
    const page = await phone();
    await page.goto(`${loupe.url}/lens-offline.html`);
    await page.getByTestId('lens-offline').waitFor();
    await audit(page, 'offline', 'a.retry');
    await page.screenshot({ path: `${SHOTS}lens-offline-full.png`, fullPage: true });
    expect(problems).toEqual([]);
  }, 30_000);
});
