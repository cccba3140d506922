// What the e2e tests share, so that each test file says only what it checks:
// the people a test needs (the administrator Loupe creates from its
// environment, a group and a technician made through the API, a technician
// signed in to the console), the browsers (headless Chromium with a fake camera,
// a phone-sized page and what a phone can lack), the Lens world most Lens tests
// start from, screenshots, and the errors pages report. The media tests' cast
// (Janus, PeerConnection recording) builds on this in media/scene.ts.
import { mkdirSync } from 'node:fs';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import { CHROMIUM, type LoupeProcess, startLoupe } from './loupe-process.ts';

// ── People ────────────────────────────────────────────────────────────────

/** The first administrator: Loupe creates it at start-up from ADMINISTRATOR_ENV, so no test walks the setup link. */
export const ADMINISTRATOR = { email: 'admin@example.test', password: 'admin password 123' };
export const ADMINISTRATOR_ENV = {
  LOUPE_ADMIN_EMAIL: ADMINISTRATOR.email,
  LOUPE_ADMIN_PASSWORD: ADMINISTRATOR.password,
};

export type Technician = { email: string; password: string; name: string };
/** A group as POST /api/groups takes it: its rights decide which invitations its technicians may send. */
export type Group = { name: string; rights: string[]; settings?: Record<string, number> };

/** POSTs JSON to Loupe; a non-2xx answer throws with its body, so a setup step that fails says why. */
export async function postJson(base: string, path: string, body: unknown, cookie?: string): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** The session cookie a sign-in answer sets, as a `cookie` header value. */
export const cookieOf = (res: Response) => res.headers.getSetCookie()[0]!.split(';')[0]!;

/** Signs in through the API (no page): the session cookie. */
export async function signInByApi(base: string, who: { email: string; password: string }): Promise<string> {
  return cookieOf(await postJson(base, '/api/auth/login', { email: who.email, password: who.password }));
}

/**
 * The administrator makes `group` and `technician` in it through the API, as
 * the admin pages would: most tests need a technician, few test the admin pages.
 */
export async function addTechnician(base: string, group: Group, technician: Technician): Promise<void> {
  const admin = await signInByApi(base, ADMINISTRATOR);
  const { id } = (await (await postJson(base, '/api/groups', group, admin)).json()) as { id: string };
  await postJson(base, '/api/technicians', { ...technician, groupId: id }, admin);
}

/**
 * A Loupe (the administrator in its environment, `env` on top), listening, with
 * `technician` in `group`: the start of every test that is not about setup.
 */
export async function startLoupeWithTechnician(
  group: Group,
  technician: Technician,
  env: Record<string, string> = {},
): Promise<LoupeProcess> {
  const loupe = await startLoupe({ ...ADMINISTRATOR_ENV, ...env });
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  await addTechnician(loupe.url, group, technician);
  return loupe;
}

/** Fills the (English) sign-in form and presses Sign in; where it leads is the caller's to check. */
export async function submitSignIn(page: Page, who: { email: string; password: string }) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The technician signs in on the console's sign-in page, as a person would, and lands on the console. */
export async function signInToConsole(page: Page, base: string, who: { email: string; password: string }) {
  await page.goto(`${base}/login`);
  await submitSignIn(page, who);
  await page.waitForURL('**/console');
}

/**
 * The technician opens New session, names it, types the customer's number and
 * presses Send SMS, as on the console: the dialog, still open (the PIN, the
 * SMS status or the error show in it).
 */
export async function sendSmsInvitation(console_: Page, name: string, to: string): Promise<Locator> {
  await console_.getByTestId('new-session').click();
  const dialog = console_.getByTestId('new-session-dialog');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('To:').fill(to);
  await dialog.getByRole('button', { name: 'Send SMS' }).click();
  return dialog;
}

// ── Browsers ──────────────────────────────────────────────────────────────

/**
 * Headless Chromium (loupe-process.ts's flags) with a fake camera and
 * microphone that never ask for permission: the Lens needs a camera, and no
 * test may wait on a permission prompt. `camera`: the fake camera's options,
 * e.g. 'fps=30' (its default is 20 frames/s); `videoFile`: a Y4M file it plays
 * instead of its own pattern (e.g. media/marker-camera.ts's).
 */
/** `extra`: another executable (a wrapper that runs Chromium on a test host) and more flags. */
export function launchWithFakeCamera(
  camera?: string,
  videoFile?: string,
  audioFile?: string,
  extra: { executablePath?: string; args?: string[] } = {},
): Promise<Browser> {
  const fake = `--use-fake-device-for-media-stream${camera ? `=${camera}` : ''}`;
  const file = videoFile ? [`--use-file-for-fake-video-capture=${videoFile}`] : [];
  // A WAV the fake microphone plays (in a loop) instead of its beeps: e2e/media/recording.test.ts.
  if (audioFile) file.push(`--use-file-for-fake-audio-capture=${audioFile}`);
  return chromium.launch({
    ...CHROMIUM,
    executablePath: extra.executablePath ?? CHROMIUM.executablePath,
    args: [...CHROMIUM.args, fake, ...file, '--use-fake-ui-for-media-stream', ...(extra.args ?? [])],
  });
}

/** User agents of the phones customers have: the Lens decides by them what to offer (in-app browser, iOS help). */
export const PHONE_UA = {
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  instagramAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36 Instagram 312.0.0.32.112 Android',
  facebookIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.41.103;FBBV/612345678]',
  safariIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

/**
 * A customer's phone as a browser context: 390×844 CSS px (a Pixel 8), touch,
 * Chrome on Android unless `extra` says otherwise (another user agent, a locale).
 */
export function phoneDevice(extra: BrowserContextOptions = {}): BrowserContextOptions {
  return {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: PHONE_UA.chromeAndroid,
    ...extra,
  };
}

/**
 * What a phone can have or lack, as init scripts: Playwright runs one in each
 * page before the page's own scripts, so each must be self-contained (no
 * outside names). Pass one as newPhone's `init`.
 */
export const phoneWith = {
  /** A second camera, so the Lens offers the switch button. */
  twoCameras: () => {
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
  },
  /** The camera refused (by the customer, or by the browser's settings). */
  cameraDenied: () => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  },
  /** The camera held by another app. */
  cameraBusy: () => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Could not start video source', 'NotReadableError'));
  },
  /** No WebRTC at all: the Lens cannot go live in this browser. */
  noWebRtc: () => {
    delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
  },
};

/** The customer taps `button` (a test id) and the screen `next` (a test id) comes up. */
export async function tap(page: Page, button: string, next: string): Promise<void> {
  await page.getByTestId(button).click();
  await page.getByTestId(next).waitFor();
}

/**
 * The customer opens `link`, passes the tutorial and taps Allow on the camera
 * screen (the browser's own prompt is granted or faked by the context).
 */
export async function lensAllowCamera(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByTestId('tutorial-ok').click();
  await page.getByTestId('permission-allow').click();
}

// ── What a test leaves behind ─────────────────────────────────────────────

/** Where every e2e screenshot goes (gitignored); the README's pictures are picked from here. */
export const SHOTS = new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

export const shot = (page: Page, name: string, opts: { fullPage?: boolean } = {}) =>
  page.screenshot({ path: `${SHOTS}${name}.png`, ...opts });

/** The HTTP answers a Loupe page logs as console errors when a test provokes them: signed out, a used link, the one-session limit. */
export const PROVOKED_STATUSES = /status of (401|404|409)/;

/**
 * Collects what pages report as broken, for a test to end with
 * `expect(problems).toEqual([])`: a CSP violation or a script error means a
 * page is half-broken even when it looks fine. Console errors matching
 * `expected` (what the test provokes on purpose) are not problems.
 */
export function pageProblems(expected: RegExp): { problems: string[]; watch(page: Page, label?: string): void } {
  const problems: string[] = [];
  const watch = (page: Page, label?: string) => {
    const where = label ? `${label} ` : '';
    page.on('console', (m) => {
      if (m.type() === 'error' && !expected.test(m.text())) problems.push(`${where}console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${where}pageerror: ${e.message}`));
  };
  return { problems, watch };
}

// ── The Lens world ────────────────────────────────────────────────────────

/**
 * Most Lens tests start here: a Loupe with the administrator, a group that may
 * invite by link/PIN (room for many live sessions and PINs that outlive a slow
 * run), one technician signed in through the API, a Chromium with a fake
 * camera, and the phones the test opened (closed by stopLensWorld).
 */
export type LensWorld = { loupe: LoupeProcess; browser: Browser; techCookie: string; phones: BrowserContext[] };

export async function startLensWorld(tech: Technician, env: Record<string, string> = {}): Promise<LensWorld> {
  const loupe = await startLoupeWithTechnician(
    {
      name: 'Field',
      rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
      settings: { maxLiveLensSessions: 20, pinLifetimeMinutes: 20 },
    },
    tech,
    env,
  );
  const techCookie = await signInByApi(loupe.url, tech);
  return { loupe, browser: await launchWithFakeCamera(), techCookie, phones: [] };
}

/** `world` may be missing or half made when beforeAll failed. */
export async function stopLensWorld(world: Partial<LensWorld> | undefined): Promise<void> {
  for (const c of world?.phones ?? []) await c.close().catch(() => {});
  await world?.browser?.close();
  await world?.loupe?.stop();
}

/**
 * A fresh phone (its own cookies and storage, so a new customer) with the
 * camera and microphone granted: Chrome on Android unless `userAgent` says
 * otherwise; `init` runs in each page first (see phoneWith);
 * `clipboard` for the copy-link button.
 */
export async function newPhone(
  world: LensWorld,
  opts: { userAgent?: string; locale?: string; init?: () => void; clipboard?: boolean } = {},
): Promise<BrowserContext> {
  const context = await world.browser.newContext(
    phoneDevice({ userAgent: opts.userAgent ?? PHONE_UA.chromeAndroid, locale: opts.locale }),
  );
  world.phones.push(context);
  const clipboard = opts.clipboard ? ['clipboard-read', 'clipboard-write'] : [];
  await context.grantPermissions(['camera', 'microphone', ...clipboard], { origin: world.loupe.url });
  if (opts.init) await context.addInitScript(opts.init);
  return context;
}

export type Invitation = { id: string; link: string; pin: string };

/** A link/PIN invitation made with the technician's cookie, as the console's New session dialog makes it. */
export async function inviteByLink(world: LensWorld, name: string, language: 'en' | 'nl' = 'en'): Promise<Invitation> {
  const res = await postJson(
    world.loupe.url,
    '/api/sessions',
    { type: 'lens', name, method: 'link', language },
    world.techCookie,
  );
  return (await res.json()) as Invitation;
}
