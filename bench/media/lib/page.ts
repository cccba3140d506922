// Page-side instrumentation for the media benchmarks, injected with
// addInitScript (so it must be self-contained: it is serialized into the page).
// It observes, never changes, the app: times of the socket messages, of the
// POST …/start answer, of every RTCPeerConnection's ICE and connection states,
// and of the first frame presented by any <video> given a stream
// (requestVideoFrameCallback). It can also read the frame number drawn into
// the frame-numbered test video (frames.ts) on every presented frame, and it
// offers small helpers the benchmark uses to build its own reference
// PeerConnections (direct, or straight to Janus) in the same pages.
import type { Page } from 'playwright-core';

/** A moment seen in the page: performance.now() and what happened. */
export type Mark = { t: number; ev: string; pc?: number; detail?: string };
/** A frame number read from a video element, at timeOrigin + presentationTime (ms since the epoch). */
export type FrameSeen = { k: number; at: number; rx?: number };

export type BenchPcInfo = {
  index: number;
  created: number;
  /** True once it had a remote offer (it receives: the subscriber leg). */
  receives: boolean;
  states: {
    t: number;
    what: 'ice' | 'conn' | 'dtls' | 'rtp' | 'signaling' | 'gathering' | 'candidate';
    state: string;
  }[];
};

/** Runs in every page before its own scripts. */
export function benchInstrument() {
  type Win = typeof window & { __bench?: unknown };
  const w = window as Win;
  if (w.__bench) return;
  const marks: { t: number; ev: string; pc?: number; detail?: string }[] = [];
  const pcs: {
    index: number;
    created: number;
    receives: boolean;
    states: { t: number; what: string; state: string }[];
    pc: RTCPeerConnection;
  }[] = [];
  const frames: Record<string, { k: number; at: number; rx?: number }[]> = {};
  const own: Record<string, RTCPeerConnection> = {};
  const mark = (ev: string, extra: { pc?: number; detail?: string } = {}) =>
    marks.push({ t: performance.now(), ev, ...extra });

  // Main-thread tasks over 50 ms (they hold up a new video element's first frame).
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        marks.push({ t: e.startTime, ev: 'longtask', detail: String(Math.round(e.duration)) });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    /* not supported */
  }

  // Socket messages (type, and for media.peer the side and whether it publishes), opens and closes.
  const OriginalWs = window.WebSocket;
  window.WebSocket = class extends OriginalWs {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Opened and closed (a node killed under it, the reconnect through another).
      this.addEventListener('open', () => mark('ws:open'));
      this.addEventListener('close', () => mark('ws:close'));
      this.addEventListener('message', (e) => {
        try {
          const m = JSON.parse(String(e.data)) as { type?: string; side?: string; publishing?: boolean; pc?: string };
          const detail = m.type === 'media.peer' ? `${m.side}:${m.publishing ? 'publishing' : 'not'}` : m.pc;
          mark(`ws:${m.type}`, { detail });
        } catch {
          /* not JSON */
        }
      });
    }
    override send(data: Parameters<WebSocket['send']>[0]) {
      try {
        const m = JSON.parse(String(data)) as { type?: string; pc?: string };
        mark(`send:${m.type}`, { detail: m.pc });
      } catch {
        /* not JSON */
      }
      super.send(data);
    }
  } as typeof WebSocket;

  // The answer to POST /api/sessions/:id/start (headers and body in).
  const originalFetch = window.fetch.bind(window);
  window.fetch = Object.assign(
    async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const res = await originalFetch(input, init);
      if (/\/api\/sessions\/[^/]+\/start$/.test(url)) mark('start:response', { detail: String(res.status) });
      return res;
    },
    { preconnect: window.fetch.preconnect },
  ) as typeof fetch;

  // A receiver's first video packet and first decoded frame (getStats every 5 ms, for 3 s); again on each call.
  const pollRtp = (info: (typeof pcs)[number]) => {
    let start = performance.now();
    let packet = false;
    const poll = async () => {
      const report = await info.pc.getStats().catch(() => null);
      report?.forEach((st: { type: string; kind?: string; packetsReceived?: number; framesDecoded?: number }) => {
        if (st.type !== 'inbound-rtp' || st.kind !== 'video') return;
        if (!packet && (st.packetsReceived ?? 0) > 0) {
          packet = true;
          info.states.push({ t: performance.now(), what: 'rtp', state: 'first-packet' });
        }
        if ((st.framesDecoded ?? 0) > 0) {
          info.states.push({ t: performance.now(), what: 'rtp', state: 'first-decoded' });
          packet = true;
          start = -1e9;
        }
      });
      if (performance.now() - start < 3_000) setTimeout(() => void poll(), 5);
    };
    void poll();
  };

  // Every PeerConnection: ICE, connection and DTLS states.
  const OriginalPc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends OriginalPc {
    constructor(config?: RTCConfiguration) {
      super(config);
      const info = {
        index: pcs.length,
        created: performance.now(),
        receives: false,
        states: [] as { t: number; what: string; state: string }[],
        pc: this as RTCPeerConnection,
      };
      pcs.push(info);
      this.addEventListener('iceconnectionstatechange', () =>
        info.states.push({ t: performance.now(), what: 'ice', state: this.iceConnectionState }),
      );
      this.addEventListener('connectionstatechange', () => {
        info.states.push({ t: performance.now(), what: 'conn', state: this.connectionState });
        // A receiver once connected: when its first video packet and first decoded frame came.
        if (this.connectionState === 'connected' && info.receives) pollRtp(info);
      });
      this.addEventListener('signalingstatechange', () => {
        if (this.signalingState === 'have-remote-offer') info.receives = true;
        info.states.push({ t: performance.now(), what: 'signaling', state: this.signalingState });
      });
      this.addEventListener('icegatheringstatechange', () =>
        info.states.push({ t: performance.now(), what: 'gathering', state: this.iceGatheringState }),
      );
      this.addEventListener('icecandidate', (e) =>
        info.states.push({
          t: performance.now(),
          what: 'candidate',
          state: e.candidate ? e.candidate.candidate.split(' ').slice(4, 8).join(' ') : 'end',
        }),
      );
      // The DTLS transport exists once a description is set; watch it from then on.
      let watched = false;
      const watchDtls = () => {
        if (watched) return;
        const transport = this.getReceivers()[0]?.transport ?? this.getSenders()[0]?.transport;
        if (!transport) return;
        watched = true;
        transport.addEventListener('statechange', () =>
          info.states.push({ t: performance.now(), what: 'dtls', state: transport.state }),
        );
      };
      this.addEventListener('signalingstatechange', watchDtls);
      this.addEventListener('track', watchDtls);
      this.addEventListener('track', (e) => mark(`track:${e.track.kind}`, { pc: info.index }));
    }
  } as typeof RTCPeerConnection;

  // Frame numbers: 5×4 blocks, rows 0–1 bits 0–9 of k, rows 2–3 their complement.
  const canvas = document.createElement('canvas');
  canvas.width = 80;
  canvas.height = 60;
  let ctx: CanvasRenderingContext2D | null = null;
  const readCode = (video: HTMLVideoElement): number | null => {
    ctx ??= canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx || !video.videoWidth) return null;
    ctx.drawImage(video, 0, 0, 80, 60);
    const data = ctx.getImageData(0, 0, 80, 60).data;
    const bit = (col: number, row: number) => {
      const x = col * 16 + 8,
        y = row * 15 + 7;
      let sum = 0;
      for (const [dx, dy] of [
        [0, 0],
        [-3, 0],
        [3, 0],
        [0, -3],
        [0, 3],
      ])
        sum += data[((y + dy!) * 80 + x + dx!) * 4 + 1]!;
      return sum / 5 > 128 ? 1 : 0;
    };
    let k = 0,
      check = 0;
    for (let b = 0; b < 10; b++) {
      const col = b % 5,
        row = Math.floor(b / 5);
      k |= bit(col, row) << b;
      check |= bit(col, row + 2) << b;
    }
    return (k ^ check) === 0x3ff ? k : null;
  };

  const reading = new Set<string>();
  const watchVideo = (video: HTMLVideoElement, label: string) => {
    if ((video as HTMLVideoElement & { __benchWatched?: boolean }).__benchWatched)
      return (video as HTMLVideoElement & { __benchFirst?: () => void }).__benchFirst?.();
    (video as HTMLVideoElement & { __benchWatched?: boolean }).__benchWatched = true;
    let first = true;
    (video as HTMLVideoElement & { __benchFirst?: () => void }).__benchFirst = () => {
      first = true;
    };
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (first) {
        first = false;
        marks.push({ t: meta.presentationTime, ev: `frame:${label}` });
      }
      if (reading.has(label)) {
        const k = readCode(video);
        // receiveTime: when the frame's last packet arrived (remote frames only; not held to the compositor's ticks).
        if (k !== null) {
          frames[label] ??= [];
          frames[label].push({
            k,
            at: performance.timeOrigin + meta.presentationTime,
            ...(meta.receiveTime !== undefined && { rx: performance.timeOrigin + meta.receiveTime }),
          });
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  const labelOf = (video: HTMLVideoElement) => video.dataset.testid ?? video.id ?? 'video';
  const src = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')!;
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get() {
      return src.get!.call(this);
    },
    set(value: MediaStream | null) {
      src.set!.call(this, value);
      if (value && this instanceof HTMLVideoElement) {
        mark(`srcObject:${labelOf(this)}`);
        watchVideo(this, labelOf(this));
      }
    },
  });

  // Reference PeerConnections the benchmark drives from outside (no app code involved).
  const gathered = (pc: RTCPeerConnection) =>
    new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const done = () => {
        if (pc.iceGatheringState === 'complete') resolve();
      };
      pc.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, 1_000);
    });
  const bench = {
    marks,
    pcs,
    frames,
    mark,
    pollRtp,
    read(label: string, on: boolean) {
      if (on) reading.add(label);
      else reading.delete(label);
    },
    takeFrames(label: string) {
      const f = frames[label] ?? [];
      frames[label] = [];
      return f;
    },
    /** The camera track: the Lens preview's, or a new getUserMedia one. */
    camera: null as MediaStream | null,
    constraints: { video: true, audio: true } as MediaStreamConstraints,
    async source(kind: 'preview' | 'camera'): Promise<MediaStream> {
      if (kind === 'preview') {
        // What the Lens publishes: the camera and microphone tracks of its sending PeerConnection (it shows no preview while live).
        const tracks: MediaStreamTrack[] = [];
        for (const p of pcs)
          for (const sender of p.pc.getSenders())
            if (sender.track?.readyState === 'live' && !tracks.some((t) => t.kind === sender.track!.kind))
              tracks.push(sender.track);
        if (tracks.some((t) => t.kind === 'video')) return new MediaStream(tracks);
        const v = document.querySelector<HTMLVideoElement>('[data-testid="lens-preview"]');
        const s = v?.srcObject as MediaStream | null;
        if (s) return s;
        throw new Error('no camera track in this page');
      }
      // Opened once and kept, like the Lens's camera before Start.
      bench.camera ??= await navigator.mediaDevices.getUserMedia(bench.constraints);
      return bench.camera;
    },
    /** Shows a stream in a new (hidden-ish) video element, watched like the app's. */
    show(stream: MediaStream, id: string, muted = true) {
      const v = document.createElement('video');
      v.id = id;
      v.muted = muted;
      v.autoplay = true;
      v.playsInline = true;
      v.style.cssText = 'position:fixed;left:0;bottom:0;width:160px;height:120px;z-index:9999';
      document.body.append(v);
      v.srcObject = stream;
      void v.play().catch(() => {});
      return v;
    },
    /** A sending PeerConnection with Loupe's encodings; its offer once ICE gathering is complete. */
    async offer(id: string, kind: 'preview' | 'camera'): Promise<string> {
      const stream = await bench.source(kind);
      if (kind === 'camera' && !document.getElementById('camera-local'))
        bench.show(new MediaStream(stream.getVideoTracks()), 'camera-local');
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      own[id] = pc;
      for (const track of stream.getTracks()) {
        pc.addTransceiver(track, {
          direction: 'sendonly',
          streams: [stream],
          sendEncodings: [
            track.kind === 'video'
              ? { priority: 'low', networkPriority: 'low', maxBitrate: 1_500_000 }
              : { priority: 'high', networkPriority: 'high' },
          ],
        });
      }
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      return pc.localDescription!.sdp;
    },
    async answered(id: string, sdp: string) {
      await own[id]!.setRemoteDescription({ type: 'answer', sdp });
    },
    /** A receiving PeerConnection: answers the offer; the video goes into a new element `id`. */
    async answer(id: string, sdp: string, muted = true, early = false): Promise<string> {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      own[id] = pc;
      const stream = new MediaStream();
      let video: HTMLVideoElement | null = null;
      pc.addEventListener('track', (e) => {
        stream.addTrack(e.track);
        // `early`: like the console, the element gets the stream at the first track (audio), video joins it later.
        if ((early || e.track.kind === 'video') && !video) video = bench.show(stream, id, muted);
      });
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      return pc.localDescription!.sdp;
    },
    async candidate(id: string, c: RTCIceCandidateInit | null) {
      await own[id]?.addIceCandidate(c ?? undefined).catch(() => {});
    },
    /** Every open receiving PeerConnection's inbound streams: mean jitter-buffer delay per video frame / audio sample, ms. */
    async jitterBuffers() {
      const out: { own?: string; kind: string; ms: number }[] = [];
      for (const p of pcs) {
        if (!p.receives || p.pc.connectionState === 'closed') continue;
        const ownId = Object.entries(own).find(([, v]) => v === p.pc)?.[0];
        (await p.pc.getStats()).forEach(
          (st: { type: string; kind?: string; jitterBufferDelay?: number; jitterBufferEmittedCount?: number }) => {
            if (st.type !== 'inbound-rtp' || !st.jitterBufferEmittedCount) return;
            out.push({
              ...(ownId && { own: ownId }),
              kind: st.kind ?? '?',
              ms: ((st.jitterBufferDelay ?? 0) / st.jitterBufferEmittedCount) * 1000,
            });
          },
        );
      }
      return out;
    },
    close(id: string) {
      own[id]?.close();
      delete own[id];
      document.getElementById(id)?.remove();
    },
  };
  w.__bench = bench;
}

/** What the instrumented page exposes (for page.evaluate). */
export type BenchApi = {
  marks: Mark[];
  pcs: (BenchPcInfo & { pc: RTCPeerConnection })[];
  mark(ev: string, extra?: { pc?: number; detail?: string }): void;
  pollRtp(info: BenchPcInfo & { pc: RTCPeerConnection }): void;
  read(label: string, on: boolean): void;
  takeFrames(label: string): FrameSeen[];
  source(kind: 'preview' | 'camera'): Promise<MediaStream>;
  show(stream: MediaStream, id: string, muted?: boolean): HTMLVideoElement;
  offer(id: string, kind: 'preview' | 'camera'): Promise<string>;
  answered(id: string, sdp: string): Promise<void>;
  answer(id: string, sdp: string, muted?: boolean, early?: boolean): Promise<string>;
  candidate(id: string, c: RTCIceCandidateInit | null): Promise<void>;
  jitterBuffers(): Promise<{ own?: string; kind: string; ms: number }[]>;
  close(id: string): void;
};

/** Calls into the page's __bench (as an expression: CDP evaluates it, whatever the page's CSP says about eval). */
export function inPage<A, R>(page: Page, fn: (bench: BenchApi, arg: A) => R | Promise<R>, arg: A): Promise<R> {
  return page.evaluate(`(${fn.toString()})(window.__bench, ${JSON.stringify(arg ?? null)})`) as Promise<R>;
}

/**
 * Clicks Start on the console (its marks cleared first, `click` marked) and
 * waits for the first presented remote frame; returns the click's page time.
 * `pollAhead`: the receiving connection made while the session waited has
 * its first packet and frame watched from the click on.
 */
export async function clickStartToFirstFrame(tech: Page, pollAhead: boolean): Promise<number> {
  const t0 = await inPage(
    tech,
    (b, ahead) => {
      b.marks.splice(0);
      const t = performance.now();
      b.mark('click');
      const waiting = ahead ? b.pcs.filter((p) => p.receives).at(-1) : undefined;
      if (waiting?.pc.connectionState === 'connected') b.pollRtp(waiting);
      document.querySelector<HTMLButtonElement>('[data-testid="start-session"]')!.click();
      return t;
    },
    pollAhead,
  );
  await tech.waitForFunction(
    () =>
      (window as unknown as { __bench: { marks: Mark[] } }).__bench.marks.some((m) => m.ev === 'frame:remote-video'),
    null,
    { timeout: 15_000, polling: 50 },
  );
  return t0;
}

/** The page's PeerConnection records (without the objects). */
export function pcInfos(page: Page): Promise<BenchPcInfo[]> {
  return inPage(
    page,
    (b) => b.pcs.map(({ index, created, receives, states }) => ({ index, created, receives, states })),
    null,
  );
}

/**
 * Puts the page in front and returns its animation frames per second (over
 * 250 ms). Pages of one headless browser are tabs of one window: Chromium
 * renders a tab behind another about once a second, so a video there shows its
 * first frame up to a second late. A technician's console is the window they
 * look at, so the subscribing page must be the front one when it is measured.
 */
export async function inFront(page: Page): Promise<number> {
  await page.bringToFront();
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let frames = 0;
        const start = performance.now();
        const tick = (now: number) => {
          if (now - start >= 250) return resolve(Math.round((frames * 1000) / (now - start)));
          frames++;
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
  );
}
