// The cast of a media e2e test, inside the network namespace: Loupe (bundled
// Janus, ICE on the namespace's interface), an administrator who makes a group
// and a technician, headless Chromium with a fake camera and microphone, the
// technician signed in to the console, and a phone context (390×844). Every
// page records its PeerConnections (rtc-stats.ts). The parts that are not
// about media come from ../helpers.ts.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  launchWithFakeCamera,
  lensAllowCamera,
  PROVOKED_STATUSES,
  pageProblems,
  phoneDevice,
  shot,
  signInToConsole,
  startLoupeWithTechnician,
  type Technician,
} from '../helpers.ts';
import type { LoupeProcess } from '../loupe-process.ts';
import { JanusAdmin } from './janus-admin.ts';
import { recordPeerConnections } from './rtc-stats.ts';

export { SHOTS } from '../helpers.ts';
export const PHONE_DEVICE = phoneDevice();

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

/**
 * `camera`: options for Chromium's fake camera (e.g. 'fps=30'; its default is 20 frames/s);
 * `videoFile`: a Y4M file it plays instead of its own pattern.
 * `rights`: the technician's group's (default: every way to invite).
 */
export async function startScene(opts: {
  env?: Record<string, string>;
  rtpPorts: string;
  technician: Technician;
  camera?: string;
  /** A Y4M file the fake camera plays (marker-camera.ts). */
  videoFile?: string;
  /** A WAV file the fake microphone plays (the same for every page of this browser). */
  audioFile?: string;
  /** The console window's size (1280×900 unless given). */
  consoleViewport?: { width: number; height: number };
  rights?: string[];
}): Promise<Scene> {
  if (!process.env.LOUPE_TEST_NETNS)
    throw new Error('Run media tests inside a network namespace: scripts/netns.sh bun test e2e/media');
  const loupe = await startLoupeWithTechnician(
    {
      name: 'Service desk',
      rights: opts.rights ?? ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'],
    },
    opts.technician,
    {
      LOUPE_ICE_INTERFACE: process.env.LOUPE_TEST_NETNS,
      LOUPE_JANUS_ADMIN_API: 'true',
      LOUPE_RTP_PORTS: opts.rtpPorts,
      ...opts.env,
    },
  );
  await loupe.waitForLog((l) => l.msg === 'connected to Janus', 30_000);

  const { problems, watch } = pageProblems(PROVOKED_STATUSES);
  const browser = await launchWithFakeCamera(opts.camera, opts.videoFile, opts.audioFile);
  const techContext = await browser.newContext({ viewport: opts.consoleViewport ?? { width: 1280, height: 900 } });
  await techContext.grantPermissions(['microphone'], { origin: loupe.url });
  await techContext.addInitScript(recordPeerConnections);
  const tech = await techContext.newPage();
  watch(tech, 'console');
  const phoneContext = await browser.newContext(PHONE_DEVICE);
  await phoneContext.grantPermissions(['camera', 'microphone'], { origin: loupe.url });
  await phoneContext.addInitScript(recordPeerConnections);
  await signInToConsole(tech, loupe.url, opts.technician);

  return {
    loupe,
    janus: JanusAdmin.of(loupe.dataDir),
    browser,
    tech,
    phoneContext,
    problems,
    watch,
    shot,
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
 * The customer opens `link` on `phone` and goes the whole way to waiting:
 * tutorial, camera permission (the preview playing), EULA. `timeout` for each
 * wait (Playwright's 30 s when not given).
 */
export async function lensToWaiting(phone: Page, link: string, timeout?: number): Promise<void> {
  await lensAllowCamera(phone, link);
  await phone.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]')?.videoWidth ?? 0) > 0,
    null,
    { timeout },
  );
  await phone.getByTestId('permission-continue').click();
  await phone.getByTestId('eula-accept').click();
  await phone.getByTestId('lens-waiting').waitFor({ timeout });
}

/**
 * A link/PIN invitation made with the technician's cookie, opened on a new
 * phone page and taken to waiting (lensToWaiting); the technician selects the
 * session in the console.
 */
export async function customerJoins(
  scene: Pick<Scene, 'tech' | 'phoneContext' | 'watch'> & { loupe: { url: string } },
  name: string,
): Promise<{ sessionId: string; link: string; phone: Page }> {
  const created = await scene.tech.request.post(`${scene.loupe.url}/api/sessions`, {
    data: { type: 'lens', name, method: 'link', language: 'en' },
  });
  if (created.status() !== 201) throw new Error(`invitation: ${created.status()} ${await created.text()}`);
  const session = (await created.json()) as { id: string; link: string };
  const phone = await scene.phoneContext.newPage();
  scene.watch(phone, 'phone');
  await lensToWaiting(phone, session.link, 15_000);
  await scene.tech.locator(`[data-testid="session-row"][data-session-id="${session.id}"]`).click({ timeout: 15_000 });
  return { sessionId: session.id, link: session.link, phone };
}
