// Simulated phones and technicians for the capacity benchmark, in this process
// with werift (WebRTC in TypeScript): no browser per session. A phone publishes
// a real encoded stream: VP8 + Opus RTP recorded once from headless Chromium's
// fake camera and microphone (with a keyframe requested every second), replayed
// in a loop with continuous sequence numbers and timestamps. It goes through
// Loupe exactly as the Lens does (link redeemed, EULA, /ws/lens signalling); the
// technician starts the session over HTTP and subscribes over /ws/console, and
// counts the video frames it receives (RTP marker bits).
import type { Page } from 'playwright-core';
import { MediaStreamTrack, RTCPeerConnection, type RtpPacket, Vp8RtpPayload, type RTCRtpTransceiver } from 'werift';
import { inPage } from './page.ts';
import { sleep } from './util.ts';

type Rec = { at: number; rtp: RtpPacket };
export type Recording = {
  video: Rec[];
  audio: Rec[];
  durationMs: number;
  videoFrames: number;
  fps: number;
  kbps: number;
  width?: number;
};

async function gathered(pc: RTCPeerConnection, ms = 3_000) {
  const end = Date.now() + ms;
  while (pc.iceGatheringState !== 'complete' && Date.now() < end) await sleep(5);
}

/** Records what a Chromium page publishes (its fake camera and microphone, Loupe's encodings) for `ms`. */
/**
 * Chromium's bandwidth estimate starts near 300 kbit/s and werift sends it no
 * congestion feedback to raise it: the answer asks for the rate a phone would
 * settle at (x-google-min/start-bitrate, read by Chromium), within Loupe's cap.
 */
function askForBitrate(sdp: string, kbps: number): string {
  const pt = sdp.match(/a=rtpmap:(\d+) VP8\/90000/)?.[1];
  if (!pt) return sdp;
  const params = `x-google-min-bitrate=${Math.round(kbps * 0.8)};x-google-start-bitrate=${kbps};x-google-max-bitrate=${Math.round(kbps * 1.2)}`;
  const fmtp = new RegExp(`a=fmtp:${pt} ([^\r\n]*)`);
  if (fmtp.test(sdp)) return sdp.replace(fmtp, (_line, p: string) => `a=fmtp:${pt} ${p};${params}`);
  return sdp.replace(`a=rtpmap:${pt} VP8/90000`, `a=rtpmap:${pt} VP8/90000\r\na=fmtp:${pt} ${params}`);
}

export async function recordFromChromium(page: Page, ms: number, kbps = 1_000): Promise<Recording> {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  const video: Rec[] = [];
  const audio: Rec[] = [];
  const t0 = performance.now();
  pc.onTrack.subscribe((track) => {
    const list = track.kind === 'video' ? video : audio;
    track.onReceiveRtp.subscribe((rtp) => list.push({ at: performance.now() - t0, rtp: rtp.clone() }));
  });
  const offer = await inPage(page, (b) => b.offer('rec', 'camera'), null);
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  await inPage(page, (b, sdp) => b.answered('rec', sdp), askForBitrate(pc.localDescription!.sdp, kbps));
  // A keyframe every second: the replay loops from one, and a new subscriber never waits long.
  const videoTransceiver = () => pc.getTransceivers().find((t: RTCRtpTransceiver) => t.kind === 'video');
  const pli = setInterval(() => {
    const t = videoTransceiver();
    const ssrc = video.at(-1)?.rtp.header.ssrc;
    if (t && ssrc !== undefined) void t.receiver.sendRtcpPLI(ssrc);
  }, 1_000);
  const end = Date.now() + ms + 10_000;
  while (Date.now() < end && (video.length === 0 || video.at(-1)!.at - video[0]!.at < ms)) await sleep(50);
  clearInterval(pli);
  await inPage(page, (b) => b.close('rec'), null);
  await pc.close();

  const keyframeStart = (r: Rec) => {
    try {
      const p = Vp8RtpPayload.deSerialize(r.rtp.payload);
      return p.sBit === 1 && p.pid === 0 && p.isKeyframe;
    } catch {
      return false;
    }
  };
  const first = video.findIndex(keyframeStart);
  let last = video.length - 1;
  for (let i = video.length - 1; i > first; i--)
    if (keyframeStart(video[i]!)) {
      last = i - 1;
      break;
    }
  if (first < 0) throw new Error(`no VP8 keyframe in ${video.length} recorded packets`);
  const v = video.slice(first, last + 1);
  const start = v[0]!.at;
  const a = audio.filter((r) => r.at >= start && r.at <= v.at(-1)!.at);
  const frames = v.filter((r) => r.rtp.header.marker).length;
  const durationMs = v.at(-1)!.at - start + 1000 / 30;
  for (const r of [...v, ...a]) {
    r.at -= start;
    r.rtp.header.extension = false;
    r.rtp.header.extensions = [];
  }
  const bytes = v.reduce((n, r) => n + r.rtp.payload.length, 0);
  return {
    video: v,
    audio: a,
    durationMs,
    videoFrames: frames,
    fps: (frames * 1000) / durationMs,
    kbps: (bytes * 8) / durationMs,
  };
}

type Sink = { video: MediaStreamTrack; audio: MediaStreamTrack };

/** Sends the recording to every added phone, in a loop, from one timer. */
export class Replay {
  private readonly sinks = new Set<Sink>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private t0 = 0;
  private next = { video: 0, audio: 0 };
  private loop = { video: 0, audio: 0 };
  private readonly span: { video: number; audio: number };

  constructor(private readonly rec: Recording) {
    const ts = (list: Rec[], step: number) =>
      list.length ? ((list.at(-1)!.rtp.header.timestamp - list[0]!.rtp.header.timestamp) >>> 0) + step : 0;
    this.span = { video: ts(rec.video, 3000), audio: ts(rec.audio, 960) };
  }

  add(sink: Sink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  start() {
    this.t0 = performance.now();
    this.timer = setInterval(() => this.tick(), 5);
  }

  stop() {
    clearInterval(this.timer);
  }

  private tick() {
    const elapsed = performance.now() - this.t0;
    for (const kind of ['video', 'audio'] as const) {
      const list = this.rec[kind];
      if (!list.length) continue;
      for (;;) {
        const i = this.next[kind];
        const r = list[i]!;
        if (r.at + this.loop[kind] * this.rec.durationMs > elapsed) break;
        const header = r.rtp.header;
        const seq = (list[0]!.rtp.header.sequenceNumber + this.loop[kind] * list.length + i) & 0xffff;
        const ts = (header.timestamp + this.loop[kind] * this.span[kind]) >>> 0;
        for (const sink of this.sinks) {
          const p = r.rtp.clone();
          p.header.sequenceNumber = seq;
          p.header.timestamp = ts;
          sink[kind].writeRtp(p);
        }
        if (++this.next[kind] >= list.length) {
          this.next[kind] = 0;
          this.loop[kind]++;
        }
      }
    }
  }
}

type Msg = { type: string; [k: string]: unknown };

function socket(url: string, cookie: string, origin: string, onMessage: (m: Msg) => void): Promise<WebSocket> {
  // Bun's WebSocket takes headers (the session cookie; Loupe checks the Origin).
  const ws = new WebSocket(url, { headers: { cookie, origin } } as unknown as string[]);
  ws.onmessage = (e) => onMessage(JSON.parse(String(e.data)) as Msg);
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error(`socket ${url} failed`));
  });
}

const candidateOf = (m: Msg) => m.candidate as { candidate: string; sdpMid?: string; sdpMLineIndex?: number } | null;

export class SimSession {
  frames = 0;
  /** Video RTP packets received, and expected from the sequence numbers seen. */
  packets = 0;
  expected = 0;
  private highest = -1;
  private base = -1;
  /** Frames counted when the subscription first delivered one (performance.now()). */
  firstFrameAt = 0;
  private phone?: RTCPeerConnection;
  private tech?: RTCPeerConnection;
  private lensWs?: WebSocket;
  private consoleWs?: WebSocket;
  private unplug: () => void = () => {};
  problems: string[] = [];

  private constructor(
    readonly id: string,
    readonly techCookie: string,
  ) {}

  /** A link invitation → redeemed, EULA accepted, Lens socket open → Start → phone publishes, technician subscribes. */
  static async open(url: string, techCookie: string, replay: Replay, name: string): Promise<SimSession> {
    const post = async (path: string, body: unknown, cookie: string) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, origin: url },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    const created = (await (
      await post('/api/sessions', { type: 'lens', name, method: 'link', language: 'en' }, techCookie)
    ).json()) as { id: string; link: string };
    const s = new SimSession(created.id, techCookie);
    const token = created.link.split('/').at(-1)!;
    const redeemed = await post('/api/lens/redeem', { token }, '');
    const lensCookie = redeemed.headers
      .getSetCookie()
      .find((c) => c.startsWith('loupe_lens='))!
      .split(';')[0]!;
    await post('/api/lens/eula', { accept: true }, lensCookie);
    const wsUrl = url.replace(/^http/, 'ws');
    s.lensWs = await socket(
      `${wsUrl}/ws/lens`,
      lensCookie,
      url,
      (m) => void s.onLens(m).catch((e) => s.problems.push(`lens: ${String(e)}`)),
    );
    s.consoleWs = await socket(
      `${wsUrl}/ws/console`,
      techCookie,
      url,
      (m) => void s.onConsole(m).catch((e) => s.problems.push(`console: ${String(e)}`)),
    );
    // Start once the phone's socket made the session "waiting".
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${url}/api/sessions/${s.id}/start`, {
        method: 'POST',
        headers: { cookie: techCookie, origin: url },
      });
      if (res.ok) break;
      if (attempt > 40) throw new Error(`start: ${res.status} ${await res.text()}`);
      await sleep(100);
    }
    s.consoleWs.send(JSON.stringify({ type: 'media.join', sessionId: s.id }));
    await s.publish(replay);
    return s;
  }

  private async publish(replay: Replay) {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.phone = pc;
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    pc.addTransceiver(video, { direction: 'sendonly' });
    pc.addTransceiver(audio, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    this.lensWs!.send(JSON.stringify({ type: 'rtc.offer', sdp: pc.localDescription!.sdp }));
    this.unplug = replay.add({ video, audio });
  }

  private async onLens(m: Msg) {
    if (m.type === 'rtc.answer' && this.phone)
      await this.phone.setRemoteDescription({ type: 'answer', sdp: String(m.sdp) });
    else if (m.type === 'rtc.candidate' && m.pc === 'publish' && candidateOf(m))
      await this.phone?.addIceCandidate(candidateOf(m)!);
    else if (m.type === 'media.error') this.problems.push(`lens media.error: ${String(m.message)}`);
  }

  private async onConsole(m: Msg) {
    if (m.sessionId !== this.id) return;
    if (m.type === 'rtc.offer') {
      await this.tech?.close();
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      this.tech = pc;
      this.highest = -1;
      pc.onTrack.subscribe((track) => {
        if (track.kind !== 'video') return;
        track.onReceiveRtp.subscribe((rtp) => {
          // Packets received and expected (extended sequence numbers), for the loss rate.
          this.packets++;
          const seq = rtp.header.sequenceNumber;
          if (this.highest < 0) {
            this.highest = seq;
            this.base = seq - this.expected;
          } else {
            const delta = ((seq - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
            if (delta > 0) this.highest += delta;
          }
          this.expected = this.highest - this.base + 1;
          if (!rtp.header.marker) return;
          if (this.frames++ === 0) this.firstFrameAt = performance.now();
        });
      });
      await pc.setRemoteDescription({ type: 'offer', sdp: String(m.sdp) });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      this.consoleWs!.send(
        JSON.stringify({
          type: 'rtc.answer',
          sessionId: this.id,
          sdp: pc.localDescription!.sdp,
          subscription: m.subscription,
        }),
      );
    } else if (m.type === 'rtc.candidate' && m.pc === 'subscribe' && candidateOf(m))
      await this.tech?.addIceCandidate(candidateOf(m)!);
    else if (m.type === 'media.error') this.problems.push(`console media.error: ${String(m.message)}`);
  }

  async close(url: string) {
    const techCookie = this.techCookie;
    this.unplug();
    await fetch(`${url}/api/sessions/${this.id}/end`, {
      method: 'POST',
      headers: { cookie: techCookie, origin: url },
    }).catch(() => {});
    this.lensWs?.close();
    this.consoleWs?.close();
    await Promise.allSettled([this.phone?.close(), this.tech?.close()]);
  }
}
