// Issue 22 — time to first frame on a poor phone link: 100 ms RTT (50 ms one
// way each direction) and 1 % loss each way on the phone's media, through the
// test suite's impairment relay (e2e/media/impair/phone-link.ts: the phone
// context's WebRTC, and only its, passes the relay; no rate limit). Timed as
// bench/media/ttff.ts times it: the technician clicks Start on a waiting
// session → the first frame the console presents (requestVideoFrameCallback,
// bench/media/lib/page.ts), with the server's ack and the console's
// "phone publishes" (media.peer) on the way.
// Reference, interleaved in the same run and under the same impairment: a cold
// publish-then-subscribe straight against the same Janus (bench/media/lib/janus.ts),
// its publisher page in the phone's (relayed) context, its subscriber in the
// console's, from "create room" to the subscriber's first presented frame.
// Only UDP is impaired: the pages' signalling (Loupe's WebSocket, the raw
// client's Janus API) is on loopback TCP for both sides alike.
import type { Page } from 'playwright-core';
import { type PhoneLink, routePhoneThroughRelay } from '../e2e/media/impair/phone-link.ts';
import { customerJoins, type Scene, startScene } from '../e2e/media/scene.ts';
import { RawJanus, relay } from './media/lib/janus.ts';
import { benchInstrument, clickStartToFirstFrame, inFront, inPage } from './media/lib/page.ts';
import { percentile, round } from './media/lib/util.ts';
import type { Benchmark, BenchOptions, Figure } from './types.ts';

const TECH = { email: 'bench@example.test', password: 'bench password 123', name: 'Bench Technician' };
const RTT_MS = 100;
const LOSS = 0.01;
/** The issue's target: p50 ≤ 1.5 × RTT + 60 ms. */
const TARGET_MS = 1.5 * RTT_MS + 60;

type LoupeRun = { ack: number; publisherUp: number; firstFrame: number };

async function loupeRun(scene: Scene, link: PhoneLink, i: number): Promise<LoupeRun> {
  const { sessionId, phone } = await customerJoins(scene, `Impaired ${i}`);
  const tech = scene.tech;
  try {
    await tech.getByTestId('start-session').waitFor({ timeout: 10_000 });
    // The phone's page opened last and is in front: the console back in front, as the technician's screen.
    await inFront(tech);
    await tech.waitForTimeout(300);
    const t0 = await clickStartToFirstFrame(tech, false);
    const marks = await inPage(tech, (b) => b.marks, null);
    const first = (ev: string, detail?: string) => {
      const m = marks.find((x) => x.ev === ev && (detail === undefined || x.detail === detail));
      return m ? m.t - t0 : NaN;
    };
    if (link.totals().up === 0) throw new Error("the phone's media did not pass the relay");
    return {
      ack: first('start:response'),
      publisherUp: first('ws:media.peer', 'customer:publishing'),
      firstFrame: first('frame:remote-video'),
    };
  } finally {
    await tech.request.post(`${scene.loupe.url}/api/sessions/${sessionId}/end`).catch(() => {});
    await tech
      .getByTestId('live-view')
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => {});
    await phone.close();
    link.reset();
  }
}

async function referenceRun(janus: RawJanus, link: PhoneLink, pub: Page, sub: Page, i: number): Promise<number> {
  await inFront(sub);
  const before = link.totals().up;
  const r = await relay(janus, { page: pub, source: 'camera' }, sub, `ref${i}`);
  await r.stop();
  const passed = link.totals().up > before;
  link.reset();
  if (!passed) throw new Error("the reference publisher's media did not pass the relay");
  return r.timings.firstFrame;
}

const benchmark: Benchmark = {
  name: 'impaired-ttff',
  netns: true,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    const runs = quick ? 3 : 20;
    const deadline = Date.now() + (quick ? 40_000 : 6 * 60_000);
    // The phone's camera at 30 frames/s, as in media-ttff.
    const scene = await startScene({ rtpPorts: '40000-40299', technician: TECH, camera: 'fps=30' });
    let janus: RawJanus | undefined;
    let link: PhoneLink | undefined;
    try {
      link = await routePhoneThroughRelay(scene.phoneContext, {
        host: '198.18.0.1', // Janus's address in the namespace (e2e/media/turn-relay.test.ts says why)
        impairment: { delayMs: RTT_MS / 2, loss: LOSS },
        seed: 22,
        maxMs: 10 * 60_000,
      });
      await scene.tech.context().addInitScript(benchInstrument);
      await scene.phoneContext.addInitScript(benchInstrument);
      await scene.tech.reload();
      await scene.tech.waitForURL('**/console');
      janus = await RawJanus.connect(RawJanus.address(scene.loupe.dataDir));
      const refPub = await scene.phoneContext.newPage();
      await refPub.goto(`${scene.loupe.url}/lens-offline.html`);
      const refSub = await scene.tech.context().newPage();
      await refSub.goto(`${scene.loupe.url}/lens-offline.html`);

      // One of each first, not counted: a fresh browser and server warm codecs and JITs.
      log('impaired-ttff: warm-up');
      await loupeRun(scene, link, 0);
      await referenceRun(janus, link, refPub, refSub, 0);

      const loupe: LoupeRun[] = [];
      const clean: number[] = [];
      const reference: number[] = [];
      const impaired = { delayMs: RTT_MS / 2, loss: LOSS };
      const failures: string[] = [];
      // Bounded by the run count and the deadline; interleaved so both see the same machine load.
      for (let i = 1; loupe.length < runs && Date.now() < deadline && i <= 2 * runs; i++) {
        try {
          const r = await loupeRun(scene, link, i);
          loupe.push(r);
          log(
            `impaired-ttff: Loupe run ${i}: ack ${round(r.ack)}, media.peer ${round(r.publisherUp)}, first frame ${round(r.firstFrame)} ms`,
          );
        } catch (err) {
          failures.push(`Loupe run ${i}: ${String(err).slice(0, 200)}`);
          log(`impaired-ttff: Loupe run ${i} failed: ${String(err).slice(0, 300)}`);
        }
        // The same path with the relay clean (no delay, no loss): what the impairment itself costs Loupe.
        try {
          link.impair({ delayMs: 0, loss: 0 });
          const r = await loupeRun(scene, link, 1000 + i);
          clean.push(r.firstFrame);
          log(`impaired-ttff: clean-link Loupe run ${i}: first frame ${round(r.firstFrame)} ms`);
        } catch (err) {
          failures.push(`clean run ${i}: ${String(err).slice(0, 200)}`);
          log(`impaired-ttff: clean-link run ${i} failed: ${String(err).slice(0, 300)}`);
        } finally {
          link.impair(impaired);
        }
        try {
          const t = await referenceRun(janus, link, refPub, refSub, i);
          reference.push(t);
          log(`impaired-ttff: Janus reference ${i}: first frame ${round(t)} ms from "create room"`);
        } catch (err) {
          failures.push(`reference ${i}: ${String(err).slice(0, 200)}`);
          log(`impaired-ttff: reference ${i} failed: ${String(err).slice(0, 300)}`);
        }
      }
      if (loupe.length === 0 || reference.length === 0) throw new Error(`too few runs: ${failures.join('; ')}`);
      const frames = loupe.map((r) => r.firstFrame);
      const p50 = percentile(frames, 50);
      const rp50 = percentile(reference, 50);
      const p50Of = (k: keyof LoupeRun) =>
        round(
          percentile(
            loupe.map((r) => r[k]).filter((v) => !Number.isNaN(v)),
            50,
          ),
        );
      const cp50 = clean.length ? percentile(clean, 50) : NaN;
      const samples = `${loupe.length} Loupe runs, ${clean.length} on the clean relay, ${reference.length} reference runs${failures.length ? `, ${failures.length} failed (${failures.join('; ')})` : ''}`;
      const link100 = `${RTT_MS} ms RTT (${RTT_MS / 2} ms each way) and ${LOSS * 100} % loss each way on the phone's media (impairment relay, seeded), no rate limit`;
      return [
        {
          id: 'media.ttff.impaired.p50',
          label: `Time to first frame, ${RTT_MS} ms RTT and ${LOSS * 100} % loss on the phone's link (Start → first frame in the console), p50`,
          value: round(p50),
          unit: 'ms',
          reference: {
            label: 'cold publish-then-subscribe straight against Janus, same impairment, p50',
            value: round(rp50),
          },
          target: `≤ 1.5 × RTT + 60 ms (${TARGET_MS} ms)`,
          met: p50 <= TARGET_MS,
          note: `${samples}; ${link100}. p50 from the click, ms: server ack ${p50Of('ack')} → console told the phone publishes ${p50Of('publisherUp')} → first frame presented ${round(p50)}; max ${round(Math.max(...frames))}. The phone's connection to Janus is made while the session waits (media-ttff), so at Start the impaired link costs the media's one-way trip and the keyframe request's, not ICE and DTLS; the reference pays those too.`,
        },
        {
          id: 'media.ttff.impaired.cost.p50',
          label: 'Time to first frame: impaired p50 minus the same path with the relay clean (no delay, no loss), p50',
          value: round(p50 - cp50),
          unit: 'ms',
          reference: { label: 'Start → first frame with the relay clean, p50', value: round(cp50) },
          note: `what ${RTT_MS} ms RTT and ${LOSS * 100} % loss add to Loupe's Start; ${samples}`,
        },
        {
          id: 'media.ttff.impaired.over-reference.p50',
          label: 'Time to first frame on the impaired link, p50 minus the reference p50',
          value: round(p50 - rp50),
          unit: 'ms',
          note: `${p50 < rp50 ? "negative: Loupe's Start shows the picture sooner than a cold publish-then-subscribe under the same impairment" : 'what Loupe adds to a cold publish-then-subscribe under the same impairment'}. ${samples}`,
        },
      ];
    } finally {
      link?.close();
      janus?.close();
      await scene.stop();
    }
  },
};

export default benchmark;
