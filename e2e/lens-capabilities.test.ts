// The Lens page on the phones customers really have, before anything else: an
// in-app browser is sent to the phone's own browser (and the single-use link
// still works there), a phone without WebRTC goes to the configured store page
// or gets an explanation, a denied camera gets instructions for that browser,
// two cameras get a switch, and a reload while waiting resumes the session.
// Capabilities are varied by user agent and by removing APIs in an init script.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import {
  inviteByLink,
  type LensWorld,
  lensAllowCamera,
  newPhone,
  phoneWith,
  PHONE_UA as UA,
  shot,
  startLensWorld,
  stopLensWorld,
} from './helpers.ts';

const TECH = { email: 'ilse@example.test', password: 'ilse password 123', name: 'Ilse Smit' };
const STORE_ANDROID = 'https://play.example.test/store/apps/details?id=org.loupe.lens';

let world: LensWorld;

/** A link/PIN invitation in English; its link. */
const invitation = async (name: string) => (await inviteByLink(world, name)).link;

async function phone(userAgent: string, init?: () => void): Promise<Page> {
  const context = await newPhone(world, { userAgent, init, locale: 'en-GB', clipboard: true });
  // The store is never reached: the test answers for it, nothing leaves loopback.
  await context.route('https://play.example.test/**', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<title>Store</title><h1>Loupe Lens in the store</h1>',
    }),
  );
  return context.newPage();
}

beforeAll(async () => {
  world = await startLensWorld(TECH, { APP_STORE_URL_ANDROID: STORE_ANDROID });
}, 120_000);

afterAll(() => stopLensWorld(world), 30_000);

describe('capabilities before anything else', () => {
  test('Instagram on Android: open-in-browser screen with an intent to Chrome and a copy button; the link is not used up', async () => {
    const link = await invitation('Router in the hall');
    const page = await phone(UA.instagramAndroid);
    await page.goto(link);
    await page.getByTestId('lens-in-app').waitFor();
    expect(await page.getByTestId('lens-in-app').innerText()).toContain('Instagram');
    const intent = await page.getByTestId('open-in-chrome').getAttribute('href');
    expect(intent).toStartWith(`intent://${new URL(link).host}${new URL(link).pathname}#Intent;`);
    expect(intent).toContain('package=com.android.chrome');
    await page.getByTestId('copy-link').click();
    await page.getByTestId('link-copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    await shot(page, '24-lens-in-app');

    // In the phone's own browser the same link still opens the session.
    const chrome = await phone(UA.chromeAndroid);
    await chrome.goto(link);
    await chrome.getByTestId('lens-tutorial').waitFor();
  }, 60_000);

  test('Facebook on iOS: the open-in-Safari steps and a copy button, no Android intent', async () => {
    const page = await phone(UA.facebookIos);
    await page.goto(await invitation('Meter'));
    await page.getByTestId('lens-in-app').waitFor();
    expect(await page.getByTestId('open-in-chrome').count()).toBe(0);
    expect(await page.getByTestId('lens-in-app').innerText()).toContain('Open in Safari');
    await page.getByTestId('copy-link').waitFor();
  }, 30_000);

  test('no WebRTC on Android with a store page configured: sent to the store', async () => {
    const page = await phone(UA.chromeAndroid, phoneWith.noWebRtc);
    await page.goto(await invitation('Boiler'));
    await page.waitForURL(STORE_ANDROID, { timeout: 15_000 });
    expect(await page.locator('h1').innerText()).toBe('Loupe Lens in the store');
  }, 30_000);

  test('no WebRTC on iOS with no store page for iOS: a clear explanation', async () => {
    const page = await phone(UA.safariIos, phoneWith.noWebRtc);
    await page.goto(`${world.loupe.url}/l`);
    const screen = page.getByTestId('lens-unsupported');
    await screen.waitFor();
    expect(await screen.getAttribute('data-reason')).toBe('no_webrtc');
    expect(await screen.innerText()).toContain('up-to-date Chrome, Safari');
    await shot(page, '25-lens-unsupported');
  }, 30_000);
});

describe('camera permission', () => {
  for (const [label, ua, browserKind, words] of [
    ['Chrome on Android', UA.chromeAndroid, 'chrome-android', 'Permissions'],
    ['Safari on iOS', UA.safariIos, 'safari-ios', 'Website Settings'],
  ] as const) {
    test(`denied in ${label}: instructions for that browser, and a retry`, async () => {
      const page = await phone(ua, phoneWith.cameraDenied);
      await lensAllowCamera(page, await invitation(`Denied ${browserKind}`));
      const help = page.getByTestId('permission-help');
      await help.waitFor();
      expect(await help.getAttribute('data-browser')).toBe(browserKind);
      expect(await help.innerText()).toContain(words);
      expect(await page.getByTestId('permission-problem').innerText()).toContain('blocked');
      expect(await page.getByTestId('permission-allow').innerText()).toBe('Try again');
      if (browserKind === 'chrome-android') await shot(page, '26-lens-permission-denied');
    }, 30_000);
  }

  test('a camera busy in another app is named as such', async () => {
    const page = await phone(UA.chromeAndroid, phoneWith.cameraBusy);
    await lensAllowCamera(page, await invitation('Busy'));
    expect(await page.getByTestId('permission-problem').innerText()).toContain('in use by another app');
  }, 30_000);

  test('two cameras: a switch button swaps to the other camera and the preview keeps playing; one camera: no button', async () => {
    const two = await phone(UA.chromeAndroid, phoneWith.twoCameras);
    await lensAllowCamera(two, await invitation('Two cameras'));
    await two.getByTestId('switch-camera').click();
    await two.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]');
        const track = (v?.srcObject as MediaStream | null)?.getVideoTracks()[0];
        return !!v && v.videoWidth > 0 && track?.readyState === 'live';
      },
      null,
      { timeout: 10_000 },
    );

    const one = await phone(UA.chromeAndroid, () => {
      const real = navigator.mediaDevices.enumerateDevices.bind(navigator.mediaDevices);
      navigator.mediaDevices.enumerateDevices = async () => {
        const devices = await real();
        const cams = devices.filter((d) => d.kind === 'videoinput');
        return devices.filter((d) => d.kind !== 'videoinput').concat(cams.slice(0, 1));
      };
    });
    await lensAllowCamera(one, await invitation('One camera'));
    await one.getByTestId('permission-continue').waitFor();
    await one.waitForTimeout(500);
    expect(await one.getByTestId('switch-camera').count()).toBe(0);
  }, 60_000);
});

test('a reload while waiting resumes the session (camera once more, then waiting)', async () => {
  const page = await phone(UA.chromeAndroid);
  await lensAllowCamera(page, await invitation('Reload me'));
  await page.getByTestId('permission-continue').click();
  await page.getByTestId('eula-accept').click();
  await page.getByTestId('lens-waiting').waitFor();
  await page.reload();
  await page.getByTestId('lens-resumed').waitFor();
  await page.getByTestId('permission-allow').click();
  await page.getByTestId('permission-continue').click();
  await page.getByTestId('lens-waiting').waitFor();
}, 60_000);
