// The whole main path with real media, inside a private network namespace
// (scripts/netns.sh; Janus gathers no ICE candidates on loopback): a technician
// sends a Lens invitation by SMS through the test SMSC, the customer's phone
// (Chromium, 390×844, fake camera and microphone) goes through tutorial,
// permission and EULA, the technician clicks Start and sees the camera live
// through the bundled Janus while both hear each other. Then hold and resume,
// a reload of the phone, Janus killed mid-session, and the end.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Page } from 'playwright-core';
import { startTestSmsc, type TestSmsc } from '../../src/sms/test-smsc.ts';
import { sendSmsInvitation, shot } from '../helpers.ts';
import type { LoupeProcess } from '../loupe-process.ts';
import type { JanusAdmin } from './janus-admin.ts';
import { expectFlowing, expectStopped, frames, mediaOf, waitForMedia } from './rtc-stats.ts';
import { lensToWaiting, type Scene, startScene } from './scene.ts';

const TECH = { email: 'tess@example.test', password: 'tess password 123', name: 'Tess de Vries' };

let smsc: TestSmsc;
let scene: Scene;
let loupe: LoupeProcess;
let janus: JanusAdmin;
let tech: Page;
let phone: Page;

async function healthz() {
  return (await (await fetch(`${loupe.url}/healthz`)).json()) as {
    status: string;
    checks: { janus: string; janusRestarts: number };
  };
}

/** The Janus this test's Loupe started: its command line names the test's data folder. */
function janusPid(): number {
  const out = Bun.spawnSync(['pgrep', '-f', `${loupe.dataDir}/janus/config`])
    .stdout.toString()
    .trim()
    .split('\n')
    .filter(Boolean);
  if (out.length !== 1) throw new Error(`expected one Janus process for ${loupe.dataDir}, found ${out.length}`);
  return Number(out[0]);
}

beforeAll(async () => {
  smsc = await startTestSmsc({ systemId: 'loupe', password: 'smsc secret' });
  // The technician is signed in to the console, the phone not yet opened.
  scene = await startScene({
    rtpPorts: '40000-40099',
    env: { SMPP_URL: smsc.url, SMPP_SOURCE_ADDR: 'Loupe' },
    technician: TECH,
  });
  ({ loupe, janus, tech } = scene);
}, 120_000);

afterAll(async () => {
  await scene?.stop();
  await smsc?.stop();
});

describe('a live Lens session through the bundled Janus', () => {
  let room: number | undefined;

  test('invitation by SMS → tutorial, permission, EULA: nothing of the camera leaves the phone before Start', async () => {
    const dialog = await sendSmsInvitation(tech, 'Meter cupboard', '06 12345678');
    const message = await smsc.waitForMessage((m) => m.to === '31612345678', 15_000);
    const link = message.text.match(/https?:\/\/\S+\/l\/[A-Za-z0-9_-]+/)![0];
    await dialog.getByTestId('done').click();

    phone = await scene.phoneContext.newPage();
    scene.watch(phone, 'phone');
    await lensToWaiting(phone, link);

    await tech.getByTestId('session-row').filter({ hasText: 'Meter cupboard' }).click();
    await tech.getByTestId('start-session').waitFor();
    // The phone connects its publishing connection to Janus while it waits, with
    // its senders detached (Start then only gives them the camera and the
    // microphone, so the picture comes sooner). Nothing of either is sent.
    await waitForMedia(phone, (m) => m.connected === 1, 20_000);
    // Give a would-be early publisher time to send something.
    await phone.waitForTimeout(2_000);
    const before = await mediaOf(phone);
    expect(before.peerConnections).toBe(1);
    expect(before.connected).toBe(1);
    expect(before.sendersWithTrack).toBe(0);
    expect(before.audioBytesSent + before.videoBytesSent).toBe(0);
    // The console connects its receiving side ahead too; it receives nothing.
    await waitForMedia(tech, (m) => m.connected === 1, 20_000);
    const seen = await mediaOf(tech);
    // One receiving connection open. A retried subscription makes a new
    // connection and closes the old (console-call.svelte.ts, #join); one full
    // CI run on a loaded machine saw two made here (the cause not confirmed),
    // so what is checked is the open ones, not every one ever made.
    expect(seen.negotiated).toBe(1);
    expect(seen.connected).toBe(1);
    expect(seen.sendersWithTrack).toBe(0);
    expect(seen.framesDecoded + seen.audioPacketsReceived).toBe(0);
    // Janus's side: Loupe's own admin handle, the phone's publisher and the
    // technician's subscription, answered but paused (Janus relays nothing
    // until Start), in the session's room. Janus received no media at all.
    const handles = await janus.handles();
    expect(handles.length).toBe(3);
    expect(handles.filter((h) => h.room !== undefined).length).toBe(2);
    const subscription = handles.find((h) => h.specific.type === 'subscriber');
    expect(subscription?.specific).toMatchObject({ answered: true, paused: true });
    expect(handles.reduce((n, h) => n + h.bytesIn, 0)).toBe(0);
  }, 90_000);

  test('Start: the technician sees the camera (decoded frames) and hears the phone; the phone hears the technician', async () => {
    await tech.getByTestId('start-session').click();
    await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0 && m.audioPacketsReceived > 0, 20_000);
    await expectFlowing(tech, frames);
    const seen = await mediaOf(tech);
    expect(seen.frameWidth).toBeGreaterThan(0);
    expect(seen.frameHeight).toBeGreaterThan(0);
    await tech.waitForFunction(
      () => (document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]')?.videoWidth ?? 0) > 0,
    );

    // The technician's voice reaches the phone.
    await phone.getByTestId('lens-live').waitFor();
    await waitForMedia(phone, (m) => m.audioPacketsReceived > 20, 20_000);
    expect((await mediaOf(phone)).videoBytesSent).toBeGreaterThan(0);

    // The quality panel shows real numbers, refreshed each second.
    await tech.waitForFunction(() =>
      /\d+×\d+/.test(document.querySelector('[data-testid="stat-resolution"]')?.textContent ?? ''),
    );
    await tech.waitForFunction(() =>
      /^\d+ fps$/.test(document.querySelector('[data-testid="stat-fps"]')?.textContent ?? ''),
    );
    await tech.waitForFunction(
      () =>
        /^\d+ kbit\/s$/.test(document.querySelector('[data-testid="stat-bitrate"]')?.textContent ?? '') &&
        !/^0 /.test(document.querySelector('[data-testid="stat-bitrate"]')!.textContent!),
    );
    // In the test namespace the console reaches Janus's own address: a direct path, over UDP.
    await tech.waitForFunction(
      () => document.querySelector('[data-testid="stat-path"]')?.textContent === 'direct · UDP',
    );

    // Janus has the room with four handles receiving media: the customer's publisher gets bytes.
    const inRoom = (await janus.handles()).filter((h) => h.room !== undefined);
    expect(inRoom.length).toBe(4);
    room = inRoom[0]!.room;
    expect(inRoom.every((h) => h.room === room)).toBe(true);
    expect(inRoom.reduce((n, h) => n + h.bytesIn, 0)).toBeGreaterThan(0);
    await shot(tech, '17-console-live');
    await shot(phone, '18-lens-live');
  }, 90_000);

  test("orientation: the phone's rotation travels with the video (urn:3gpp:video-orientation negotiated on both legs), so the technician sees it upright", async () => {
    // Chromium on a phone sends its rotation in this RTP header extension instead of
    // re-encoding; the receiving browser turns the picture. Both Janus legs must keep it.
    const extensionsOf = (page: Page, direction: 'send' | 'recv') =>
      page.evaluate((dir) => {
        const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
        return pcs
          .filter(
            (pc) =>
              pc.connectionState !== 'closed' &&
              pc.getTransceivers().some((t) => t.receiver.track.kind === 'video' && t.currentDirection?.includes(dir)),
          )
          .map((pc) =>
            (pc.remoteDescription?.sdp ?? '')
              .split('\r\n')
              .filter((line) => line.startsWith('a=extmap:'))
              .join('\n'),
          );
      }, direction);
    const published = await extensionsOf(phone, 'send');
    const subscribed = await extensionsOf(tech, 'recv');
    expect(published.length).toBeGreaterThan(0);
    expect(subscribed.length).toBeGreaterThan(0);
    expect(published.at(-1)).toContain('urn:3gpp:video-orientation');
    expect(subscribed.at(-1)).toContain('urn:3gpp:video-orientation');
  });

  test('the technician sees each frame as soon as it is decoded: Janus relays the camera with playout delay 0', async () => {
    // LOUPE_VIDEO_PLAYOUT=immediate (the default): the subscription asks Janus to write
    // min = max = 0 into the playout-delay RTP extension, which the console negotiated.
    type Stream = {
      type: string;
      feed_display?: string;
      'playout-delay'?: { 'min-delay': number; 'max-delay': number };
    };
    const subscriptions = (await janus.handles()).filter((h) => h.room === room && h.specific.type === 'subscriber');
    const cameraStreams = subscriptions.flatMap((h) =>
      (h.specific.streams as Stream[]).filter((st) => st.type === 'video'),
    );
    expect(cameraStreams.length).toBe(1);
    expect(cameraStreams[0]!.feed_display).toBe('customer');
    expect(cameraStreams[0]!['playout-delay']).toEqual({ 'min-delay': 0, 'max-delay': 0 });
    const negotiated = await tech.evaluate(() =>
      ((window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [])
        .filter(
          (pc) =>
            pc.connectionState !== 'closed' &&
            pc.getTransceivers().some((t) => t.receiver.track.kind === 'video' && t.currentDirection === 'recvonly'),
        )
        .map((pc) => pc.localDescription?.sdp ?? ''),
    );
    expect(negotiated.length).toBe(1);
    expect(negotiated[0]).toContain('http://www.webrtc.org/experiments/rtp-hdrext/playout-delay');
  });

  test('hold stops the frames both ways; resume restarts them', async () => {
    await tech.getByTestId('hold-session').click();
    await phone.locator('[data-testid="lens-live"][data-state="on_hold"]').waitFor();
    await tech.waitForTimeout(1_000);
    const held = await expectStopped(tech, frames, 2_000);
    const phoneHeld = await mediaOf(phone);
    await phone.waitForTimeout(1_500);
    expect((await mediaOf(phone)).audioPacketsReceived).toBe(phoneHeld.audioPacketsReceived);
    await shot(tech, '19-console-on-hold');

    await tech.getByTestId('resume-session').click();
    await phone.locator('[data-testid="lens-live"][data-state="active"]').waitFor();
    await waitForMedia(tech, (m) => m.framesDecoded > held.after + 10, 15_000);
  }, 60_000);

  test('a reload of the phone resumes the picture without the technician doing anything', async () => {
    const beforeReload = (await mediaOf(tech)).framesDecoded;
    await phone.reload();
    await phone.getByTestId('permission-allow').click();
    await phone
      .getByTestId('permission-continue')
      .click()
      .catch(() => {});
    await phone.getByTestId('lens-live').waitFor({ timeout: 15_000 });
    // A new receiving connection in the console, decoding again.
    await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.framesDecoded !== beforeReload, 20_000);
    await expectFlowing(tech, frames);
  }, 60_000);

  test('Janus killed mid-session: the console says so, the supervisor restarts it, the picture comes back; Loupe keeps serving', async () => {
    const { checks: before } = await healthz();
    expect(before.janus).toBe('running');
    process.kill(janusPid(), 'SIGKILL');
    await tech.locator('[data-testid="live-overlay"]', { hasText: 'media server' }).waitFor({ timeout: 10_000 });
    await shot(tech, '20-console-media-restarting');
    expect(
      (
        await fetch(`${loupe.url}/api/sessions`, {
          headers: { cookie: (await tech.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
        })
      ).status,
    ).toBe(200);
    await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 30_000 });
    await expectFlowing(tech, frames);
    const { checks: after } = await healthz();
    expect(after.janus).toBe('running');
    expect(after.janusRestarts).toBeGreaterThanOrEqual(1);
    const rooms = new Set((await janus.handles()).map((h) => h.room).filter((r) => r !== undefined));
    expect(rooms.size).toBe(1);
    room = [...rooms][0];
  }, 90_000);

  test('the customer ends: both sides are told, the Janus room is gone', async () => {
    await phone.getByTestId('lens-end').click();
    await phone.getByTestId('lens-end-confirm').click();
    await phone.getByTestId('lens-ended').waitFor();
    await tech.getByTestId('live-view').waitFor({ state: 'detached', timeout: 10_000 });
    await tech
      .locator('[data-testid="history-row"][data-state="closed"]', { hasText: 'Meter cupboard' })
      .waitFor({ state: 'attached' });
    // Ask Janus: no handle in any room any more, and the room itself no longer exists.
    await tech.waitForTimeout(500);
    const handles = await janus.handles();
    expect(handles.filter((h) => h.room !== undefined)).toEqual([]);
    expect(room).toBeDefined();
    const exists = await janus.roomExists(room!);
    expect(exists).toBe(false);
    expect(scene.problems).toEqual([]);
  }, 60_000);
});
