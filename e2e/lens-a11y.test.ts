// Every Lens screen a customer can meet, on a phone-sized page (390×844, touch,
// Android Chrome unless a screen is about another browser), checked for
// accessibility: axe-core with the WCAG 2.0/2.1/2.2 A and AA rules and its best
// practices finds no serious or critical violation; every visible control is a
// touch target of at least 44×44 CSS px; Tab reaches the screen's main action.
// Each screen is saved as e2e/screenshots/lens-<screen>.png (docs/lens.md's come
// from these). The live screen needs Janus: e2e/media/lens-a11y-live.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { audit as check } from './axe.ts';
import {
  inviteByLink,
  type LensWorld,
  lensAllowCamera,
  newPhone,
  phoneWith,
  PHONE_UA as UA,
  postJson,
  SHOTS,
  shot,
  startLensWorld,
  stopLensWorld,
  tap,
} from './helpers.ts';

const TECH = { email: 'anna@example.test', password: 'anna password 123', name: 'Anna de Wit' };

let world: LensWorld;
const problems: string[] = [];

/** A link/PIN invitation in English. */
const invitation = (name: string) => inviteByLink(world, name);

async function phone(userAgent = UA.chromeAndroid, init?: () => void): Promise<Page> {
  const context = await newPhone(world, { userAgent, init, locale: 'en-GB', clipboard: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return page;
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
  world = await startLensWorld(TECH);
}, 120_000);

afterAll(() => stopLensWorld(world), 30_000);

describe('the PIN page and links', () => {
  test('PIN entry, and a wrong PIN', async () => {
    const page = await phone();
    await page.goto(`${world.loupe.url}/l`);
    await page.getByTestId('lens-pin').waitFor();
    await audit(page, 'pin', '[data-testid="pin-continue"]');

    await page.getByTestId('pin-input').fill('000000');
    await tap(page, 'pin-continue', 'pin-problem');
    await audit(page, 'pin-error', '[data-testid="pin-continue"]');
  }, 60_000);

  test('an invalid or used link', async () => {
    const page = await phone();
    await page.goto(`${world.loupe.url}/l/not-a-real-link-token`);
    await page.getByTestId('lens-invalid').waitFor();
    await audit(page, 'invalid-link', '[data-testid="lens-enter-pin"]');
  }, 30_000);

  test('the server unreachable while opening a link', async () => {
    const page = await phone();
    await page.route('**/api/lens/redeem', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable"}' }),
    );
    await page.goto(`${world.loupe.url}/l/some-link-token`);
    await page.getByTestId('lens-problem-screen').waitFor();
    await audit(page, 'link-problem', '[data-testid="lens-problem-screen"] button');
  }, 30_000);
});

describe('a session from the link to the end', () => {
  test('tutorial, camera permission, preview, EULA, waiting, a reload while waiting, ended by the technician', async () => {
    const { id, link } = await invitation('Router in the hall');
    const page = await phone(UA.chromeAndroid, phoneWith.twoCameras);
    await page.goto(link);
    await page.getByTestId('lens-tutorial').waitFor();
    await audit(page, 'tutorial', '[data-testid="tutorial-ok"]');

    await tap(page, 'tutorial-ok', 'lens-permission');
    await audit(page, 'permission', '[data-testid="permission-allow"]');

    await page.getByTestId('permission-allow').click();
    await playing(page);
    await page.getByTestId('switch-camera').waitFor();
    await audit(page, 'preview', '[data-testid="permission-continue"]');

    await tap(page, 'permission-continue', 'lens-eula');
    await audit(page, 'eula', '[data-testid="eula-accept"]');

    await tap(page, 'eula-accept', 'lens-waiting');
    await playing(page);
    await audit(page, 'waiting');

    await page.reload();
    await page.getByTestId('lens-resumed').waitFor();
    await audit(page, 'resumed', '[data-testid="permission-allow"]');
    await page.getByTestId('permission-allow').click();
    await tap(page, 'permission-continue', 'lens-waiting');

    await postJson(world.loupe.url, `/api/sessions/${id}/end`, {}, world.techCookie);
    await page.getByTestId('lens-ended').waitFor({ timeout: 10_000 });
    await audit(page, 'ended');
  }, 120_000);

  test('the customer declines the EULA', async () => {
    const { link } = await invitation('Meter cupboard');
    const page = await phone();
    await lensAllowCamera(page, link);
    await page.getByTestId('permission-continue').click();
    await tap(page, 'eula-decline', 'lens-ended');
    await audit(page, 'ended-declined');
  }, 60_000);
});

describe('the camera refused', () => {
  for (const [label, ua, screen] of [
    ['Chrome on Android', UA.chromeAndroid, 'permission-denied'],
    ['Safari on iOS', UA.safariIos, 'permission-denied-ios'],
  ] as const) {
    test(`denied in ${label}: that browser's help and a retry`, async () => {
      const page = await phone(ua, phoneWith.cameraDenied);
      await lensAllowCamera(page, (await invitation('Kitchen boiler')).link);
      await page.getByTestId('permission-help').waitFor();
      await audit(page, screen, '[data-testid="permission-allow"]');
    }, 30_000);
  }

  test('the camera busy in another app', async () => {
    const page = await phone(UA.chromeAndroid, phoneWith.cameraBusy);
    await lensAllowCamera(page, (await invitation('Washing machine')).link);
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
    await tap(page, 'copy-link', 'link-copied');
    await audit(page, 'in-app-copied');
  }, 30_000);

  test('an in-app browser on iOS: the Safari steps and copy the link', async () => {
    const page = await phone(UA.facebookIos);
    await page.goto((await invitation('In-app iOS')).link);
    await page.getByTestId('lens-in-app').waitFor();
    await audit(page, 'in-app-ios', '[data-testid="copy-link"]');
  }, 30_000);

  test('no WebRTC and no store page: the explanation', async () => {
    const page = await phone(UA.safariIos, phoneWith.noWebRtc);
    await page.goto(`${world.loupe.url}/l`);
    await page.getByTestId('lens-unsupported').waitFor();
    await audit(page, 'unsupported');
  }, 30_000);

  test('the offline page', async () => {
    const page = await phone();
    await page.goto(`${world.loupe.url}/lens-offline.html`);
    await page.getByTestId('lens-offline').waitFor();
    await audit(page, 'offline', 'a.retry');
    await shot(page, 'lens-offline-full', { fullPage: true });
    expect(problems).toEqual([]);
  }, 30_000);
});
