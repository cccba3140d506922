// A phone that loses its network for a while, inside the test namespace, and
// what the pages do meanwhile (e2e/media/network-switch.test.ts and
// bench/network-switch.ts).
//
// The cut: every local packet goes through the namespace's loopback, so tc on
// lo drops the phone's media — UDP to and from the Janus ports its
// PeerConnections use, and from and to the phone's own candidate ports — into
// a queue that holds nothing (pfifo limit 0; this kernel has no netem and no
// drop action). Janus keeps its ports through an ICE restart, so a restart
// gets through only once the link is back, as on a real phone; the console's
// own connection (another Janus port) and every socket (TCP) are untouched.
//
// The recorders: the phone's page notes each message it sends on its sockets
// (to count rtc.offer with and without iceRestart), the console's page each
// change of its live view's "reconnecting" and each frame its remote video
// presents (requestVideoFrameCallback), all in Date.now() so the test can set
// them against the moments of the cut.
import type { Page } from 'playwright-core';
import { dropUdpOfPorts, unfilter } from './loopback-filter.ts';

/** Removes any cut (idempotent: nothing to remove is fine). */
export const restoreLink = unfilter;

/** Drops UDP from and to each of `ports` on lo until restoreLink(); everything else passes. */
export function cutUdpPorts(ports: number[]) {
  if (!ports.length) throw new Error('no port to cut');
  dropUdpOfPorts(ports);
}

/** Janus's UDP ports and the page's own, of every open PeerConnection on the page (recorded by rtc-stats.ts). */
export function mediaPorts(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const ports = new Set<number>();
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if ((s.type === 'local-candidate' || s.type === 'remote-candidate') && s.protocol === 'udp' && s.port)
          ports.add(Number(s.port));
      });
    }
    return [...ports];
  });
}

/** The phone's publishing connection: which of the page's PeerConnections, and its selected candidate pair. */
export function publishingPc(phone: Page): Promise<{ index: number; state: string; pair: string | null } | null> {
  return phone.evaluate(async () => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const index = pcs.findIndex(
      (pc) => pc.connectionState !== 'closed' && pc.getSenders().some((s) => s.track?.kind === 'video'),
    );
    const pc = pcs[index];
    if (!pc) return null;
    let pair: string | null = null;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = String(s.selectedCandidatePairId);
    });
    return { index, state: pc.connectionState, pair };
  });
}

/** Init script for the phone: every message sent on the page's sockets, with when. */
export function recordSentMessages() {
  const sent: { at: number; type: string; iceRestart: boolean }[] = [];
  (window as unknown as { __loupeSent: typeof sent }).__loupeSent = sent;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data) {
    try {
      const m = typeof data === 'string' ? (JSON.parse(data) as { type?: string; iceRestart?: boolean }) : {};
      sent.push({ at: Date.now(), type: String(m.type), iceRestart: m.iceRestart === true });
    } catch {
      /* not JSON: not signalling */
    }
    return send.call(this, data);
  };
}

/** The offers the phone sent since `since`: ICE restarts and new publishes. */
export async function offersSince(phone: Page, since: number): Promise<{ restarts: number; publishes: number }> {
  const sent = await phone.evaluate(
    () =>
      (window as unknown as { __loupeSent?: { at: number; type: string; iceRestart: boolean }[] }).__loupeSent ?? [],
  );
  const offers = sent.filter((m) => m.type === 'rtc.offer' && m.at >= since);
  return { restarts: offers.filter((m) => m.iceRestart).length, publishes: offers.filter((m) => !m.iceRestart).length };
}

export type ConsoleRecord = { reconnecting: { at: number; on: boolean }[]; frames: number[] };

/** Starts recording, on the console's live view, "reconnecting" changes and presented frames. */
export async function recordConsole(tech: Page): Promise<void> {
  await tech.evaluate(() => {
    const view = document.querySelector<HTMLElement>('[data-testid="live-view"]');
    const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
    if (!view || !video) throw new Error('no live view');
    const record = { reconnecting: [] as { at: number; on: boolean }[], frames: [] as number[] };
    (window as unknown as { __loupeConsole: typeof record }).__loupeConsole = record;
    const note = () => {
      const on = view.dataset.reconnecting === 'true';
      if (record.reconnecting.at(-1)?.on !== on) record.reconnecting.push({ at: Date.now(), on });
    };
    note();
    new MutationObserver(note).observe(view, { attributes: true, attributeFilter: ['data-reconnecting'] });
    const frame = () => {
      record.frames.push(Date.now());
      video.requestVideoFrameCallback(frame);
    };
    video.requestVideoFrameCallback(frame);
  });
}

export function consoleRecord(tech: Page): Promise<ConsoleRecord> {
  return tech.evaluate(() => (window as unknown as { __loupeConsole: ConsoleRecord }).__loupeConsole);
}

/** Polls `check` on the page's record until it holds; bounded by `timeoutMs`. */
export async function waitForRecord(
  tech: Page,
  check: (r: ConsoleRecord) => boolean,
  timeoutMs: number,
  what: string,
): Promise<ConsoleRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await consoleRecord(tech);
    if (check(record)) return record;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

/** Starts recording the frames `selector`'s video presents (a page without Loupe's live view: the benchmark's reference). */
export async function recordVideoFrames(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (!video) throw new Error(`no video ${sel}`);
    const record = { reconnecting: [] as { at: number; on: boolean }[], frames: [] as number[] };
    (window as unknown as { __loupeConsole: typeof record }).__loupeConsole = record;
    const frame = () => {
      record.frames.push(Date.now());
      video.requestVideoFrameCallback(frame);
    };
    video.requestVideoFrameCallback(frame);
  }, selector);
}

export type VideoIn = { at: number; packets: number; keyFrames: number; pli: number; nack: number };

/** Starts reading the page's receiving video every 50 ms (the benchmark's breakdown: when packets, then a keyframe, came back). */
export async function pollVideoIn(page: Page): Promise<void> {
  await page.evaluate(() => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const samples: VideoIn[] = [];
    (window as unknown as { __loupeVideoIn: VideoIn[] }).__loupeVideoIn = samples;
    const read = async () => {
      const pc = pcs
        .filter((p) => p.connectionState !== 'closed' && p.getReceivers().some((r) => r.track.kind === 'video'))
        .at(-1);
      (await pc?.getStats())?.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video')
          samples.push({
            at: Date.now(),
            packets: s.packetsReceived ?? 0,
            keyFrames: s.keyFramesDecoded ?? 0,
            pli: s.pliCount ?? 0,
            nack: s.nackCount ?? 0,
          });
      });
      if (samples.length > 20 * 60 * 5) samples.splice(0, 1200);
    };
    setInterval(() => void read(), 50);
  });
}

/** From the samples of pollVideoIn: the first video packet and the first keyframe decoded after `since`, and the PLIs sent by then. */
export async function videoInAfter(page: Page, since: number, frameAt: number) {
  const samples = await page.evaluate(() => (window as unknown as { __loupeVideoIn: VideoIn[] }).__loupeVideoIn);
  const before = samples.filter((s) => s.at <= since).at(-1);
  if (!before) return null;
  const packetAt = samples.find((s) => s.at > since && s.packets > before.packets)?.at ?? NaN;
  const keyAt = samples.find((s) => s.at > since && s.keyFrames > before.keyFrames)?.at ?? NaN;
  const upTo = samples.filter((s) => s.at <= frameAt).at(-1) ?? before;
  return {
    packetMs: packetAt - since,
    keyframeMs: keyAt - since,
    pli: upTo.pli - before.pli,
    nack: upTo.nack - before.nack,
  };
}

/** Starts noting every ICE state change of the page's open PeerConnections (the benchmark's log). */
export async function recordIceStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const states: { at: number; pc: number; state: string }[] = [];
    (window as unknown as { __loupeIce: typeof states }).__loupeIce = states;
    pcs.forEach((pc, i) => {
      if (pc.connectionState === 'closed') return;
      pc.addEventListener('iceconnectionstatechange', () =>
        states.push({ at: Date.now(), pc: i, state: pc.iceConnectionState }),
      );
    });
  });
}

/** The ICE states noted since `since`, ms from it: "pc1 disconnected@2480". */
export async function iceStatesSince(page: Page, since: number): Promise<string> {
  const states = await page.evaluate(
    () => (window as unknown as { __loupeIce?: { at: number; pc: number; state: string }[] }).__loupeIce ?? [],
  );
  return states
    .filter((s) => s.at >= since)
    .map((s) => `pc${s.pc} ${s.state}@${s.at - since}`)
    .join(', ');
}
