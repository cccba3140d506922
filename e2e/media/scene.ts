// The cast of a media e2e test, inside the network namespace: Loupe (bundled
// Janus, ICE on the namespace's interface), an administrator who makes a group
// and a technician, headless Chromium with a fake camera and microphone, the
// technician signed in to the console, and a phone context (390×844). Every
// page records its PeerConnections (rtc-stats.ts).
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { CHROMIUM, startLoupe, type LoupeProcess } from '../loupe-process.ts';
import { JanusAdmin } from './janus-admin.ts';
import { recordPeerConnections } from './rtc-stats.ts';

export const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });
export const PHONE_DEVICE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
};
const ADMIN = { email: 'admin@example.test', password: 'admin password 123' };

export type Scene = {
  loupe: LoupeProcess;
  janus: JanusAdmin;
  browser: Browser;
  tech: Page;
  phoneContext: BrowserContext;
  /** Console errors and page errors seen on any page. */
  problems: string[];
  watch(page: Page, label: string): void;
  shot(page: Page, name: string): Promise<unknown>;
  stop(): Promise<void>;
};

/** `camera`: options for Chromium's fake camera (e.g. 'fps=30'; its default is 20 frames/s). */
export async function startScene(opts: {
  env?: Record<string, string>;
  rtpPorts: string;
  technician: { email: string; password: string; name: string };
  camera?: string;
}): Promise<Scene> {
  if (!process.env.LOUPE_TEST_NETNS)
    throw new Error('Run media tests inside a network namespace: scripts/netns.sh bun test e2e/media');
  const loupe = await startLoupe({
    LOUPE_ADMIN_EMAIL: ADMIN.email,
    LOUPE_ADMIN_PASSWORD: ADMIN.password,
    LOUPE_ICE_INTERFACE: process.env.LOUPE_TEST_NETNS,
    LOUPE_JANUS_ADMIN_API: 'true',
    LOUPE_RTP_PORTS: opts.rtpPorts,
    ...opts.env,
  });
  await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
  await loupe.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
  const post = async (path: string, body: unknown, cookie?: string) => {
    const res = await fetch(`${loupe.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const admin = (await post('/api/auth/login', ADMIN)).headers.getSetCookie()[0]!.split(';')[0]!;
  const group = (await (
    await post(
      '/api/groups',
      {
        name: 'Service desk',
        rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'],
      },
      admin,
    )
  ).json()) as { id: string };
  await post('/api/technicians', { ...opts.technician, groupId: group.id }, admin);

  const problems: string[] = [];
  const watch = (page: Page, label: string) => {
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|404|409)/.test(m.text()))
        problems.push(`${label} console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${label} pageerror: ${e.message}`));
  };
  const fake = `--use-fake-device-for-media-stream${opts.camera ? `=${opts.camera}` : ''}`;
  const browser = await chromium.launch({
    ...CHROMIUM,
    args: [...CHROMIUM.args, fake, '--use-fake-ui-for-media-stream'],
  });
  const techContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await techContext.grantPermissions(['microphone'], { origin: loupe.url });
  await techContext.addInitScript(recordPeerConnections);
  const tech = await techContext.newPage();
  watch(tech, 'console');
  const phoneContext = await browser.newContext(PHONE_DEVICE);
  await phoneContext.grantPermissions(['camera', 'microphone'], { origin: loupe.url });
  await phoneContext.addInitScript(recordPeerConnections);

  await tech.goto(`${loupe.url}/login`);
  await tech.getByLabel('Email').fill(opts.technician.email);
  await tech.getByLabel('Password').fill(opts.technician.password);
  await tech.getByRole('button', { name: 'Sign in' }).click();
  await tech.waitForURL('**/console');

  return {
    loupe,
    janus: JanusAdmin.of(loupe.dataDir),
    browser,
    tech,
    phoneContext,
    problems,
    watch,
    shot: (page, name) => page.screenshot({ path: `${SHOTS}${name}.png` }),
    async stop() {
      if (process.env.LOUPE_TEST_DEBUG)
        for (const l of loupe.logs)
          if (l.level !== 'info' || /media|Janus|session/i.test(String(l.msg)))
            console.log(JSON.stringify(l).slice(0, 400));
      await browser.close();
      await loupe.stop();
    },
  };
}

/**
 * A link/PIN invitation made with the technician's cookie, opened on a new
 * phone page: tutorial, camera permission (preview playing), EULA, waiting.
 */
export async function customerJoins(scene: Scene, name: string): Promise<{ sessionId: string; phone: Page }> {
  const created = await scene.tech.request.post(`${scene.loupe.url}/api/sessions`, {
    data: { type: 'lens', name, method: 'link', language: 'en' },
  });
  if (created.status() !== 201) throw new Error(`invitation: ${created.status()} ${await created.text()}`);
  const session = (await created.json()) as { id: string; link: string };
  const phone = await scene.phoneContext.newPage();
  scene.watch(phone, 'phone');
  await phone.goto(session.link);
  await phone.getByTestId('tutorial-ok').click();
  await phone.getByTestId('permission-allow').click();
  await phone.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]')?.videoWidth ?? 0) > 0,
    null,
    { timeout: 15_000 },
  );
  await phone.getByTestId('permission-continue').click();
  await phone.getByTestId('eula-accept').click();
  await phone.getByTestId('lens-waiting').waitFor({ timeout: 15_000 });
  await scene.tech.locator(`[data-testid="session-row"][data-session-id="${session.id}"]`).click({ timeout: 15_000 });
  return { sessionId: session.id, phone };
}
