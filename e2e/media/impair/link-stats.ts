// getStats figures an impairment test compares before and under impairment,
// from the PeerConnections rtc-stats.ts records on each page: what the console
// receives (audio packets received and lost, video frames decoded and their
// size and rate) and what the phone sends (its encoder's size and rate, why it
// is limited, the path's round-trip time).
import type { Page } from 'playwright-core';

export type LinkStats = {
  /** Inbound audio (the newest open PeerConnection receiving audio). */
  audioReceived: number;
  audioLost: number;
  /** Inbound video (the newest open PeerConnection receiving video). */
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  /** Outbound (summed over open PeerConnections for the packets; the newest for the rest). */
  audioSent: number;
  videoSent: number;
  sentWidth: number;
  sentHeight: number;
  sentFps: number;
  qualityLimitation: string;
  /** Of the selected candidate pairs: the remote ports and the largest current RTT (s). */
  remotePorts: number[];
  /** The same remote candidates in words ("host 198.18.0.1:32512"), for a failure message. */
  remotes: string[];
  rtt: number;
};

export function linkStats(page: Page): Promise<LinkStats> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __loupePcs?: RTCPeerConnection[] }).__loupePcs ?? [];
    const s: LinkStats = {
      audioReceived: 0,
      audioLost: 0,
      framesDecoded: 0,
      frameWidth: 0,
      frameHeight: 0,
      audioSent: 0,
      videoSent: 0,
      sentWidth: 0,
      sentHeight: 0,
      sentFps: 0,
      qualityLimitation: '',
      remotePorts: [],
      remotes: [],
      rtt: 0,
    };
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const all = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((r) => {
        all.set(r.id, r);
      });
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      for (const r of all.values()) {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          s.audioReceived = num(r.packetsReceived);
          s.audioLost = num(r.packetsLost);
        } else if (r.type === 'inbound-rtp' && r.kind === 'video') {
          s.framesDecoded = num(r.framesDecoded);
          s.frameWidth = num(r.frameWidth);
          s.frameHeight = num(r.frameHeight);
        } else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
          s.audioSent += num(r.packetsSent);
        } else if (r.type === 'outbound-rtp' && r.kind === 'video') {
          s.videoSent += num(r.packetsSent);
          s.sentWidth = num(r.frameWidth);
          s.sentHeight = num(r.frameHeight);
          s.sentFps = num(r.framesPerSecond);
          s.qualityLimitation = String(r.qualityLimitationReason ?? '');
        } else if (r.type === 'transport' && r.selectedCandidatePairId) {
          const pair = all.get(String(r.selectedCandidatePairId));
          const remote = pair && all.get(String(pair.remoteCandidateId));
          if (remote) {
            s.remotePorts.push(num(remote.port));
            s.remotes.push(`${remote.candidateType} ${remote.address}:${remote.port} (${pc.connectionState})`);
          }
          s.rtt = Math.max(s.rtt, num(pair?.currentRoundTripTime));
        }
      }
    }
    return s;
  });
}

/** Samples `page` every `everyMs` for `ms` (bounded by the count): the first and each later reading. */
export async function sampleLink(page: Page, ms: number, everyMs = 1_000): Promise<LinkStats[]> {
  const out = [await linkStats(page)];
  for (let i = 0; i < Math.ceil(ms / everyMs); i++) {
    await page.waitForTimeout(everyMs);
    out.push(await linkStats(page));
  }
  return out;
}

/** What a window of samples says: frames per second decoded, audio kept, sizes seen. */
export function summary(samples: LinkStats[], everyMs = 1_000) {
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const seconds = ((samples.length - 1) * everyMs) / 1000;
  const received = last.audioReceived - first.audioReceived;
  const lost = last.audioLost - first.audioLost;
  const perSlice = samples.slice(1).map((s, i) => s.framesDecoded - (samples[i]?.framesDecoded ?? 0));
  return {
    seconds,
    decodedFps: (last.framesDecoded - first.framesDecoded) / seconds,
    /** Frames decoded in each slice of `everyMs`: none would be a freeze. */
    perSlice,
    audioReceived: received,
    audioLost: lost,
    audioKept: received + lost > 0 ? received / (received + lost) : 0,
    /** Largest decoded picture in the window (pixels), and the smallest. */
    maxPixels: Math.max(...samples.map((s) => s.frameWidth * s.frameHeight)),
    minPixels: Math.min(...samples.map((s) => s.frameWidth * s.frameHeight)),
  };
}
