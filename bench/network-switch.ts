// Issue 22 — recovery from a network change: the phone loses its network for
// a while and gets it back (e2e/media/network-cut.ts: tc drops its media's UDP
// both ways inside the namespace); measured from the moment the link is
// restored to the first new frame the console's remote video presents
// (requestVideoFrameCallback), no click anywhere. Two kinds of loss:
// - 3 s, as the issue says: short of what makes the phone give its path up,
//   so the same connection carries on when the link is back;
// - until the phone gives its path up and restarts ICE (the Lens says
//   "reconnecting"), then restored: the restart's new checks bring it back.
// Reference, interleaved in the same run: the same 3 s cut of a bare
// publish-then-subscribe straight against the same Janus (lib/janus.ts), no
// Loupe in between, no recovery logic of its own.
import type { Page } from 'playwright-core';
import { customerJoins, startScene, type Scene } from '../e2e/media/scene.ts';
import {
  consoleRecord,
  cutUdpPorts,
  mediaPorts,
  iceStatesSince,
  offersSince,
  pollVideoIn,
  recordConsole,
  recordIceStates,
  recordSentMessages,
  recordVideoFrames,
  restoreLink,
  videoInAfter,
  waitForRecord,
} from '../e2e/media/network-cut.ts';
import { waitForMedia } from '../e2e/media/rtc-stats.ts';
import { RawJanus, relay } from './media/lib/janus.ts';
import { benchInstrument } from './media/lib/page.ts';
import { percentile, round, sleep } from './media/lib/util.ts';
import type { Benchmark, BenchOptions, Figure } from './types.ts';

const TECH = { email: 'switch@example.test', password: 'switch password 123', name: 'Switch Technician' };
const CUT_MS = 3_000;
/** Between cuts: the picture settles (its rate back up) before the next one. */
const SETTLE_MS = 2_000;
const TARGET_MS = 2_000;

type Cut = {
  recoveryMs: number;
  shownReconnecting: boolean;
  restarts: number;
  publishes: number;
  /** After the restore: the first video packet, the first keyframe decoded; the PLIs and NACKs the viewer sent by the frame. */
  packetMs: number;
  keyframeMs: number;
  pli: number;
  nack: number;
  /** The phone's ICE states from the cut on, ms from the cut. */
  ice: string;
};

/**
 * One cut of `phone`'s media, seen on `viewer` (recorded by recordConsole or
 * recordVideoFrames): how long after the restore the first new frame came.
 */
async function cut(phone: Page, viewer: Page, until: (() => Promise<unknown>) | null): Promise<Cut> {
  cutUdpPorts(await mediaPorts(phone));
  const cutAt = Date.now();
  try {
    if (until) await until();
    const left = CUT_MS - (Date.now() - cutAt);
    if (left > 0) await sleep(left);
  } finally {
    restoreLink();
  }
  const restoredAt = Date.now();
  const record = await waitForRecord(viewer, (r) => r.frames.some((t) => t > restoredAt), 30_000, 'a new frame');
  const first = record.frames.find((t) => t > restoredAt)!;
  const offers = await offersSince(phone, cutAt).catch(() => ({ restarts: 0, publishes: 0 }));
  await sleep(300);
  const video = (await videoInAfter(viewer, restoredAt, first)) ?? { packetMs: NaN, keyframeMs: NaN, pli: 0, nack: 0 };
  return {
    ...video,
    ice: `restored@${restoredAt - cutAt}: ${await iceStatesSince(phone, cutAt)}`,
    recoveryMs: first - restoredAt,
    shownReconnecting: record.reconnecting.some((c) => c.on && c.at >= cutAt),
    ...offers,
  };
}

const detail = (c: Cut) =>
  `${c.restarts} ICE restart offers; first video packet ${round(c.packetMs)} ms, first keyframe decoded ${round(c.keyframeMs)} ms; ${c.pli} PLI, ${c.nack} NACK sent by then; the phone's ICE, ms from the cut: ${c.ice}`;

async function loupeCuts(scene: Scene, shortRuns: number, restartRuns: number, log: (l: string) => void) {
  const { tech } = scene;
  const { phone, sessionId } = await customerJoins(scene, 'Bench switch');
  try {
    await tech.getByTestId('start-session').click();
    await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 60_000 });
    await waitForMedia(tech, (m) => m.framesDecoded > 10, 30_000);
    // The console in front, as the technician's screen (a tab behind is rendered about once a second).
    await tech.bringToFront();
    await recordConsole(tech);
    await pollVideoIn(tech);
    await recordIceStates(phone);
    const settle = async () => {
      await tech
        .locator('[data-testid="live-view"][data-reconnecting="false"][data-status="live"]')
        .waitFor({ timeout: 15_000 });
      await phone.locator('[data-testid="lens-live"][data-call="live"]').waitFor({ timeout: 15_000 });
      await sleep(SETTLE_MS);
    };
    await sleep(SETTLE_MS);
    const short: Cut[] = [];
    const restart: Cut[] = [];
    for (let i = 0; i < shortRuns; i++) {
      const c = await cut(phone, tech, null);
      short.push(c);
      log(
        `network-switch: Loupe, 3 s cut ${i + 1}: first new frame ${round(c.recoveryMs)} ms after the restore (${detail(c)})`,
      );
      await settle();
    }
    for (let i = 0; i < restartRuns; i++) {
      const c = await cut(phone, tech, () =>
        phone.locator('[data-testid="lens-live"][data-call="reconnecting"]').waitFor({ timeout: 60_000 }),
      );
      restart.push(c);
      log(
        `network-switch: Loupe, cut until the phone restarts ICE ${i + 1}: first new frame ${round(c.recoveryMs)} ms after the restore (${detail(c)}; ${c.publishes} new publishes)`,
      );
      await settle();
    }
    return { short, restart, record: await consoleRecord(tech) };
  } finally {
    await tech.request.post(`${scene.loupe.url}/api/sessions/${sessionId}/end`).catch(() => {});
    await phone.close();
  }
}

async function referenceCuts(scene: Scene, runs: number, log: (l: string) => void): Promise<Cut[]> {
  const janus = await RawJanus.connect(RawJanus.address(scene.loupe.dataDir));
  const pub = await scene.phoneContext.newPage();
  const sub = await scene.tech.context().newPage();
  try {
    await pub.goto(`${scene.loupe.url}/lens-offline.html`);
    await sub.goto(`${scene.loupe.url}/lens-offline.html`);
    const r = await relay(janus, { page: pub, source: 'camera' }, sub, 'switch');
    await sub.bringToFront();
    await recordVideoFrames(sub, '#switch-sub');
    await pollVideoIn(sub);
    await recordIceStates(pub);
    await sleep(SETTLE_MS);
    const cuts: Cut[] = [];
    for (let i = 0; i < runs; i++) {
      const c = await cut(pub, sub, null);
      cuts.push(c);
      log(
        `network-switch: reference, 3 s cut ${i + 1}: first new frame ${round(c.recoveryMs)} ms after the restore (${detail(c)})`,
      );
      await sleep(SETTLE_MS);
    }
    await r.stop();
    return cuts;
  } finally {
    janus.close();
    await pub.close();
    await sub.close();
  }
}

const benchmark: Benchmark = {
  name: 'network-switch',
  netns: true,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    const shortRuns = quick ? 3 : 10;
    const restartRuns = quick ? 1 : 4;
    const scene = await startScene({ rtpPorts: '41400-41599', technician: TECH });
    try {
      await scene.tech.context().addInitScript(benchInstrument);
      await scene.phoneContext.addInitScript(benchInstrument);
      await scene.phoneContext.addInitScript(recordSentMessages);
      await scene.tech.reload();
      await scene.tech.waitForURL('**/console');
      const loupe = await loupeCuts(scene, shortRuns, restartRuns, log);
      const reference = await referenceCuts(scene, shortRuns, log);
      const ms = (cuts: Cut[]) => cuts.map((c) => c.recoveryMs);
      const p50 = percentile(ms(loupe.short), 50);
      const restartP50 = percentile(ms(loupe.restart), 50);
      const refP50 = percentile(ms(reference), 50);
      const p50Of = (cuts: Cut[], k: 'packetMs' | 'keyframeMs') =>
        round(
          percentile(
            cuts.map((c) => c[k]).filter((v) => !Number.isNaN(v)),
            50,
          ),
        );
      const sum = (cuts: Cut[], k: 'pli' | 'nack') => cuts.reduce((n, c) => n + c[k], 0);
      const shown = (cuts: Cut[]) => `${cuts.filter((c) => c.shownReconnecting).length} of ${cuts.length}`;
      const spread = (cuts: Cut[]) =>
        `${round(Math.min(...ms(cuts)))}–${round(Math.max(...ms(cuts)))} ms over ${cuts.length} cuts`;
      return [
        {
          id: 'network_switch.p50',
          label: "Recovery: the phone's link lost for 3 s → first new frame in the console after the restore, p50",
          value: round(p50),
          unit: 'ms',
          reference: {
            label: 'the same cut of a bare publish-subscribe straight against Janus, p50',
            value: round(refP50),
          },
          target: '≤ 2 s',
          met: p50 <= TARGET_MS,
          note: `Loupe ${spread(loupe.short)} (the console said "reconnecting" in ${shown(loupe.short)}; ${loupe.short.reduce((n, c) => n + c.restarts, 0)} ICE restarts, ${loupe.short.reduce((n, c) => n + c.publishes, 0)} new publishes); reference ${spread(reference)}. After the restore, p50: Loupe first video packet ${p50Of(loupe.short, 'packetMs')} ms, first keyframe decoded ${p50Of(loupe.short, 'keyframeMs')} ms (${sum(loupe.short, 'pli')} PLI from the console by the frames); reference ${p50Of(reference, 'packetMs')} / ${p50Of(reference, 'keyframeMs')} ms (${sum(reference, 'pli')} PLI): the picture waits for a keyframe, not for the connection. One session for all cuts, ${SETTLE_MS / 1000} s of picture between them; the console's tab in front.`,
        },
        {
          id: 'network_switch.restart.p50',
          label:
            "Recovery: the phone's link lost until it restarts ICE → first new frame in the console after the restore, p50",
          value: round(restartP50),
          unit: 'ms',
          target: '≤ 2 s',
          met: restartP50 <= TARGET_MS,
          note: `${spread(loupe.restart)}: ${loupe.restart.reduce((n, c) => n + c.restarts, 0)} ICE restart offers, ${loupe.restart.reduce((n, c) => n + c.publishes, 0)} new publishes; the console said "reconnecting" in ${shown(loupe.restart)}.`,
        },
      ];
    } finally {
      restoreLink();
      await scene.stop();
    }
  },
};

export default benchmark;
