// Issue 7, benchmarks 2 and 3 — latency, with a frame-numbered camera
// (lib/frames.ts: a Y4M played by the phone's Chromium as its camera). In one
// run, the phone's camera goes three ways to the technician's page at the same
// time, so all three see the same frames and the same machine load:
//   - Loupe: the real live session (Start in the console; Lens → Janus → console),
//   - direct: an RTCPeerConnection between the same two pages (SDP passed by
//     this process), carrying the same camera track with the same encodings,
//   - raw Janus: the same track published straight into a VideoRoom room of the
//     same Janus and subscribed by the same console page (lib/janus.ts).
// Every path carries the phone's camera and microphone as one stream, as the Lens sends them.
// Each receiving <video> and the phone's local preview of the camera track read
// the frame number on every presented frame (requestVideoFrameCallback + canvas);
// latency of frame k = receiver's presentation time − the preview's, both as
// performance.timeOrigin + presentationTime on the same machine.
// Benchmark 2 is Loupe − direct, frame by frame on the receive times of the same
// frame in the same page (what Janus adds; raw Janus − direct beside it);
// benchmark 3 is the Loupe path itself, glass to glass
// (preview → technician's rendered frame), beside the raw Janus relay. The
// console page's jitter buffers are logged too: they, not the relay, decide
// how late a received frame is shown.
import { chromium } from 'playwright-core';
import type { Benchmark, BenchOptions, Figure } from '../types.ts';
import { CHROMIUM } from '../../e2e/loupe-process.ts';
import { recordPeerConnections } from '../../e2e/media/rtc-stats.ts';
import { customerJoins, PHONE_DEVICE, startScene } from '../../e2e/media/scene.ts';
import { FRAMES, frameNumberedY4m, latencies, paired, type Seen } from './lib/frames.ts';
import { RawJanus, relay } from './lib/janus.ts';
import { benchInstrument, inPage } from './lib/page.ts';
import { percentile, round, sleep } from './lib/util.ts';

const TECH = { email: 'latency@example.test', password: 'latency password 123', name: 'Latency Technician' };
const PATHS = { loupe: 'remote-video', direct: 'direct', raw: 'raw-sub' } as const;
type Path = keyof typeof PATHS;

const benchmark: Benchmark = {
  name: 'media-latency',
  netns: true,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    const measureMs = quick ? 8_000 : 120_000;
    const y4m = frameNumberedY4m();
    const scene = await startScene({ rtpPorts: '40300-40599', technician: TECH });
    const phoneBrowser = await chromium.launch({
      ...CHROMIUM,
      args: [
        ...CHROMIUM.args,
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${y4m}`,
      ],
    });
    let janus: RawJanus | undefined;
    try {
      const phoneContext = await phoneBrowser.newContext(PHONE_DEVICE);
      await phoneContext.grantPermissions(['camera', 'microphone'], { origin: scene.loupe.url });
      await phoneContext.addInitScript(recordPeerConnections);
      await phoneContext.addInitScript(benchInstrument);
      await scene.tech.context().addInitScript(benchInstrument);
      await scene.tech.reload();
      await scene.tech.waitForURL('**/console');
      const tech = scene.tech;

      // Loupe: a real session, started from the console.
      const { phone } = await customerJoins({ ...scene, phoneContext }, 'Latency');
      await tech.getByTestId('start-session').click();
      await tech.locator('[data-testid="live-view"][data-status="live"]').waitFor({ timeout: 20_000 });
      await phone.getByTestId('lens-live').waitFor({ timeout: 20_000 });
      // The phone's local preview of the camera track it publishes (the Lens shows none while live).
      await inPage(
        phone,
        async (b) => {
          b.show(new MediaStream((await b.source('preview')).getVideoTracks()), 'phone-preview');
        },
        null,
      );

      // Direct: the same track, page to page.
      const offer = await inPage(phone, (b) => b.offer('direct', 'preview'), null);
      const answer = await inPage(tech, (b, sdp) => b.answer('direct', sdp), offer);
      await inPage(phone, (b, sdp) => b.answered('direct', sdp), answer);

      // Raw Janus: the same track into a room of its own, the console page subscribes.
      janus = await RawJanus.connect(RawJanus.address(scene.loupe.dataDir));
      const raw = await relay(janus, { page: phone, source: 'preview' }, tech, 'raw');

      for (const label of Object.values(PATHS)) await inPage(tech, (b, l) => b.read(l, true), label);
      await inPage(phone, (b) => b.read('phone-preview', true), null);
      await sleep(quick ? 2_000 : 5_000);
      await inPage(phone, (b) => b.takeFrames('phone-preview'), null);
      for (const label of Object.values(PATHS)) await inPage(tech, (b, l) => b.takeFrames(l), label);
      log(`latency: measuring ${measureMs / 1000} s`);

      const sent: Seen[] = [];
      const got: Record<Path, Seen[]> = { loupe: [], direct: [], raw: [] };
      const end = Date.now() + measureMs;
      while (Date.now() < end) {
        await sleep(Math.min(2_000, end - Date.now()));
        sent.push(...(await inPage(phone, (b) => b.takeFrames('phone-preview'), null)));
        for (const [path, label] of Object.entries(PATHS) as [Path, string][])
          got[path].push(...(await inPage(tech, (b, l) => b.takeFrames(l), label)));
      }
      const buffered = describeBuffers(await inPage(tech, (b) => b.jitterBuffers(), null));
      log(`latency: ${buffered}`);
      await raw.stop();

      const lat = Object.fromEntries((Object.keys(PATHS) as Path[]).map((p) => [p, latencies(sent, got[p])])) as Record<
        Path,
        number[]
      >;
      const p50 = (p: Path) => percentile(lat[p], 50);
      const p95 = (p: Path) => percentile(lat[p], 95);
      const seconds = measureMs / 1000;
      const counts = `${seconds} s; frames read: preview ${sent.length}, Loupe ${got.loupe.length} (${lat.loupe.length} matched), direct ${got.direct.length} (${lat.direct.length}), raw Janus ${got.raw.length} (${lat.raw.length}) of ~${Math.round(seconds * 30)} sent`;
      const mean = (p: Path) => lat[p].reduce((a, b) => a + b, 0) / lat[p].length;
      const spread = (p: Path) => `p50 ${round(p50(p))}, mean ${round(mean(p))}, p95 ${round(p95(p))}`;
      log(`latency: Loupe ${spread('loupe')}; direct ${spread('direct')}; raw Janus ${spread('raw')} ms; ${counts}`);
      for (const p of Object.keys(PATHS) as Path[])
        if (lat[p].length < 10) throw new Error(`too few frames matched on the ${p} path: ${counts}`);
      // What the relay adds, frame by frame: receive time of frame k through Loupe + Janus (or raw Janus) minus through the
      // direct PeerConnection, in the same page. Receive times are not held to the compositor's 60 Hz ticks.
      const viaLoupe = paired(got.loupe, got.direct);
      const viaRaw = paired(got.raw, got.direct);
      const loupeVsRaw = paired(got.loupe, got.raw);
      if (viaLoupe.length < 10 || viaRaw.length < 10)
        throw new Error(`too few frames paired by receive time: ${viaLoupe.length}, ${viaRaw.length}`);
      const added = percentile(viaLoupe, 50);
      const rawAdded = percentile(viaRaw, 50);
      const pairs = `Per-frame receive-time differences (same frame, same console page): Loupe + Janus − direct p50 ${round(added)}, p95 ${round(percentile(viaLoupe, 95))} ms (${viaLoupe.length} frames); raw Janus − direct p50 ${round(rawAdded)}, p95 ${round(percentile(viaRaw, 95))} ms (${viaRaw.length}); Loupe + Janus − raw Janus p50 ${round(percentile(loupeVsRaw, 50))} ms (${loupeVsRaw.length}).`;
      log(`latency: ${pairs}`);
      const all = `Preview → rendered frame, ms: Loupe + Janus ${spread('loupe')}; direct PeerConnection ${spread('direct')}; raw Janus relay ${spread('raw')}. ${counts}. All three paths ran at once from the same camera track (loop of ${FRAMES} numbered frames, 320×240 at 30 fps, VP8). Presentation times follow the compositor's 60 Hz ticks, so single values move in ~16.7 ms steps; the mean difference (Loupe − direct ${round(mean('loupe') - mean('direct'))} ms, raw Janus − direct ${round(mean('raw') - mean('direct'))} ms) is the finer estimate. Loupe subscribes the console with playout delay 0 (LOUPE_VIDEO_PLAYOUT=immediate, the default), so the console shows each frame once decoded; the two references keep the browser's default jitter buffer, which grows with the delay variation it sees (three encoders share this machine's 2 cores) and holds video back to the voice. ${buffered}`;
      return [
        {
          id: 'media.latency.janus-added.p50',
          label:
            'Latency Janus adds through Loupe (per frame: receive time via Loupe + Janus − via a direct PeerConnection), p50',
          value: round(added),
          unit: 'ms',
          reference: { label: 'raw Janus relay − direct, p50', value: round(rawAdded) },
          target: '≤ 3 ms',
          met: added <= 3,
          note: `${pairs} ${all}`,
        },
        {
          id: 'media.latency.direct.p50',
          label: 'Preview → rendered frame over a direct PeerConnection between the same pages, p50',
          value: round(p50('direct')),
          unit: 'ms',
        },
        {
          id: 'media.g2g.p50',
          label: 'Glass to glass through Loupe and Janus (phone preview → console frame), p50',
          value: round(p50('loupe')),
          unit: 'ms',
          reference: { label: 'raw Janus relay, same run, p50', value: round(p50('raw')) },
          target: '≤ 40 ms',
          met: p50('loupe') <= 40,
          note: all,
        },
        {
          id: 'media.g2g.p95',
          label: 'Glass to glass through Loupe and Janus, p95',
          value: round(p95('loupe')),
          unit: 'ms',
          reference: { label: 'raw Janus relay, same run, p95', value: round(p95('raw')) },
        },
      ];
    } finally {
      janus?.close();
      await phoneBrowser.close();
      await scene.stop();
    }
  },
};

/** The console page's receivers, named by path: own PeerConnections are the references, the app's is Loupe's. */
function describeBuffers(rows: { own?: string; kind: string; ms: number }[]): string {
  const name = (own?: string) =>
    own === PATHS.direct ? 'direct' : own === PATHS.raw ? 'raw Janus' : own ? own : 'Loupe + Janus';
  const of = (kind: string) =>
    rows
      .filter((r) => r.kind === kind)
      .map((r) => `${name(r.own)} ${round(r.ms)}`)
      .join(', ');
  return `Mean jitter-buffer delay in the console page, ms per video frame: ${of('video')}; per audio sample: ${of('audio')}.`;
}

export default benchmark;
