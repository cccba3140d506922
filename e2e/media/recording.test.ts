// A recorded session end to end, inside the network namespace (scripts/netns.sh):
// the group records its sessions; the phone's fake microphone plays one tone
// and the console's another (two browsers, a WAV each), the phone's fake
// camera its pattern. The customer is told before the EULA that the session
// will be recorded; both pages show the recording mark while live; after the
// end Janus's real .mjr files are converted (janus-pp-rec, ffmpeg) into one
// WebM that the console plays: its duration is the live time the test
// measured (± 1 s), with a VP8 and an Opus stream. And declining the EULA of
// a recorded session ends it, with nothing recorded.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { probe } from '../../src/records/recording-testing.ts';
import { runTool } from '../../src/records/recording-tools.ts';
import { ADMINISTRATOR, lensAllowCamera, launchWithFakeCamera, signInByApi } from '../helpers.ts';
import { recordPeerConnections, waitForMedia } from './rtc-stats.ts';
import { PHONE_DEVICE, type Scene, startScene } from './scene.ts';

const TECH = { email: 'rita@example.test', password: 'rita password 123', name: 'Rita Recorder' };
const dir = mkdtempSync(join(tmpdir(), 'loupe-e2e-recording-'));
const techWav = join(dir, 'technician.wav');
const phoneWav = join(dir, 'phone.wav');
let scene: Scene;
let phoneBrowser: Browser;
let phones: BrowserContext;

type Recording = { id: string; status: string; durationSeconds: number | null; error: string | null };

/** A tone the fake microphone plays: 60 s, so it does not loop within a session. */
const tone = (out: string, hz: number) =>
  runTool(
    [
      'ffmpeg',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${hz}:duration=60`,
      '-ac',
      '1',
      '-ar',
      '48000',
      out,
    ],
    {
      timeoutMs: 30_000,
      nice: false,
    },
  );

beforeAll(async () => {
  await tone(techWav, 440);
  await tone(phoneWav, 880);
  scene = await startScene({ rtpPorts: '40300-40399', technician: TECH, audioFile: techWav });
  // The group records its sessions (off by default).
  const admin = await signInByApi(scene.loupe.url, ADMINISTRATOR);
  const groups = (await (await fetch(`${scene.loupe.url}/api/groups`, { headers: { cookie: admin } })).json()) as {
    groups: { id: string; name: string }[];
  };
  const group = groups.groups.find((g) => g.name === 'Service desk')!;
  const patched = await fetch(`${scene.loupe.url}/api/groups/${group.id}`, {
    method: 'PATCH',
    headers: { cookie: admin, 'content-type': 'application/json', origin: scene.loupe.url },
    body: JSON.stringify({ settings: { recordSessions: true } }),
  });
  if (!patched.ok) throw new Error(`group settings: ${patched.status} ${await patched.text()}`);
  // The phone in a browser of its own: its fake microphone plays the other tone.
  phoneBrowser = await launchWithFakeCamera(undefined, undefined, phoneWav);
  phones = await phoneBrowser.newContext(PHONE_DEVICE);
  await phones.grantPermissions(['camera', 'microphone'], { origin: scene.loupe.url });
  await phones.addInitScript(recordPeerConnections);
}, 120_000);

afterAll(async () => {
  await phoneBrowser?.close();
  await scene?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A link invitation, opened on a new phone page up to the EULA. */
async function toEula(name: string): Promise<{ sessionId: string; phone: Page }> {
  const created = await scene.tech.request.post(`${scene.loupe.url}/api/sessions`, {
    data: { type: 'lens', name, method: 'link', language: 'en' },
  });
  if (created.status() !== 201) throw new Error(`invitation: ${created.status()} ${await created.text()}`);
  const session = (await created.json()) as { id: string; link: string; recorded: boolean };
  expect(session.recorded).toBe(true);
  const phone = await phones.newPage();
  scene.watch(phone, 'phone');
  await lensAllowCamera(phone, session.link);
  await phone.getByTestId('permission-continue').click();
  await phone.getByTestId('lens-eula').waitFor();
  return { sessionId: session.id, phone };
}

async function recordingOf(sessionId: string): Promise<Recording | null> {
  const res = await scene.tech.request.get(`${scene.loupe.url}/api/sessions/${sessionId}/recording`);
  return ((await res.json()) as { recording: Recording | null }).recording;
}

describe('a recorded session', () => {
  test('told before the EULA, marked while live, converted after the end, played back with the live time', async () => {
    const { sessionId, phone } = await toEula('Recorded boiler');
    // The notice comes before the EULA's text.
    const notice = phone.locator('[data-lens-recording-notice]');
    await expect(notice.textContent()).resolves.toContain('This session will be recorded (video and both voices)');
    const before = await phone.evaluate(() => {
      const n = document.querySelector('[data-lens-recording-notice]')!;
      const text = document.querySelector('[data-testid="lens-eula-text"]')!;
      return !!(n.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    expect(before).toBe(true);
    await scene.shot(phone, 'recording-eula-notice');
    await phone.getByTestId('eula-accept').click();
    await phone.getByTestId('lens-waiting').waitFor();
    expect(await recordingOf(sessionId)).toBeNull();

    await scene.tech.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`).click();
    await scene.tech.getByTestId('start-session').click();
    const started = Date.now();
    await scene.tech.locator('[data-console-recording]').waitFor();
    await phone.locator('[data-lens-recording]').waitFor({ timeout: 20_000 });
    // Both voices and the picture flow before the talk is timed.
    await waitForMedia(phone, (m) => m.audioPacketsReceived > 0, 20_000);
    await waitForMedia(scene.tech, (m) => m.framesDecoded > 0 && m.audioPacketsReceived > 0, 20_000);
    expect((await recordingOf(sessionId))?.status).toBe('recording');
    await scene.shot(phone, 'recording-lens-live');
    await scene.shot(scene.tech, 'recording-console-live');
    await Bun.sleep(6_000);

    await scene.tech.getByTestId('end-session').click();
    await scene.tech.getByTestId('confirm-dialog').getByRole('button', { name: 'End session' }).click();
    const live = (Date.now() - started) / 1000;

    let recording: Recording | null = null;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      recording = await recordingOf(sessionId);
      if (recording?.status === 'ready' || recording?.status === 'failed') break;
      await Bun.sleep(500);
    }
    expect(recording).toMatchObject({ status: 'ready', error: null });
    expect(Math.abs(recording!.durationSeconds! - live)).toBeLessThanOrEqual(1);

    // The console plays it: the <video> reads its length from the stream (Range requests).
    const played = await scene.tech.evaluate(async (id) => {
      const video = document.createElement('video');
      video.muted = true;
      video.src = `/api/recordings/${id}`;
      document.body.append(video);
      await new Promise((resolve, reject) => {
        video.onloadedmetadata = resolve;
        video.onerror = () => reject(new Error(`video error ${video.error?.code}`));
      });
      await video.play();
      await new Promise((r) => setTimeout(r, 500));
      const result = { duration: video.duration, width: video.videoWidth, time: video.currentTime };
      video.remove();
      return result;
    }, recording!.id);
    expect(Math.abs(played.duration - live)).toBeLessThanOrEqual(1);
    expect(played.width).toBeGreaterThan(0);
    expect(played.time).toBeGreaterThan(0);

    // The file as downloaded: a VP8 picture and an Opus voice track of the same length.
    const file = await scene.tech.request.get(`${scene.loupe.url}/api/recordings/${recording!.id}?download=1`);
    expect(file.status()).toBe(200);
    const saved = join(dir, 'downloaded.webm');
    writeFileSync(saved, await file.body());
    const seen = await probe(saved);
    expect(seen.codecs).toEqual(['opus', 'vp8']);
    expect(Math.abs(seen.seconds - live)).toBeLessThanOrEqual(1);
    // Both voices are in it: the phone's 880 Hz tone and the console's 440 Hz one.
    for (const hz of [440, 880]) expect(await toneLevel(saved, hz)).toBeGreaterThan(-40);
  }, 240_000);

  test('declining the EULA of a recorded session ends it, and nothing is recorded', async () => {
    const { sessionId, phone } = await toEula('Declined boiler');
    await phone.locator('[data-lens-recording-notice]').waitFor();
    await phone.getByTestId('eula-decline').click();
    await phone.getByTestId('lens-ended').waitFor();
    const res = await scene.tech.request.get(`${scene.loupe.url}/api/sessions/${sessionId}`);
    expect(await res.json()).toMatchObject({ state: 'closed', endReason: 'customer_declined' });
    expect(await recordingOf(sessionId)).toBeNull();
  }, 120_000);
});

/** The mean level (dBFS) of the recording's sound around `hz` (a narrow band-pass). */
async function toneLevel(file: string, hz: number): Promise<number> {
  const proc = Bun.spawn(
    [
      'ffmpeg',
      '-hide_banner',
      '-nostdin',
      '-i',
      file,
      '-vn',
      '-af',
      `bandpass=f=${hz}:width_type=q:w=20,volumedetect`,
      '-f',
      'null',
      '-',
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  );
  const text = await new Response(proc.stderr).text();
  await proc.exited;
  const mean = /mean_volume: (-?[\d.]+) dB/.exec(text);
  return mean ? Number(mean[1]) : -Infinity;
}
