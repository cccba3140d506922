// Test helpers for recordings: a stored, ready recording (a small file under
// the data directory and its row), for route tests, the authorization matrix
// and the cache-control scenario; and real media made with ffmpeg.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { recordings } from '../db/schema.ts';
import { hashFile } from './recording-convert.ts';
import { playableFile, rawFolder } from './recording-rows.ts';
import { runTool } from './recording-tools.ts';

/** Bytes that start as a WebM (EBML magic) and differ at every offset, so a range's bytes can be checked. */
export function webmLikeBytes(size = 4_000): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  bytes.set([0x1a, 0x45, 0xdf, 0xa3]);
  for (let i = 4; i < size; i++) bytes[i] = (i * 7) % 251;
  return bytes;
}

/** A ready recording of `sessionId`: the file at its place under the data directory, and its row. */
export async function storeReadyRecording(
  deps: { db: Db; config: Pick<Config, 'dataDir'> },
  sessionId: string,
  bytes: Uint8Array = webmLikeBytes(),
): Promise<{ id: string; bytes: Uint8Array }> {
  const file = join(deps.config.dataDir, playableFile(sessionId));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, bytes);
  const { sha256 } = await hashFile(file);
  const now = new Date();
  const [row] = await deps.db
    .insert(recordings)
    .values({
      sessionId,
      status: 'ready',
      startedAt: now,
      endedAt: now,
      rawDir: rawFolder(sessionId),
      file: playableFile(sessionId),
      durationMs: 3_000,
      bytes: bytes.length,
      sha256,
      convertedAt: now,
    })
    .returning({ id: recordings.id });
  return { id: row!.id, bytes };
}

const LIMIT = { timeoutMs: 60_000, nice: false };

/** `seconds` of VP8 test picture in WebM (what janus-pp-rec makes of a phone's video). */
export async function testVideo(out: string, seconds: number): Promise<void> {
  await runTool(
    [
      'ffmpeg',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=160x120:rate=15:duration=${seconds}`,
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-b:v',
      '200k',
      out,
    ],
    LIMIT,
  );
}

/** `seconds` of a sine tone in Ogg Opus (what janus-pp-rec makes of a voice). */
export async function testTone(out: string, seconds: number, hz: number): Promise<void> {
  await runTool(
    [
      'ffmpeg',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${hz}:duration=${seconds}:sample_rate=48000`,
      '-c:a',
      'libopus',
      '-b:a',
      '32k',
      out,
    ],
    LIMIT,
  );
}

/** The streams of a media file as ffprobe sees them: codec names and the duration in seconds. */
export async function probe(file: string): Promise<{ codecs: string[]; seconds: number }> {
  const out = await runTool(
    ['ffprobe', '-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file],
    LIMIT,
  );
  const info = JSON.parse(out) as { format: { duration: string }; streams: { codec_name: string }[] };
  return { codecs: info.streams.map((s) => s.codec_name).sort(), seconds: Number(info.format.duration) };
}
