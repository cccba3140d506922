// What a page's WebRTC really does, from getStats: an init script records
// every RTCPeerConnection the page makes (test instrumentation only), and
// mediaOf() sums their statistics.
import { expect } from 'bun:test';
import type { Page } from 'playwright-core';

/** Runs in the page before its own scripts. */
export function recordPeerConnections() {
  const Original = window.RTCPeerConnection;
  const all: RTCPeerConnection[] = [];
  (window as unknown as { __loupePcs: RTCPeerConnection[] }).__loupePcs = all;
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config);
      all.push(this);
    }
  } as typeof RTCPeerConnection;
}

export type PageMedia = {
  peerConnections: number;
  /** Open PeerConnections that have a remote description or have begun to connect. */
  negotiated: number;
  /** Open PeerConnections whose ICE and DTLS are up. */
  connected: number;
  /** Senders that have a track to send (a sender without one sends nothing). */
  sendersWithTrack: number;
  audioBytesSent: number;
  videoBytesSent: number;
  /** Of the newest open PeerConnection that receives video. */
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  /** Of the newest open PeerConnection that receives audio. */
  audioPacketsReceived: number;
};

export function mediaOf(page: Page): Promise<PageMedia> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const m = {
      peerConnections: pcs.length,
      negotiated: 0,
      connected: 0,
      sendersWithTrack: 0,
      audioBytesSent: 0,
      videoBytesSent: 0,
      framesDecoded: 0,
      frameWidth: 0,
      frameHeight: 0,
      audioPacketsReceived: 0,
    };
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      if (pc.remoteDescription || pc.connectionState !== 'new') m.negotiated++;
      if (pc.connectionState === 'connected') m.connected++;
      m.sendersWithTrack += pc.getSenders().filter((s) => s.track).length;
      const report = await pc.getStats();
      let video: { framesDecoded: number; frameWidth: number; frameHeight: number } | null = null;
      let audio: number | null = null;
      report.forEach((s) => {
        if (s.type === 'outbound-rtp') {
          if (s.kind === 'audio') m.audioBytesSent += s.bytesSent ?? 0;
          if (s.kind === 'video') m.videoBytesSent += s.bytesSent ?? 0;
        } else if (s.type === 'inbound-rtp' && s.kind === 'video') {
          video = {
            framesDecoded: s.framesDecoded ?? 0,
            frameWidth: s.frameWidth ?? 0,
            frameHeight: s.frameHeight ?? 0,
          };
        } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          audio = s.packetsReceived ?? 0;
        }
      });
      if (video) Object.assign(m, video);
      if (audio !== null) m.audioPacketsReceived = audio;
    }
    return m;
  });
}

export async function waitForMedia(page: Page, ok: (m: PageMedia) => boolean, timeoutMs: number): Promise<PageMedia> {
  const deadline = Date.now() + timeoutMs;
  let last = await mediaOf(page);
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`media not as expected within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await page.waitForTimeout(250);
    last = await mediaOf(page);
  }
  return last;
}

/**
 * One getStats number sampled twice, `ms` apart (after `settleMs` for packets
 * and frames already in flight when a control changed): whether media flows
 * or stopped is told by the difference, not by one reading.
 */
export async function sample(
  page: Page,
  pick: (m: PageMedia) => number,
  ms = 1_500,
  settleMs = 0,
): Promise<{ before: number; after: number }> {
  if (settleMs) await page.waitForTimeout(settleMs);
  const before = pick(await mediaOf(page));
  await page.waitForTimeout(ms);
  return { before, after: pick(await mediaOf(page)) };
}
export const frames = (m: PageMedia) => m.framesDecoded;
export const audioOut = (m: PageMedia) => m.audioBytesSent;
export const videoOut = (m: PageMedia) => m.videoBytesSent;
export const audioIn = (m: PageMedia) => m.audioPacketsReceived;

/** Expects the number to grow over `ms` (media flows); the sample, for what the test checks next. */
export async function expectFlowing(page: Page, pick: (m: PageMedia) => number, ms?: number, settleMs?: number) {
  const s = await sample(page, pick, ms, settleMs);
  expect(s.after).toBeGreaterThan(s.before);
  return s;
}

/** Expects the number to stand still over `ms` (media stopped); the sample, for what the test checks next. */
export async function expectStopped(page: Page, pick: (m: PageMedia) => number, ms?: number, settleMs?: number) {
  const s = await sample(page, pick, ms, settleMs);
  expect(s.after).toBe(s.before);
  return s;
}

/** Start just clicked: the console live with the customer's picture and voice, the phone live with the technician's voice. */
export async function expectLiveBothWays(tech: Page, phone: Page): Promise<void> {
  await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 30_000 });
  await waitForMedia(tech, (m) => m.framesDecoded > 10 && m.frameWidth > 0 && m.audioPacketsReceived > 0, 30_000);
  await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 30_000 });
  await waitForMedia(phone, (m) => m.audioPacketsReceived > 20, 20_000);
  await expectFlowing(tech, frames);
  await expectFlowing(tech, audioIn);
  await expectFlowing(phone, audioIn);
}

/** After the media moved (another Janus, another node): the console decodes frames on a newer receiving connection than `before`'s, without a click. */
export async function expectPictureBack(tech: Page, before: PageMedia): Promise<void> {
  const after = await waitForMedia(
    tech,
    (m) => m.peerConnections > before.peerConnections && m.framesDecoded > 10 && m.frameWidth > 0,
    30_000,
  );
  expect(after.connected).toBeGreaterThan(0);
  await expectFlowing(tech, frames);
}

/** The phone sends its camera again, and the voice flows both ways again. */
export async function expectPhoneBackBothWays(tech: Page, phone: Page): Promise<void> {
  await expectFlowing(phone, videoOut);
  await waitForMedia(tech, (m) => m.audioPacketsReceived > 0, 20_000);
  await expectFlowing(tech, audioIn);
  await waitForMedia(phone, (m) => m.audioPacketsReceived > 0, 20_000);
  await expectFlowing(phone, audioIn);
}
