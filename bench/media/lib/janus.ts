// A bare Janus client for the references: Janus's JSON protocol over its
// WebSocket transport, straight to the Janus that Loupe bundles (its port and
// API secret from Loupe's data folder), with no Loupe in between. Plus the
// cold publish-then-subscribe both references need: a page publishes into a
// new VideoRoom room, another page subscribes to it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { inPage } from './page.ts';

type Msg = Record<string, unknown> & { janus: string; transaction?: string; sender?: number };
export type Jsep = { type: 'offer' | 'answer'; sdp: string };

export class RawJanus {
  private readonly pending = new Map<
    string,
    { resolve: (m: Msg) => void; reject: (e: Error) => void; ackOnly: boolean }
  >();
  private readonly listeners = new Map<number, (m: Msg) => void>();
  private keepalive: ReturnType<typeof setInterval> | undefined;
  session = 0;

  private constructor(
    private readonly ws: WebSocket,
    private readonly secret: string,
    readonly roomAdminKey: string,
  ) {
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as Msg;
      const waiting = m.transaction ? this.pending.get(m.transaction) : undefined;
      if (waiting && (m.janus !== 'ack' || waiting.ackOnly)) {
        this.pending.delete(m.transaction!);
        const error =
          (m.error as { reason?: string } | undefined)?.reason ??
          (m.plugindata as { data?: { error?: string } } | undefined)?.data?.error;
        if (m.janus === 'error' || error) waiting.reject(new Error(`Janus: ${error ?? JSON.stringify(m)}`));
        else waiting.resolve(m);
        return;
      }
      if (m.sender !== undefined && !(waiting && m.janus === 'ack')) this.listeners.get(m.sender)?.(m);
    };
  }

  /** Reads the bundled Janus's API port and secret from Loupe's data folder. */
  static address(dataDir: string): { url: string; secret: string; roomAdminKey: string } {
    const config = readFileSync(join(dataDir, 'janus', 'config', 'janus.transport.websockets.jcfg'), 'utf8');
    const port = config.match(/^\s*ws_port = (\d+)/m)![1];
    const { apiSecret, roomAdminKey } = JSON.parse(readFileSync(join(dataDir, 'janus', 'secrets.json'), 'utf8')) as {
      apiSecret: string;
      roomAdminKey: string;
    };
    return { url: `ws://127.0.0.1:${port}`, secret: apiSecret, roomAdminKey };
  }

  static async connect({
    url,
    secret,
    roomAdminKey,
  }: {
    url: string;
    secret: string;
    roomAdminKey: string;
  }): Promise<RawJanus> {
    const ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`Janus at ${url} cannot be reached`));
    });
    const janus = new RawJanus(ws, secret, roomAdminKey);
    const created = await janus.send({ janus: 'create' });
    janus.session = Number((created.data as { id: number }).id);
    janus.keepalive = setInterval(
      () => void janus.send({ janus: 'keepalive', session_id: janus.session }, true).catch(() => {}),
      20_000,
    );
    return janus;
  }

  send(body: Record<string, unknown>, ackOnly = false): Promise<Msg> {
    const transaction = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      this.pending.set(transaction, { resolve, reject, ackOnly });
      this.ws.send(JSON.stringify({ ...body, transaction, apisecret: this.secret }));
    });
  }

  async attach(onEvent: (m: Msg) => void = () => {}): Promise<number> {
    const answer = await this.send({ janus: 'attach', plugin: 'janus.plugin.videoroom', session_id: this.session });
    const id = Number((answer.data as { id: number }).id);
    this.listeners.set(id, onEvent);
    return id;
  }

  /** A VideoRoom request; for asynchronous ones the event that answers it. */
  async message(
    handle: number,
    body: Record<string, unknown>,
    jsep?: Jsep,
  ): Promise<{ data: Record<string, unknown>; jsep?: Jsep }> {
    const m = await this.send({
      janus: 'message',
      session_id: this.session,
      handle_id: handle,
      body,
      ...(jsep && { jsep }),
    });
    return { data: (m.plugindata as { data: Record<string, unknown> }).data, jsep: m.jsep as Jsep | undefined };
  }

  detach(handle: number): Promise<unknown> {
    this.listeners.delete(handle);
    return this.send({ janus: 'detach', session_id: this.session, handle_id: handle }).catch(() => {});
  }

  close(): void {
    clearInterval(this.keepalive);
    this.ws.close();
  }
}

/** Epoch milliseconds, comparable with a page's performance.timeOrigin + performance.now(). */
export const epochNow = () => performance.timeOrigin + performance.now();

export type RelayTimings = {
  /** From "create room" (epoch ms) to each step. */
  roomCreated: number;
  publisherAnswered: number;
  publisherUp: number;
  subscriberOffered: number;
  subscriberStarted: number;
  /** The subscriber page's ICE connected and DTLS connected. */
  iceConnected: number;
  dtlsConnected: number;
  /** The subscriber's first video packet and first decoded frame (getStats polled every 5 ms). */
  firstPacket: number;
  firstDecoded: number;
  /** The subscriber page's first presented frame (requires page.ts in that page). */
  firstFrame: number;
};

export type Relay = {
  room: number;
  pubHandle: number;
  subHandle: number;
  timings: RelayTimings;
  stop(): Promise<void>;
};

/**
 * A cold publish-then-subscribe straight against Janus: create a room (Loupe's
 * settings), the publisher page joins and publishes, once Janus reports its
 * PeerConnection up a subscriber attaches, and the subscriber page answers.
 * Browser sides do not trickle (their SDP carries every candidate once
 * gathering is complete); Janus's trickled candidates are passed on.
 */
export async function relay(
  janus: RawJanus,
  pub: { page: Page; source: 'preview' | 'camera' },
  sub: Page,
  id: string,
  opts: { muted?: boolean; early?: boolean } = {},
): Promise<Relay> {
  // The camera is already open before "create room", as the Lens's is before Start.
  await inPage(
    pub.page,
    async (b, kind) => {
      await b.source(kind);
    },
    pub.source,
  );
  const t0 = epochNow();
  const since = () => epochNow() - t0;
  const roomId = Math.floor(Math.random() * 2 ** 40) + 1;
  const admin = await janus.attach();
  const roomAdminKey = janus.roomAdminKey;
  await janus.message(admin, {
    request: 'create',
    admin_key: roomAdminKey,
    room: roomId,
    is_private: true,
    permanent: false,
    publishers: 2,
    videocodec: 'vp8,h264',
    audiocodec: 'opus',
    fir_freq: 2,
    videoorient_ext: true,
  });
  const roomCreated = since();

  let upResolve: () => void = () => {};
  const up = new Promise<void>((r) => (upResolve = r));
  const pubHandle = await janus.attach((m) => {
    if (m.janus === 'webrtcup') upResolve();
    if (m.janus === 'trickle')
      void inPage(pub.page, (b, a) => b.candidate(a.id, a.c), { id: `${id}-pub`, c: candidateOf(m) });
  });
  const offer = await inPage(pub.page, (b, a) => b.offer(a.id, a.source), { id: `${id}-pub`, source: pub.source });
  const joined = await janus.message(
    pubHandle,
    { request: 'joinandconfigure', ptype: 'publisher', room: roomId, display: 'reference' },
    { type: 'offer', sdp: offer },
  );
  const feed = Number(joined.data.id);
  await inPage(pub.page, (b, a) => b.answered(a.id, a.sdp), { id: `${id}-pub`, sdp: joined.jsep!.sdp });
  const publisherAnswered = since();
  await up;
  const publisherUp = since();

  const subId = `${id}-sub`;
  const subHandle = await janus.attach((m) => {
    if (m.janus === 'trickle') void inPage(sub, (b, a) => b.candidate(a.id, a.c), { id: subId, c: candidateOf(m) });
  });
  const joinedSub = await janus.message(subHandle, {
    request: 'join',
    ptype: 'subscriber',
    room: roomId,
    streams: [{ feed }],
  });
  const subscriberOffered = since();
  const answer = await inPage(sub, (b, a) => b.answer(a.id, a.sdp, a.muted, a.early), {
    id: subId,
    sdp: joinedSub.jsep!.sdp,
    muted: opts.muted ?? true,
    early: opts.early ?? false,
  });
  await janus.message(subHandle, { request: 'start' }, { type: 'answer', sdp: answer });
  const subscriberStarted = since();
  const frameAt = await sub.waitForFunction(
    (label) => {
      const b = (window as unknown as { __bench: { marks: { t: number; ev: string }[] } }).__bench;
      const m = b.marks.find((x) => x.ev === `frame:${label}`);
      return m ? performance.timeOrigin + m.t : 0;
    },
    subId,
    { timeout: 10_000, polling: 20 },
  );
  const firstFrame = (await frameAt.jsonValue()) - t0;
  // The subscriber PeerConnection's ICE and DTLS as the page saw them.
  const states = await inPage(
    sub,
    (b) => ({ origin: performance.timeOrigin, pc: b.pcs.filter((p) => p.receives).at(-1)?.states ?? [] }),
    null,
  );
  const stateAt = (what: string, ok: string[]) => {
    const st = states.pc.find((x) => x.what === what && ok.includes(x.state));
    return st ? states.origin + st.t - t0 : NaN;
  };
  const iceConnected = stateAt('ice', ['connected', 'completed']);
  const dtlsConnected = stateAt('dtls', ['connected']);
  const firstPacket = stateAt('rtp', ['first-packet']);
  const firstDecoded = stateAt('rtp', ['first-decoded']);

  return {
    room: roomId,
    pubHandle,
    subHandle,
    timings: {
      roomCreated,
      publisherAnswered,
      publisherUp,
      subscriberOffered,
      subscriberStarted,
      iceConnected,
      dtlsConnected,
      firstPacket,
      firstDecoded,
      firstFrame,
    },
    async stop() {
      await inPage(sub, (b, a) => b.close(a), subId).catch(() => {});
      await inPage(pub.page, (b, a) => b.close(a), `${id}-pub`).catch(() => {});
      await janus.detach(subHandle);
      await janus.detach(pubHandle);
      await janus.message(admin, { request: 'destroy', admin_key: roomAdminKey, room: roomId }).catch(() => {});
      await janus.detach(admin);
    },
  };
}

function candidateOf(m: Record<string, unknown>): RTCIceCandidateInit | null {
  const c = m.candidate as
    | { candidate?: string; sdpMid?: string; sdpMLineIndex?: number; completed?: boolean }
    | undefined;
  if (!c || c.completed) return null;
  return { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
}
