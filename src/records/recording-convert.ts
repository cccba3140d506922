// One recording's conversion: Janus's raw .mjr files (one per publisher and
// medium, named by side: customer-<ms>-video-1.mjr) become one playable WebM,
// the phone's video with both voices mixed (docs/records.md, "Recording").
// janus-pp-rec turns each .mjr into WebM or Opus; ffmpeg lines the tracks up
// by when each one's first packet was written (the .mjr header), copies the
// VP8 picture as it is and mixes the voices into one Opus track.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMjrHeader, runTool, ToolFailed, type MjrHeader } from './recording-tools.ts';

export type Track = { file: string; side: 'customer' | 'technician' | 'unknown'; header: MjrHeader };
export type Converted = { durationMs: number; bytes: number; sha256: string };
export type ConvertOptions = { timeoutMs: number; signal?: AbortSignal };

const NAMED = /^(customer|technician)-\d+-(audio|video)-\d+\.mjr$/;

/** The raw folder's tracks, oldest first. */
export async function rawTracks(rawDir: string): Promise<Track[]> {
  const names = (await readdir(rawDir)).filter((n) => n.endsWith('.mjr')).sort();
  const tracks: Track[] = [];
  for (const name of names) {
    const side = (NAMED.exec(name)?.[1] ?? 'unknown') as Track['side'];
    tracks.push({ file: join(rawDir, name), side, header: await readMjrHeader(join(rawDir, name)) });
  }
  return tracks.sort((a, b) => a.header.firstPacketUs - b.header.firstPacketUs);
}

/** What goes into the WebM: the phone's picture (each time it published) and every voice. */
export type MuxPlan = {
  video: { file: string; vp8: boolean; offsetMs: number }[];
  audio: { file: string; offsetMs: number }[];
};

/** ffmpeg's arguments for a plan (without `nice`), writing `out`. `concatList`: where a multi-part video's list is. */
export function muxArgs(plan: MuxPlan, out: string, concatList: string): string[] {
  const args = ['ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  const first = plan.video[0];
  if (first) {
    args.push('-itsoffset', seconds(first.offsetMs));
    // The phone published more than once (a reload, a new network): its parts one after the other.
    if (plan.video.length > 1) args.push('-f', 'concat', '-safe', '0', '-i', concatList);
    else args.push('-i', first.file);
  }
  for (const a of plan.audio) args.push('-i', a.file);
  const base = first ? 1 : 0;
  if (plan.audio.length > 0) {
    const delayed = plan.audio.map((a, i) => `[${base + i}:a]adelay=${a.offsetMs}:all=1[a${i}]`);
    const labels = plan.audio.map((_, i) => `[a${i}]`).join('');
    const mix =
      plan.audio.length > 1
        ? `${labels}amix=inputs=${plan.audio.length}:duration=longest:dropout_transition=0:normalize=0[aout]`
        : `${labels}anull[aout]`;
    args.push('-filter_complex', [...delayed, mix].join(';'), '-map', '[aout]', '-c:a', 'libopus', '-b:a', '64k');
  }
  if (first) {
    args.push('-map', '0:v');
    // VP8 is copied as the phone sent it; H.264 (some iPhones) is re-encoded, WebM has no H.264.
    if (plan.video.every((v) => v.vp8)) args.push('-c:v', 'copy');
    else args.push('-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M');
  }
  args.push('-f', 'webm', out);
  return args;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * Converts the raw folder into `outFile` (written under a temporary name and
 * renamed when whole). Intermediate files go to `workDir`, removed at the end.
 * Throws ToolFailed (with the tool's stderr tail) when anything goes wrong.
 */
export async function convertRecording(
  rawDir: string,
  workDir: string,
  outFile: string,
  opts: ConvertOptions,
): Promise<Converted> {
  const tracks = await rawTracks(rawDir);
  if (!tracks.some((t) => t.header.type !== 'data'))
    throw new ToolFailed('Janus wrote no audio or video for this session');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  try {
    const base = tracks[0]!.header.firstPacketUs;
    const offset = (t: Track) => Math.max(0, Math.round((t.header.firstPacketUs - base) / 1000));
    const plan: MuxPlan = { video: [], audio: [] };
    for (const t of tracks) {
      if (t.header.type === 'data') continue;
      const vp8 = t.header.codec === 'vp8';
      if (t.header.type === 'video' && t.side === 'technician') continue; // the console publishes no camera
      const ext = t.header.type === 'audio' ? '.opus' : vp8 ? '.webm' : '.mkv';
      const out = join(
        workDir,
        t.file
          .split('/')
          .pop()!
          .replace(/\.mjr$/, ext),
      );
      await runTool(['janus-pp-rec', '--disable-colors', t.file, out], opts);
      // janus-pp-rec exits 0 for some broken files and writes nothing.
      if (!(await stat(out).catch(() => null))?.size)
        throw new ToolFailed(`janus-pp-rec made nothing of ${t.file.split('/').pop()}`);
      if (t.header.type === 'video') plan.video.push({ file: out, vp8, offsetMs: offset(t) });
      else plan.audio.push({ file: out, offsetMs: offset(t) });
    }
    const list = join(workDir, 'video-parts.txt');
    if (plan.video.length > 1)
      await writeFile(list, plan.video.map((v) => `file '${v.file.replaceAll("'", "'\\''")}'\n`).join(''));
    const partial = `${outFile}.part`;
    await runTool(muxArgs(plan, partial, list), opts);
    const durationMs = await probeDurationMs(partial, opts);
    const { bytes, sha256 } = await hashFile(partial);
    await rename(partial, outFile);
    return { durationMs, bytes, sha256 };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(`${outFile}.part`, { force: true });
  }
}

/** The file's duration as ffprobe reads it (the container's, else the longest stream's). */
export async function probeDurationMs(file: string, opts: ConvertOptions): Promise<number> {
  const out = await runTool(
    ['ffprobe', '-v', 'error', '-show_entries', 'format=duration:stream=duration', '-of', 'json', file],
    opts,
  );
  const info = JSON.parse(out) as { format?: { duration?: string }; streams?: { duration?: string }[] };
  const candidates = [info.format?.duration, ...(info.streams ?? []).map((s) => s.duration)]
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);
  if (candidates.length === 0) throw new ToolFailed('ffprobe found no duration in the converted file');
  return Math.round(Math.max(...candidates) * 1000);
}

/** Size and SHA-256, streamed (a recording is never held in memory). */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
