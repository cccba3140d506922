// Issue 22 — capacity with two Janus servers against one, the same CPU budget
// per server: how many live sessions hold ≥ 90 % of the source frame rate
// through one Janus, then through a pool of two (JANUS_URLS), in the same run.
//
// On a 2-core machine an unconstrained Janus is not the limit: the simulated
// phones (werift, one JavaScript thread in this process) drop packets first,
// at ~80 sessions (media-capacity). So each Janus gets a CPU budget of its own,
// a CFS quota of QUOTA_PERCENT of one core (lib/cpu-quota.ts), as a small
// machine of its own would: Janus becomes the limit at a session count the
// simulator carries easily, and the pool's second server brings its own
// budget, as a second machine would. What is measured is whether Loupe spreads
// sessions so that two servers carry twice what one does (fewest live
// sessions first, src/media/janus-pool.ts), not Janus's speed.
import { startLoupe } from '../../e2e/loupe-process.ts';
import { janusUrls, type OwnJanus, startOwnJanus } from '../../e2e/media/own-janus.ts';
import type { Benchmark, BenchOptions, Figure } from '../types.ts';
import { type CpuQuota, limitCpu } from './lib/cpu-quota.ts';
import { ADMIN, deliveredOver, openSessions, recordSource, seedTechnicians } from './lib/ramp.ts';
import { type Recording, Replay, type SimSession } from './lib/sim.ts';
import { round, sleep } from './lib/util.ts';

/** Each Janus's budget, % of one core: one Janus then holds ~16 sessions, which the simulator carries several times over. */
const QUOTA_PERCENT = 8;
const RTP = [
  { min: 42000, max: 42499 },
  { min: 42500, max: 42999 },
];
const ALL_RTP = { min: RTP[0]!.min, max: RTP[1]!.max };

type Step = { n: number; opened: number; ratio: number; lossPercent: number; janusCpu: number[]; simCpu: number };
type Ramp = { capacity: number; steps: Step[]; rooms: number[]; stoppedBy: string };

const describeStep = (s: Step) =>
  `N=${s.n}: ${s.opened} live, ${Math.round(s.ratio * 100)}% of source fps, ${round(s.lossPercent, 2)}% of video packets lost, CPU Janus ${s.janusCpu.map((c) => `${round(c)}%`).join(' + ')}, simulator ${round(s.simCpu)}%`;

/** Live rooms on each server, from its admin API: how the pool spread the sessions. */
async function roomsOn(servers: OwnJanus[]): Promise<number[]> {
  return Promise.all(
    servers.map(async (s) => new Set((await s.admin.handles()).map((h) => h.room).filter((r) => r !== undefined)).size),
  );
}

/** A Loupe whose JANUS_URLS are `servers`; sessions opened in `steps` until the frame rate drops below 90 %. */
async function ramp(
  servers: OwnJanus[],
  opts: { steps: number[]; windowMs: number; deadline: number; recording?: Recording; quick: boolean },
  log: (line: string) => void,
): Promise<Ramp & { recording: Recording }> {
  const loupe = await startLoupe({
    LOUPE_ADMIN_EMAIL: ADMIN.email,
    LOUPE_ADMIN_PASSWORD: ADMIN.password,
    JANUS_URLS: janusUrls(servers),
  });
  const sessions: SimSession[] = [];
  let replay: Replay | undefined;
  try {
    await loupe.waitForLog((l) => l.msg === 'listening', 60_000);
    await loupe.waitForLog((l) => l.msg === 'connected to Janus', 30_000);
    const cookies = await seedTechnicians(loupe.url, 1);
    const recording = opts.recording ?? (await recordSource(loupe.url, opts.quick));
    replay = new Replay(recording);
    replay.start();
    await sleep(1_000);
    const label = `${servers.length} Janus`;
    const steps: Step[] = [];
    let stoppedBy = 'the last step';
    for (const n of opts.steps) {
      if (Date.now() > opts.deadline) {
        stoppedBy = 'the time bound';
        break;
      }
      const failures: string[] = [];
      await openSessions(loupe.url, cookies, replay, sessions, failures, n);
      const d = await deliveredOver(sessions, opts.windowMs, [...servers.map((s) => s.pid), process.pid], ALL_RTP);
      const step = {
        n,
        opened: sessions.length,
        ratio: d.meanFps / recording.fps,
        lossPercent: d.lossPercent,
        janusCpu: d.cpu.slice(0, servers.length),
        simCpu: d.cpu.at(-1)!,
      };
      steps.push(step);
      log(`pool-capacity: ${label}: ${describeStep(step)}${failures.length ? `; failed: ${failures[0]}` : ''}`);
      if (step.ratio < 0.9 || step.opened < n) {
        stoppedBy = `N=${n}`;
        break;
      }
    }
    const rooms = await roomsOn(servers);
    const capacity = steps.filter((s) => s.ratio >= 0.9 && s.opened === s.n).at(-1)?.n ?? 0;
    return { capacity, steps, rooms, stoppedBy, recording };
  } finally {
    replay?.stop();
    await Promise.allSettled(sessions.map((s) => s.close(loupe.url)));
    await loupe.stop();
  }
}

const benchmark: Benchmark = {
  name: 'media-pool-capacity',
  netns: true,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    if (!process.env.LOUPE_TEST_NETNS) throw new Error('Run inside scripts/netns.sh');
    const steps = quick ? [1, 2] : [4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 36, 40, 44, 48];
    const windowMs = quick ? 2_000 : 4_000;
    const start = Date.now();
    const servers: OwnJanus[] = [];
    const quotas: CpuQuota[] = [];
    try {
      for (const [i, rtpPorts] of RTP.entries()) {
        const janus = await startOwnJanus({ rtpPorts });
        servers.push(janus);
        quotas.push(limitCpu(janus.pid, QUOTA_PERCENT, `janus${i + 1}`));
      }
      const one = await ramp(
        servers.slice(0, 1),
        { steps, windowMs, deadline: start + (quick ? 40_000 : 180_000), quick },
        log,
      );
      // Two start where one stopped: every step opens all its sessions anyway, the lower ones would only cost time.
      const from = steps.filter((n) => n >= one.capacity);
      const two = await ramp(
        servers,
        { steps: from, windowMs, deadline: Date.now() + (quick ? 40_000 : 240_000), recording: one.recording, quick },
        log,
      );
      const ratio = one.capacity > 0 ? two.capacity / one.capacity : 0;
      const note = [
        `Each Janus limited to ${QUOTA_PERCENT} % of one core (CFS quota), the load generated in this process on the rest of the 2 cores.`,
        `One Janus: ${one.steps.map(describeStep).join('; ')} (stopped by ${one.stoppedBy}).`,
        `Two Janus: ${two.steps.map(describeStep).join('; ')} (stopped by ${two.stoppedBy}); live rooms per server at the end (N=${two.steps.at(-1)?.opened ?? 0}): ${two.rooms.join(' and ')}.`,
        `Source: VP8 ${round(one.recording.fps)} fps, ${Math.round(one.recording.kbps)} kbit/s + Opus; per session one publisher and one subscriber (lib/sim.ts).`,
        quick ? 'Quick mode: N only up to 2, the target is not tested.' : '',
      ].join(' ');
      return [
        {
          id: 'media.pool.capacity.one',
          label: `Live sessions with ≥ 90% of the source frame rate, one Janus at ${QUOTA_PERCENT} % of a core`,
          value: one.capacity,
          unit: 'sessions',
        },
        {
          id: 'media.pool.capacity.two',
          label: `Live sessions with ≥ 90% of the source frame rate, a pool of two Janus at ${QUOTA_PERCENT} % of a core each`,
          value: two.capacity,
          unit: 'sessions',
          reference: { label: 'one Janus, the same budget', value: one.capacity },
          target: '≥ 1.8× one',
          met: quick ? undefined : ratio >= 1.8,
          note,
        },
      ];
    } finally {
      for (const q of quotas) q.release();
      for (const s of servers) await s.stop();
    }
  },
};

export default benchmark;
