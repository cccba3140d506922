// Issue 20's benchmark: what recording costs. The same live session (the
// phone's fake camera and microphone, the console's microphone, through the
// bundled Janus inside the network namespace) twice, unrecorded and then
// recorded, each for the same time:
// - Janus's CPU (user + system, /proc/<pid>/stat) per session-minute, recorded
//   beside unrecorded;
// - disk per recorded session-minute: the raw .mjr files at the end of the
//   session, and the WebM they become;
// - the conversion's time (the end → `ready`) per minute of recording.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ADMINISTRATOR, signInByApi } from '../e2e/helpers.ts';
import { waitForMedia } from '../e2e/media/rtc-stats.ts';
import { customerJoins, type Scene, startScene } from '../e2e/media/scene.ts';
import { cpuSeconds, round, sleep } from './media/lib/util.ts';
import type { Benchmark, BenchOptions, Figure } from './types.ts';

const TECH = { email: 'bench-recording@example.test', password: 'bench password 123', name: 'Bench Recorder' };

type Recording = {
  id: string;
  status: string;
  durationSeconds: number | null;
  bytes: number | null;
  error: string | null;
};
type Measured = { minutes: number; janusCpu: number; rawBytes: number; recording?: Recording; convertSeconds?: number };

/** The Janus this Loupe started: its command line names the data folder. */
function janusPid(scene: Scene): number {
  const out = Bun.spawnSync(['pgrep', '-f', `${scene.loupe.dataDir}/janus/config`])
    .stdout.toString()
    .trim()
    .split('\n');
  if (out.length !== 1 || !out[0]) throw new Error(`expected one Janus process, found ${out.length}`);
  return Number(out[0]);
}

function folderBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

async function setRecording(scene: Scene, on: boolean): Promise<void> {
  const base = scene.loupe.url;
  const admin = await signInByApi(base, ADMINISTRATOR);
  const { groups } = (await (await fetch(`${base}/api/groups`, { headers: { cookie: admin } })).json()) as {
    groups: { id: string }[];
  };
  for (const g of groups) {
    const res = await fetch(`${base}/api/groups/${g.id}`, {
      method: 'PATCH',
      headers: { cookie: admin, 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ settings: { recordSessions: on } }),
    });
    if (!res.ok) throw new Error(`group settings: ${res.status} ${await res.text()}`);
  }
}

async function recordingOf(scene: Scene, sessionId: string): Promise<Recording | null> {
  const res = await scene.tech.request.get(`${scene.loupe.url}/api/sessions/${sessionId}/recording`);
  return ((await res.json()) as { recording: Recording | null }).recording;
}

/** One live session of `seconds`: Start, media flowing both ways, the end; with its recording's conversion if any. */
async function session(scene: Scene, name: string, seconds: number, log: (l: string) => void): Promise<Measured> {
  const { sessionId, phone } = await customerJoins(scene, name);
  await scene.tech.getByTestId('start-session').click();
  await waitForMedia(scene.tech, (m) => m.framesDecoded > 0 && m.audioPacketsReceived > 0, 30_000);
  await waitForMedia(phone, (m) => m.audioPacketsReceived > 0, 30_000);
  const pid = janusPid(scene);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const janusCpu = cpuSeconds(pid) - cpu0;
  const minutes = (performance.now() - t0) / 60_000;
  const rawBytes = folderBytes(join(scene.loupe.dataDir, 'recordings', sessionId, 'raw'));
  await scene.tech.getByTestId('end-session').click();
  await scene.tech.getByTestId('confirm-dialog').getByRole('button', { name: 'End session' }).click();
  const ended = performance.now();
  await phone.close();
  log(`recording: ${name}: Janus ${round(janusCpu, 2)} CPU-s over ${round(minutes * 60)} s, raw ${rawBytes} bytes`);
  if (rawBytes === 0) return { minutes, janusCpu, rawBytes };
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const recording = await recordingOf(scene, sessionId);
    if (recording?.status === 'ready' || recording?.status === 'failed') {
      if (recording.status === 'failed') throw new Error(`the recording failed: ${recording.error}`);
      return { minutes, janusCpu, rawBytes, recording, convertSeconds: (performance.now() - ended) / 1000 };
    }
    await sleep(100);
  }
  throw new Error('the recording was not ready within 120 s of the end');
}

const benchmark: Benchmark = {
  name: 'recording',
  netns: true,
  hardTimeoutMs: 420_000,
  async run({ quick, log }: BenchOptions): Promise<Figure[]> {
    const seconds = quick ? 30 : 60;
    const scene = await startScene({ rtpPorts: '41000-41099', technician: TECH });
    try {
      const plain = await session(scene, 'Unrecorded', seconds, log);
      await setRecording(scene, true);
      const rec = await session(scene, 'Recorded', seconds, log);
      const perMin = (n: number, m: Measured) => n / m.minutes;
      const recMinutes = (rec.recording?.durationSeconds ?? 0) / 60;
      return [
        {
          id: 'recording.janus_cpu',
          label: 'Janus CPU per recorded session-minute',
          value: round(perMin(rec.janusCpu, rec), 2),
          unit: 'CPU-s/min',
          reference: { label: 'the same session unrecorded', value: round(perMin(plain.janusCpu, plain), 2) },
          note: `${seconds} s sessions, one live at a time`,
        },
        {
          id: 'recording.raw_disk',
          label: 'Raw .mjr files per recorded session-minute',
          value: round(perMin(rec.rawBytes, rec) / 1_048_576, 2),
          unit: 'MB/min',
          reference: { label: 'unrecorded', value: 0 },
        },
        {
          id: 'recording.webm_disk',
          label: 'Playable WebM per recorded minute',
          value: round((rec.recording?.bytes ?? 0) / 1_048_576 / Math.max(recMinutes, 1e-9), 2),
          unit: 'MB/min',
          note: `${rec.recording?.durationSeconds} s recorded`,
        },
        {
          id: 'recording.convert',
          label: 'Conversion time (end → ready) per minute of recording',
          value: round((rec.convertSeconds ?? 0) / Math.max(recMinutes, 1e-9), 2),
          unit: 's/min',
          note: `${round(rec.convertSeconds ?? 0, 2)} s for ${rec.recording?.durationSeconds} s, nice'd, one at a time`,
        },
      ];
    } finally {
      await scene.stop();
    }
  },
};

export default benchmark;
