// Issue 7, benchmark 4 — capacity: N concurrent live sessions through Loupe and
// its Janus, each a simulated phone publishing a real VP8 + Opus stream and a
// simulated technician subscribing (lib/sim.ts, werift in this process), N
// increased in steps until the frame rate the technicians receive drops below
// 90% of the source's. At each step: CPU (from /proc/<pid>/stat) and resident
// memory of Loupe, of Janus (the supervisor's child, found by its config folder)
// and of the simulator itself, so a limit can be put where it is.
import type { Benchmark, BenchOptions, Figure } from '../types.ts';
import { startLoupe } from '../../e2e/loupe-process.ts';
import { ADMIN, deliveredOver, openSessions, PER_TECHNICIAN, recordSource, seedTechnicians } from './lib/ramp.ts';
import { Replay, type SimSession } from './lib/sim.ts';
import { findPid, round, rssMb, sleep } from './lib/util.ts';

const RTP_MIN = 41000,
  RTP_MAX = 41999;

type Step = {
  n: number;
  opened: number;
  meanFps: number;
  minFps: number;
  ratio: number;
  lossPercent: number;
  /** UDP datagrams the kernel dropped at full receive buffers during the window: Janus's sockets, the simulator's. */
  janusDrops: number;
  simDrops: number;
  janusCpu: number;
  loupeCpu: number;
  simCpu: number;
  janusRss: number;
  loupeRss: number;
  problems: string[];
};

const benchmark: Benchmark = {
  name: 'media-capacity',
  netns: true,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    if (!process.env.LOUPE_TEST_NETNS) throw new Error('Run inside scripts/netns.sh');
    const deadline = Date.now() + (quick ? 42_000 : 7 * 60_000);
    const steps = quick ? [1, 2, 4] : [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 140, 160, 180, 200];
    const windowMs = quick ? 3_000 : 6_000;
    const loupe = await startLoupe({
      LOUPE_ADMIN_EMAIL: ADMIN.email,
      LOUPE_ADMIN_PASSWORD: ADMIN.password,
      LOUPE_ICE_INTERFACE: process.env.LOUPE_TEST_NETNS,
      LOUPE_RTP_PORTS: `${RTP_MIN}-${RTP_MAX}`,
    });
    const sessions: SimSession[] = [];
    let replay: Replay | undefined;
    const techCookies: string[] = [];
    try {
      await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
      await loupe.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
      techCookies.push(...(await seedTechnicians(loupe.url, Math.ceil(steps.at(-1)! / PER_TECHNICIAN))));

      const janusPid = findPid(`${loupe.dataDir}/janus/config`);
      const loupePid = loupe.proc.pid;
      const recording = await recordSource(loupe.url, quick);
      log(
        `capacity: source recorded from Chromium (busy 640×480 test video): ${recording.videoFrames} frames in ${round(recording.durationMs)} ms (${round(recording.fps)} fps, ${Math.round(recording.kbps)} kbit/s video), ${recording.audio.length} audio packets`,
      );
      replay = new Replay(recording);
      replay.start();
      await sleep(1_000);
      const janusRss0 = rssMb(janusPid);
      const loupeRss0 = rssMb(loupePid);

      const results: Step[] = [];
      for (const n of steps) {
        if (results.length > 0 && Date.now() > deadline - (quick ? 8_000 : 40_000)) {
          log(`capacity: time bound reached before N = ${n}`);
          break;
        }
        const failures: string[] = [];
        await openSessions(loupe.url, techCookies, replay, sessions, failures, n);
        const d = await deliveredOver(sessions, windowMs, [janusPid, loupePid, process.pid], {
          min: RTP_MIN,
          max: RTP_MAX,
        });
        const [janusCpu, loupeCpu, simCpu] = d.cpu as [number, number, number];
        const step: Step = {
          n,
          opened: sessions.length,
          meanFps: d.meanFps,
          minFps: d.minFps,
          ratio: d.meanFps / recording.fps,
          lossPercent: d.lossPercent,
          janusDrops: d.drops.inRange,
          simDrops: d.drops.outside,
          janusCpu,
          loupeCpu,
          simCpu,
          janusRss: rssMb(janusPid),
          loupeRss: rssMb(loupePid),
          problems: [...failures, ...sessions.flatMap((s) => s.problems)].slice(0, 5),
        };
        results.push(step);
        log(
          `capacity: N=${n}: ${step.opened} live, delivered ${round(d.meanFps)} fps mean (min ${round(step.minFps)}) of ${round(recording.fps)} = ${Math.round(step.ratio * 100)}%, video packets lost ${round(d.lossPercent, 2)}%, UDP drops at full socket buffers: Janus ${step.janusDrops}, simulator ${step.simDrops}; CPU % of a core: Janus ${round(janusCpu)}, Loupe ${round(loupeCpu)}, simulator ${round(simCpu)}; RSS MB: Janus ${round(step.janusRss)}, Loupe ${round(step.loupeRss)}${step.problems.length ? `; problems: ${step.problems.join(' | ')}` : ''}`,
        );
        if (step.ratio < 0.9 || step.opened < n) break;
      }
      const passed = results.filter((r) => r.ratio >= 0.9 && r.opened === r.n);
      const best = passed.at(-1);
      const failed = results.find((r) => !passed.includes(r));
      const at = best ?? results.at(-1)!;
      const janusMb = (at.janusRss - janusRss0) / at.opened;
      const loupeMb = (at.loupeRss - loupeRss0) / at.opened;
      const table = results
        .map(
          (r) =>
            `N=${r.n}: ${Math.round(r.ratio * 100)}% of source fps (min ${round(r.minFps)} fps), ${round(r.lossPercent, 2)}% lost, UDP drops Janus ${r.janusDrops} / simulator ${r.simDrops}, CPU Janus ${round(r.janusCpu)}% / Loupe ${round(r.loupeCpu)}% / simulator ${round(r.simCpu)}%, RSS Janus ${round(r.janusRss)} MB`,
        )
        .join('; ');
      const where = (r: Step) =>
        r.simDrops > r.janusDrops * 2
          ? 'the simulator’s sockets (werift’s one JavaScript thread not reading fast enough): the limit is the simulator, not Janus'
          : r.janusDrops > r.simDrops * 2
            ? 'Janus’s sockets: Janus is the limit'
            : 'both sides’ sockets';
      const limit =
        failed && failed.opened < failed.n
          ? ` Stopped at N=${failed.n}: only ${failed.opened} of ${failed.n} sessions opened (${failed.problems.length} problem(s), first: ${failed.problems[0]?.slice(0, 160) ?? 'none'}); those delivered ${Math.round(failed.ratio * 100)}% of the source frame rate, ${round(failed.lossPercent, 1)}% of video packets lost.`
          : failed
            ? ` Stopped at N=${failed.n}: ${Math.round(failed.ratio * 100)}% of source fps, ${round(failed.lossPercent, 1)}% of video packets lost; datagrams dropped at full receive buffers: ${failed.janusDrops} on Janus’s sockets, ${failed.simDrops} on the simulator’s — so the loss is at ${where(failed)} (CPU % of a core: Janus ${round(failed.janusCpu)}, Loupe ${round(failed.loupeCpu)}, simulator ${round(failed.simCpu)}; 2 cores shared with other work).`
            : results.length < steps.length
              ? ' Stopped by the time bound, not by a drop in frame rate.'
              : '';
      const source = `Source: VP8 ${round(recording.fps)} fps, ${Math.round(recording.kbps)} kbit/s + Opus, per session one publisher (phone: video + audio) and one subscriber (technician: video + audio); the technician publishes no microphone. Delivered = frames (RTP marker bits) the technician side received over a ${windowMs / 1000} s window, vs the replayed source's rate.`;
      const n = best?.n ?? 0;
      return [
        {
          id: 'media.capacity.sessions',
          label: 'Concurrent live sessions with ≥ 90% of the source frame rate delivered',
          value: n,
          unit: 'sessions',
          target: '≥ 50',
          met: quick ? undefined : n >= 50,
          note: `${quick ? 'Quick mode: N only up to 4, the target is not tested. ' : ''}${table}.${limit} ${source}`,
        },
        {
          id: 'media.capacity.janus-mb-per-session',
          label: `Janus memory per session (RSS delta / N at N=${at.opened})`,
          value: round(janusMb, 2),
          unit: 'MB',
          reference: { label: 'Janus RSS with no session', value: round(janusRss0) },
          target: '≤ 2.5 MB',
          met: janusMb <= 2.5,
        },
        {
          id: 'media.capacity.janus-cpu-per-session',
          label: `Janus CPU per session at N=${at.opened}`,
          value: round(at.janusCpu / at.opened, 2),
          unit: '% of a core',
        },
        {
          id: 'media.capacity.loupe-cpu-per-session',
          label: `Loupe CPU per session at N=${at.opened}`,
          value: round(at.loupeCpu / at.opened, 2),
          unit: '% of a core',
        },
        {
          id: 'media.capacity.loupe-mb-per-session',
          label: `Loupe memory per session (RSS delta / N at N=${at.opened})`,
          value: round(loupeMb, 2),
          unit: 'MB',
          reference: { label: 'Loupe RSS with no session', value: round(loupeRss0) },
        },
      ];
    } finally {
      replay?.stop();
      await Promise.allSettled(sessions.map((s) => s.close(loupe.url)));
      await loupe.stop();
    }
  },
};

export default benchmark;
