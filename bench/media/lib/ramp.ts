// What the capacity benchmarks share (capacity.ts, pool-capacity.ts): the
// source stream recorded once from Chromium, technicians seeded through
// Loupe's API (one per 100 live sessions, a group's limit), simulated
// sessions opened a few at a time, and the frame rate and loss they receive
// over a window.
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../../../e2e/loupe-process.ts';
import { busyY4m } from './frames.ts';
import { benchInstrument } from './page.ts';
import { type Recording, recordFromChromium, type Replay, SimSession } from './sim.ts';
import { CpuMeter, sleep, udpDrops } from './util.ts';

/** The scene's administrator (e2e/media/scene.ts). */
export const ADMIN = { email: 'admin@example.test', password: 'admin password 123' };
/** A group allows a technician at most 100 live sessions: one technician per 100. */
export const PER_TECHNICIAN = 100;
const tech = (i: number) => ({
  email: `capacity${i}@example.test`,
  password: 'capacity password 123',
  name: `Capacity Technician ${i}`,
});

/** What Chromium's fake camera (a busy 640×480 video) and microphone send, through Loupe's encodings. */
export async function recordSource(url: string, quick: boolean): Promise<Recording> {
  const browser = await chromium.launch({
    ...CHROMIUM,
    args: [
      ...CHROMIUM.args,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${busyY4m()}`,
    ],
  });
  try {
    const context = await browser.newContext();
    await context.grantPermissions(['camera', 'microphone'], { origin: url });
    await context.addInitScript(benchInstrument);
    const page = await context.newPage();
    await page.goto(`${url}/lens-offline.html`);
    return await recordFromChromium(page, quick ? 2_000 : 6_000);
  } finally {
    await browser.close();
  }
}

/** Signs the administrator in, makes a group that may hold 100 live sessions and `count` technicians: their cookies. */
export async function seedTechnicians(url: string, count: number): Promise<string[]> {
  const post = async (path: string, body: unknown, cookie?: string) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie && { cookie }) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const cookieOf = (res: Response) => res.headers.getSetCookie()[0]!.split(';')[0]!;
  const admin = cookieOf(await post('/api/auth/login', ADMIN));
  const group = (await (
    await post(
      '/api/groups',
      {
        name: 'Capacity',
        rights: ['start_lens_sessions', 'start_private_sessions', 'use_link_method'],
        settings: { maxLiveLensSessions: 100 },
      },
      admin,
    )
  ).json()) as { id: string };
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    await post('/api/technicians', { ...tech(i), groupId: group.id }, admin);
    cookies.push(cookieOf(await post('/api/auth/login', { email: tech(i).email, password: tech(i).password })));
  }
  return cookies;
}

/** Opens sessions, 4 at a time, until `sessions` and `failures` hold `n` between them; then waits (≤ 20 s) for every one's first frame. */
export async function openSessions(
  url: string,
  cookies: string[],
  replay: Replay,
  sessions: SimSession[],
  failures: string[],
  n: number,
): Promise<void> {
  while (sessions.length + failures.length < n) {
    const batch = Math.min(4, n - sessions.length - failures.length);
    const opened = await Promise.allSettled(
      Array.from({ length: batch }, (_, i) => {
        const index = sessions.length + failures.length + i;
        return SimSession.open(url, cookies[Math.floor(index / PER_TECHNICIAN)]!, replay, `Capacity ${index + 1}`);
      }),
    );
    for (const o of opened) {
      if (o.status === 'fulfilled') sessions.push(o.value);
      else failures.push(String(o.reason).slice(0, 200));
    }
  }
  const until = Date.now() + 20_000;
  while (sessions.some((s) => s.frames === 0) && Date.now() < until) await sleep(100);
}

export type Delivered = {
  meanFps: number;
  minFps: number;
  lossPercent: number;
  /** CPU of each watched process over the window, % of one core. */
  cpu: number[];
  /** UDP datagrams dropped at full receive buffers during the window: on RTP ports in the range, elsewhere. */
  drops: { inRange: number; outside: number };
};

/** Frames and video packets lost over `windowMs` (after 1.5 s to settle), with the CPU of `pids` and the UDP drops meanwhile. */
export async function deliveredOver(
  sessions: SimSession[],
  windowMs: number,
  pids: number[],
  rtp: { min: number; max: number },
): Promise<Delivered> {
  await sleep(1_500);
  const before = sessions.map((s) => s.frames);
  const packets0 = sessions.reduce((n, s) => n + s.packets, 0);
  const expected0 = sessions.reduce((n, s) => n + s.expected, 0);
  const meters = pids.map((pid) => new CpuMeter(pid));
  const drops0 = udpDrops(rtp.min, rtp.max);
  const t0 = performance.now();
  await sleep(windowMs);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = meters.map((m) => m.percent());
  const drops1 = udpDrops(rtp.min, rtp.max);
  const fps = sessions.map((s, i) => (s.frames - before[i]!) / seconds);
  const meanFps = fps.reduce((a, b) => a + b, 0) / Math.max(1, fps.length);
  const received = sessions.reduce((n, s) => n + s.packets, 0) - packets0;
  const expected = sessions.reduce((n, s) => n + s.expected, 0) - expected0;
  return {
    meanFps,
    minFps: Math.min(...fps),
    lossPercent: expected > 0 ? Math.max(0, 100 * (1 - received / expected)) : 0,
    cpu,
    drops: { inRange: drops1.inRange - drops0.inRange, outside: drops1.outside - drops0.outside },
  };
}
