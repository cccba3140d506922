// The phone's media through the impairment relay (relay.ts), in one browser
// context: every page of that context sees Janus's ICE candidates (in the SDP
// Janus sends and in the ones Loupe trickles) rewritten to a relay of the test's
// own, which forwards to Janus's real candidate. The phone's own candidates are
// kept from Janus (left out of its SDP and of its trickle), so Janus can reach
// the phone only back through the relay: it learns the relay's upstream socket
// as a peer-reflexive candidate from the phone's connectivity checks, as it
// does for a browser whose host candidates it cannot resolve (Firefox's mDNS,
// /work/shared/NOTES.md). Every packet of the phone's PeerConnections thus
// passes the relay, and only theirs: the console's context is untouched.
//
// Each Janus candidate (one per PeerConnection with bundle and rtcp-mux) gets
// its own relay, on ports of a range below the kernel's ephemeral ports
// (32768–60999, so no Chromium or Janus socket lands in it): shapeUdpPort() then
// rate-limits the whole range with one tbf per direction, the phone's link.
import type { BrowserContext } from 'playwright-core';
import { type Endpoint, type Impairment, type ImpairRelay, startImpairRelay } from './relay.ts';
import { clearShaping, type Rate, shapeUdpPort } from './shape.ts';

/** 32512–32767: a multiple of 256 under the ephemeral range, one tc mask. */
const PORTS = { first: 0x7f00, mask: 0xff00, count: 256 };

export type PhoneLink = {
  /** The relays made so far (one per Janus candidate the phone was given). */
  readonly relays: ImpairRelay[];
  /** New delay and loss on every relay, and on the ones made later. */
  impair(next: Impairment): void;
  /** The phone's link to `rate` each way (tbf on `dev`, the namespace's lo by default); none: unshaped. */
  shape(rate: Rate | null): void;
  /** Datagrams each way over all relays, and how many the relays dropped. */
  totals(): { up: number; upDropped: number; down: number; downDropped: number };
  /** Closes the relays (between benchmark runs: their ports are used again). */
  reset(): void;
  close(): void;
};

/**
 * Routes `context`'s WebRTC through relays on `host` (an address of the test
 * namespace: Chromium ignores loopback candidates). Call before the context's
 * pages open. Relays live at most `maxMs` each.
 */
export async function routePhoneThroughRelay(
  context: BrowserContext,
  opts: { host: string; impairment: Impairment; seed: number; maxMs: number; dev?: string },
): Promise<PhoneLink> {
  const now = { ...opts.impairment };
  const relays: ImpairRelay[] = [];
  const byTarget = new Map<string, Promise<ImpairRelay>>();
  const dev = opts.dev ?? 'lo';
  let nextPort = 0;

  async function relayFor(target: Endpoint): Promise<ImpairRelay> {
    // Bounded: one try per port of the range.
    for (let tries = 0; tries < PORTS.count; tries++) {
      const port = PORTS.first + (nextPort++ % PORTS.count);
      try {
        const relay = await startImpairRelay({
          listen: { host: opts.host, port },
          target,
          ...now,
          seed: opts.seed + relays.length,
          maxMs: opts.maxMs,
        });
        relays.push(relay);
        return relay;
      } catch {
        // That port is still held (a relay of an earlier run closing): the next one.
      }
    }
    throw new Error(`no free relay port in ${PORTS.first}–${PORTS.first + PORTS.count - 1}`);
  }

  await context.exposeBinding('__loupeRelayFor', async (_source, host: string, port: number) => {
    const key = `${host}:${port}`;
    let relay = byTarget.get(key);
    if (!relay) {
      relay = relayFor({ host, port });
      byTarget.set(key, relay);
    }
    return (await relay).address;
  });
  await context.addInitScript(throughRelay);

  const closeAll = () => {
    for (const r of relays) r.close();
    relays.length = 0;
    byTarget.clear();
  };
  return {
    relays,
    impair(next) {
      Object.assign(now, next);
      for (const r of relays) r.impair(next);
    },
    shape(rate) {
      if (rate) shapeUdpPort(dev, PORTS.first, rate, PORTS.mask);
      else clearShaping(dev);
    },
    totals() {
      const sum = (pick: (r: ImpairRelay) => number) => relays.reduce((n, r) => n + pick(r), 0);
      return {
        up: sum((r) => r.upstream.received),
        upDropped: sum((r) => r.upstream.dropped),
        down: sum((r) => r.downstream.received),
        downDropped: sum((r) => r.downstream.dropped),
      };
    },
    reset: closeAll,
    close() {
      closeAll();
      clearShaping(dev);
    },
  };
}

/**
 * Runs in each page of the phone's context before its own scripts (test
 * instrumentation only). Patches RTCPeerConnection's prototype, so it holds
 * whatever subclass the page or another init script makes.
 */
function throughRelay() {
  type Relayed = { host: string; port: number };
  const relayFor = (window as unknown as { __loupeRelayFor: (h: string, p: number) => Promise<Relayed> })
    .__loupeRelayFor;
  const CANDIDATE = /^(a=)?candidate:(\S+) (\d+) (\S+) (\d+) (\S+) (\d+) typ (.*)$/i;
  /** A remote candidate line pointed at its relay; null for one the phone must not use (TCP). */
  async function rewrite(line: string): Promise<string | null> {
    const m = CANDIDATE.exec(line.trim());
    if (!m) return line;
    const [, a = '', foundation, component, transport, priority, host, port, rest] = m;
    if (transport?.toLowerCase() !== 'udp') return null;
    const relay = await relayFor(String(host), Number(port));
    return `${a}candidate:${foundation} ${component} ${transport} ${priority} ${relay.host} ${relay.port} typ ${rest}`;
  }
  async function rewriteSdp(sdp: string): Promise<string> {
    const lines = sdp.split('\r\n');
    const out: string[] = [];
    for (const line of lines) {
      const next = line.startsWith('a=candidate:') ? await rewrite(line) : line;
      if (next !== null) out.push(next);
    }
    return out.join('\r\n');
  }
  const withoutCandidates = (sdp: string) =>
    sdp
      .split('\r\n')
      .filter((l) => !l.startsWith('a=candidate:'))
      .join('\r\n');

  // The native prototype: another init script (rtc-stats.ts) may have put a
  // subclass in window.RTCPeerConnection, whose prototype has none of the
  // accessors patched below as its own.
  let proto: RTCPeerConnection = RTCPeerConnection.prototype;
  for (let i = 0; i < 8 && !Object.getOwnPropertyDescriptor(proto, 'onicecandidate'); i++)
    proto = Object.getPrototypeOf(proto);
  // The one-argument forms (the old callback overloads are never used here).
  const setRemote = proto.setRemoteDescription as (d: RTCSessionDescriptionInit) => Promise<void>;
  proto.setRemoteDescription = async function (this: RTCPeerConnection, desc?: RTCSessionDescriptionInit) {
    if (!desc?.sdp) return setRemote.call(this, desc as RTCSessionDescriptionInit);
    return setRemote.call(this, { type: desc.type, sdp: await rewriteSdp(desc.sdp) });
  } as typeof proto.setRemoteDescription;
  const addCandidate = proto.addIceCandidate as (c?: RTCIceCandidateInit) => Promise<void>;
  proto.addIceCandidate = async function (this: RTCPeerConnection, c?: RTCIceCandidateInit | RTCIceCandidate | null) {
    if (!c?.candidate) return addCandidate.call(this, c ?? undefined);
    const line = await rewrite(c.candidate);
    if (line === null) return;
    return addCandidate.call(this, { candidate: line, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
  } as typeof proto.addIceCandidate;

  // The phone's own candidates: the end-of-candidates event passes, the candidates do not.
  const handler = Object.getOwnPropertyDescriptor(proto, 'onicecandidate');
  if (handler?.set && handler.get) {
    const set = handler.set;
    Object.defineProperty(proto, 'onicecandidate', {
      ...handler,
      set(this: RTCPeerConnection, h: ((e: RTCPeerConnectionIceEvent) => unknown) | null) {
        set.call(this, h && ((e: RTCPeerConnectionIceEvent) => (e.candidate ? undefined : h.call(this, e))));
      },
    });
  }
  // …nor those in an offer or answer made once candidates are gathered (a
  // renegotiation: Chromium writes the transport's candidates into it)…
  for (const name of ['createOffer', 'createAnswer'] as const) {
    const make = proto[name] as (o?: RTCOfferOptions) => Promise<RTCSessionDescriptionInit>;
    proto[name] = async function (this: RTCPeerConnection, o?: RTCOfferOptions) {
      const desc = await make.call(this, o);
      return { type: desc.type, sdp: withoutCandidates(desc.sdp ?? '') };
    } as (typeof proto)[typeof name];
  }
  // …nor those in a description read after gathering (the raw-Janus reference sends those).
  for (const name of ['localDescription', 'currentLocalDescription', 'pendingLocalDescription'] as const) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d?.get) continue;
    const get = d.get;
    Object.defineProperty(proto, name, {
      ...d,
      get(this: RTCPeerConnection) {
        const desc = get.call(this) as RTCSessionDescription | null;
        if (!desc) return desc;
        const plain = { type: desc.type, sdp: withoutCandidates(desc.sdp) };
        return { ...plain, toJSON: () => plain };
      },
    });
  }
}
