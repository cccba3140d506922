// Issue 7, benchmark 1 — time to first frame: the technician clicks Start on a
// waiting session → the first frame the console presents (requestVideoFrameCallback
// on its remote video), with the breakdown the pages can observe: the answer to
// POST /start (server ack), the socket's media.peer telling the console the
// phone's publisher is up in Janus, the console's subscription offer, ICE
// connected, DTLS connected, first frame. Both connections are made while the
// session waits (the phone's with its senders detached, the console's paused by
// Janus; web/src/lib/lens/call.svelte.ts, console-call.svelte.ts): their offer,
// ICE and DTLS then come before the click and are left out of the breakdown.
// Reference, interleaved in the same run:
// a cold publish-then-subscribe straight against the same Janus (lib/janus.ts),
// from "create room" to the subscriber's first frame, pages in the same contexts.
import type { Page } from 'playwright-core';
import type { Benchmark, BenchOptions, Figure } from '../types.ts';
import { customerJoins, startScene, type Scene } from '../../e2e/media/scene.ts';
import { RawJanus, relay, type RelayTimings } from './lib/janus.ts';
import { benchInstrument, clickStartToFirstFrame, inFront, inPage, pcInfos } from './lib/page.ts';
import { percentile, round } from './lib/util.ts';

const TECH = { email: 'bench@example.test', password: 'bench password 123', name: 'Bench Technician' };

type LoupeRun = {
  fps: number;
  ack: number;
  publisherUp: number;
  offered: number;
  ice: number;
  dtls: number;
  firstFrame: number;
  iceAhead?: number;
  dtlsAhead?: number;
  srcObject?: number;
  pli?: number;
  keyframes?: number;
  firstPacket?: number;
  firstDecoded?: number;
  longTasks?: string;
};
type Step = Exclude<keyof LoupeRun, 'longTasks' | 'fps'>;
const STEPS: [Step, string][] = [
  ['ack', 'server ack (POST /start answered)'],
  ['publisherUp', 'console told the phone publishes (media.peer)'],
  ['offered', 'subscription offer in the console'],
  ['ice', 'ICE connected'],
  ['dtls', 'DTLS connected'],
  ['firstDecoded', 'first frame decoded (getStats)'],
  ['firstFrame', 'first frame presented'],
];

/** How far before the click the trace reaches: the connections made while the session waited are in it. */
const TRACE_BEFORE_MS = 1_500;

/** LOUPE_BENCH_TRACE=1: one run's events on both pages (socket messages both ways, PeerConnection states, candidates), ms from the click, in order. */
async function trace(tech: Page, phone: Page, t0: number) {
  const events = async (page: Page, who: string) => {
    const origin = await page.evaluate(() => performance.timeOrigin);
    const marks = await inPage(page, (b) => b.marks, null);
    const pcs = await pcInfos(page);
    return [
      ...marks.map((m) => ({ at: origin + m.t, what: `${who} ${m.ev}${m.detail ? ` ${m.detail}` : ''}` })),
      ...pcs.flatMap((p) =>
        p.states.map((s) => ({ at: origin + s.t, what: `${who} pc${p.index} ${s.what} ${s.state}` })),
      ),
    ];
  };
  const techOrigin = await tech.evaluate(() => performance.timeOrigin);
  const all = [...(await events(tech, 'console')), ...(await events(phone, 'phone'))]
    .map((e) => ({ t: e.at - techOrigin - t0, what: e.what }))
    .filter((e) => e.t >= -TRACE_BEFORE_MS && e.t < 600)
    .sort((a, b) => a.t - b.t);
  console.error(all.map((e) => `  ${e.t.toFixed(1).padStart(7)} ${e.what}`).join('\n'));
}

async function loupeRun(scene: Scene, i: number): Promise<LoupeRun> {
  const { sessionId, phone } = await customerJoins(scene, `Bench ${i}`);
  const tech = scene.tech;
  try {
    await tech.getByTestId('start-session').waitFor({ timeout: 10_000 });
    // The phone's page was opened after the console and is in front: put the console back, as the technician's screen.
    const fps = await inFront(tech);
    await tech.waitForTimeout(300);
    const t0 = await clickStartToFirstFrame(tech, true);
    const marks = await inPage(tech, (b) => b.marks, null);
    // What the console's receiver asked for: PLIs sent, keyframes decoded so far.
    const rtcp = await inPage(
      tech,
      async (b) => {
        const pc = b.pcs.filter((p) => p.receives).at(-1)?.pc;
        let pli = 0,
          keyframes = 0;
        (await pc?.getStats())?.forEach(
          (s: { type: string; kind?: string; pliCount?: number; keyFramesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') {
              pli = s.pliCount ?? 0;
              keyframes = s.keyFramesDecoded ?? 0;
            }
          },
        );
        return { pli, keyframes };
      },
      null,
    );
    // The newest receiving connection: made after the click, or while the session waited (then its ICE and DTLS came before it).
    const pcs = (await pcInfos(tech)).filter((p) => p.receives);
    const first = (ev: string, detail?: string) => {
      const m = marks.find((x) => x.ev === ev && (detail === undefined || x.detail === detail));
      return m ? m.t - t0 : NaN;
    };
    const sub = pcs.at(-1);
    if (process.env.LOUPE_BENCH_TRACE) await trace(tech, phone, t0);
    const state = (what: string, ok: string[]) => {
      const s = sub?.states.find((x) => x.what === what && ok.includes(x.state) && (what !== 'rtp' || x.t >= t0));
      return s ? s.t - t0 : NaN;
    };
    // DTLS: the receiver's DTLS transport 'connected'; if the event was missed, the PeerConnection's 'connected' (ICE + DTLS).
    const dtls = state('dtls', ['connected']);
    const ice = state('ice', ['connected', 'completed']);
    const dtlsAt = Number.isNaN(dtls) ? state('conn', ['connected']) : dtls;
    // A connection made while the session waited: how long its ICE and DTLS took from its offer, before the click.
    const offered = sub ? sub.created - t0 : NaN;
    const ahead = offered < 0;
    return {
      ...(ahead && { iceAhead: ice - offered, dtlsAhead: dtlsAt - offered }),
      fps,
      ack: first('start:response'),
      publisherUp: first('ws:media.peer', 'customer:publishing'),
      offered,
      ice,
      dtls: dtlsAt,
      firstFrame: first('frame:remote-video'),
      longTasks: marks
        .filter((m) => m.ev === 'longtask' && m.t >= t0)
        .map((m) => `${round(m.t - t0)}+${m.detail}`)
        .join(' '),
      srcObject: first('srcObject:remote-video'),
      ...rtcp,
      firstPacket: state('rtp', ['first-packet']),
      firstDecoded: state('rtp', ['first-decoded']),
    };
  } finally {
    await tech.request.post(`${scene.loupe.url}/api/sessions/${sessionId}/end`).catch(() => {});
    await tech
      .getByTestId('live-view')
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    await phone.close();
  }
}

async function referenceRun(janus: RawJanus, pub: Page, sub: Page, i: number): Promise<RelayTimings & { fps: number }> {
  const fps = await inFront(sub);
  const r = await relay(janus, { page: pub, source: 'camera' }, sub, `ref${i}`);
  await r.stop();
  return { ...r.timings, fps };
}

const benchmark: Benchmark = {
  name: 'media-ttff',
  netns: true,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    const runs = quick ? 3 : 30;
    const deadline = Date.now() + (quick ? 35_000 : 7 * 60_000);
    // The phone's camera at 30 frames/s, as phone cameras run (Chromium's fake camera defaults to 20).
    const scene = await startScene({ rtpPorts: '40000-40299', technician: TECH, camera: 'fps=30' });
    let janus: RawJanus | undefined;
    try {
      await scene.tech.context().addInitScript(benchInstrument);
      await scene.phoneContext.addInitScript(benchInstrument);
      await scene.tech.reload();
      await scene.tech.waitForURL('**/console');
      janus = await RawJanus.connect(RawJanus.address(scene.loupe.dataDir));
      const refPub = await scene.phoneContext.newPage();
      await refPub.goto(`${scene.loupe.url}/lens-offline.html`);
      const refSub = await scene.tech.context().newPage();
      await refSub.goto(`${scene.loupe.url}/lens-offline.html`);

      // One of each first, not counted: the first call of a fresh browser and server warms codecs and JITs.
      log('ttff: warm-up');
      await loupeRun(scene, 0);
      await referenceRun(janus, refPub, refSub, 0);

      const loupe: LoupeRun[] = [];
      const reference: (RelayTimings & { fps: number })[] = [];
      const failures: string[] = [];
      for (let i = 1; loupe.length < runs && Date.now() < deadline; i++) {
        try {
          const r = await loupeRun(scene, i);
          loupe.push(r);
          log(
            `ttff: Loupe run ${i}: ${STEPS.map(([k]) => `${k} ${round(r[k]!)}`).join(', ')} ms (first video packet ${round(r.firstPacket!)}, first decoded ${round(r.firstDecoded!)}; video element given the stream at ${round(r.srcObject!)} ms; console sent ${r.pli} PLI, decoded ${r.keyframes} keyframes by then; console page in front at ${r.fps} frames/s; main-thread tasks > 50 ms (start+duration): ${r.longTasks || 'none'})`,
          );
        } catch (err) {
          failures.push(`Loupe run ${i}: ${String(err).slice(0, 200)}`);
          log(`ttff: Loupe run ${i} failed: ${String(err).slice(0, 300)}`);
        }
        // The reference every other run (every run in quick mode), interleaved so both see the same machine load.
        if (quick || i % 2 === 1) {
          try {
            const t = await referenceRun(janus, refPub, refSub, i);
            reference.push(t);
            log(
              `ttff: Janus reference ${i}: room ${round(t.roomCreated)}, publisher up ${round(t.publisherUp)}, offer ${round(t.subscriberOffered)}, ice ${round(t.iceConnected)}, dtls ${round(t.dtlsConnected)}, first video packet ${round(t.firstPacket)}, first decoded ${round(t.firstDecoded)}, first frame ${round(t.firstFrame)} ms (page in front at ${t.fps} frames/s)`,
            );
          } catch (err) {
            failures.push(`reference ${i}: ${String(err).slice(0, 200)}`);
            log(`ttff: reference run ${i} failed: ${String(err).slice(0, 300)}`);
          }
        }
      }
      if (loupe.length === 0) throw new Error(`no successful run: ${failures.join('; ')}`);
      const of = (k: Step) =>
        loupe.map((r) => r[k]).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
      const ref = (k: keyof RelayTimings) => reference.map((r) => r[k]);
      const p50 = percentile(of('firstFrame'), 50),
        p95 = percentile(of('firstFrame'), 95);
      const rp50 = percentile(ref('firstFrame'), 50),
        rp95 = percentile(ref('firstFrame'), 95);
      const samples = `${loupe.length} Loupe runs, ${reference.length} reference runs${failures.length ? `, ${failures.length} failed (${failures.join('; ')})` : ''}; fake camera at 30 frames/s`;
      // A step the console's connection made while the session waited comes before the click (negative): said so, no figure.
      const before = (k: Step) => of(k).length > 0 && percentile(of(k), 50) < 0;
      const aheadOf = (k: 'iceAhead' | 'dtlsAhead') =>
        of(k).length ? ` (${round(percentile(of(k), 50))} ms after the console's offer)` : '';
      const aheadNote: Partial<Record<Step, string>> = { ice: aheadOf('iceAhead'), dtls: aheadOf('dtlsAhead') };
      const breakdown = STEPS.map(([k, label]) =>
        before(k) ? `${label} before Start${aheadNote[k] ?? ''}` : `${label} ${round(percentile(of(k), 50))}`,
      ).join(' → ');
      const refBreakdown = `room created ${round(percentile(ref('roomCreated'), 50))} → publisher up ${round(percentile(ref('publisherUp'), 50))} → subscription offer ${round(percentile(ref('subscriberOffered'), 50))} → ICE connected ${round(percentile(ref('iceConnected'), 50))} → DTLS connected ${round(percentile(ref('dtlsConnected'), 50))} → first decoded ${round(
        percentile(
          ref('firstDecoded').filter((v) => !Number.isNaN(v)),
          50,
        ),
      )} → first frame ${round(rp50)}`;
      // Where the time goes: from the first decoded frame to its presentation in the page.
      const gap = (xs: number[]) =>
        round(
          percentile(
            xs.filter((v) => !Number.isNaN(v)),
            50,
          ),
        );
      const heldLoupe = gap(loupe.map((r) => r.firstFrame - r.firstDecoded!));
      const heldRef = gap(reference.map((r) => r.firstFrame - r.firstDecoded));
      const fpsOf = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
      const finding =
        "Both connections to Janus were made while the session waited for Start: the phone's, silent (its senders had no track), and the console's, paused by Janus; Start gave the phone's senders the camera and microphone and had Janus start relaying (it asks the phone for a keyframe then). " +
        `Decoded → presented, p50: console ${heldLoupe} ms, reference page ${heldRef} ms (getStats polled every 5 ms, so ±5 ms). ` +
        `Each subscribing page is put in front before its run (animation frames/s measured then: console ${fpsOf(loupe.map((r) => r.fps))}, reference ${fpsOf(reference.map((r) => r.fps))}): ` +
        "the pages are tabs of one headless window, and Chromium renders a tab behind the phone's page about once a second, which held the first frame about 330 ms after it was decoded in the earlier version of this benchmark.";
      const figures: Figure[] = [
        {
          id: 'media.ttff.p50',
          label: 'Time to first frame (Start → first frame in the console), p50',
          value: round(p50),
          unit: 'ms',
          reference: { label: 'cold publish-then-subscribe straight against Janus, p50', value: round(rp50) },
          target: '≤ 200 ms',
          met: p50 <= 200,
          note: `${samples}. p50 breakdown from the click, ms: ${breakdown}. Reference p50 from "create room", ms: ${refBreakdown}. ${finding}`,
        },
        {
          id: 'media.ttff.p95',
          label: 'Time to first frame, p95',
          value: round(p95),
          unit: 'ms',
          reference: { label: 'cold publish-then-subscribe straight against Janus, p95', value: round(rp95) },
          target: '≤ 400 ms',
          met: p95 <= 400,
          note: samples,
        },
      ];
      for (const [k, label] of STEPS.slice(0, -1)) {
        if (before(k) || of(k).length === 0) continue;
        figures.push({
          id: `media.ttff.${k}.p50`,
          label: `Time to first frame, breakdown: ${label}, p50 (from the click)`,
          value: round(percentile(of(k), 50)),
          unit: 'ms',
        });
      }
      // The console's connection made ahead: its ICE and DTLS, timed from its offer (they no longer count after the click).
      for (const [k, what] of [
        ['iceAhead', 'ICE connected'],
        ['dtlsAhead', 'DTLS connected'],
      ] as const) {
        const xs = of(k);
        if (xs.length === 0) continue;
        figures.push({
          id: `media.ttff.${k === 'iceAhead' ? 'ice' : 'dtls'}.ahead.p50`,
          unit: 'ms',
          value: round(percentile(xs, 50)),
          label: `Time to first frame, breakdown: ${what}, p50 (the console's connection made while the session waited, from its offer, before the click)`,
          note: `${xs.length} of ${loupe.length} runs had the console's connection made before the click`,
        });
      }
      return figures;
    } finally {
      janus?.close();
      await scene.stop();
    }
  },
};

export default benchmark;
