// The conversion's steps with real tools: ffmpeg muxes what janus-pp-rec makes
// (a VP8 WebM per video part, an Ogg Opus per voice) into one WebM with the
// picture copied and the voices mixed, lined up by their offsets; a broken
// .mjr fails with janus-pp-rec's own words and leaves the raw file where it
// was. The whole path from Janus's real .mjr files is e2e/media/recording.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertRecording, muxArgs, type MuxPlan } from './recording-convert.ts';
import { probe, testTone, testVideo } from './recording-testing.ts';
import { readMjrHeader, runTool, ToolFailed } from './recording-tools.ts';

const hasTools = ['/usr/bin/ffmpeg', '/usr/bin/janus-pp-rec'].every(existsSync);
if (!hasTools)
  console.warn('recording-convert.test: ffmpeg or janus-pp-rec missing (apt-get install ffmpeg janus-tools)');
const LIMIT = { timeoutMs: 60_000 };
let dir: string;

/** A .mjr with Janus's header and `body` after it. */
function mjr(path: string, header: Record<string, unknown>, body = Buffer.alloc(0)) {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(2);
  len.writeUInt16BE(json.length);
  writeFileSync(path, Buffer.concat([Buffer.from('MJR00002'), len, json, body]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-recording-'));
  if (!hasTools) return;
  await testVideo(join(dir, 'phone.webm'), 3);
  await testTone(join(dir, 'phone.opus'), 3, 440);
  await testTone(join(dir, 'tech.opus'), 2, 660);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTools)('the mux', () => {
  test('the phone video copied, both voices mixed into one Opus track, lined up by their offsets', async () => {
    const plan: MuxPlan = {
      video: [{ file: join(dir, 'phone.webm'), vp8: true, offsetMs: 0 }],
      audio: [
        { file: join(dir, 'phone.opus'), offsetMs: 0 },
        // The technician's voice starts 1.5 s later: it ends at 3.5 s, after the picture.
        { file: join(dir, 'tech.opus'), offsetMs: 1_500 },
      ],
    };
    const out = join(dir, 'mixed.webm');
    const args = muxArgs(plan, out, join(dir, 'list.txt'));
    expect(args).toContain('copy');
    await runTool(args, LIMIT);
    const seen = await probe(out);
    expect(seen.codecs).toEqual(['opus', 'vp8']);
    expect(seen.seconds).toBeGreaterThan(3.3);
    expect(seen.seconds).toBeLessThan(3.8);
  });

  test('a phone that published twice: its two video parts one after the other', async () => {
    const part = { file: join(dir, 'phone.webm'), vp8: true, offsetMs: 0 };
    const list = join(dir, 'parts.txt');
    writeFileSync(list, `file '${part.file}'\nfile '${part.file}'\n`);
    const out = join(dir, 'two-parts.webm');
    await runTool(muxArgs({ video: [part, { ...part, offsetMs: 3_000 }], audio: [] }, out, list), LIMIT);
    const seen = await probe(out);
    expect(seen.codecs).toEqual(['vp8']);
    expect(seen.seconds).toBeGreaterThan(5.5);
  });
});

describe.skipIf(!hasTools)('failures keep the raw files', () => {
  test('a .mjr with no packets: janus-pp-rec says why, the raw file stays, no WebM is left', async () => {
    const raw = join(dir, 'raw-broken');
    rmSync(raw, { recursive: true, force: true });
    mkdirSync(raw);
    const file = join(raw, 'customer-1700000000000-video-1.mjr');
    mjr(file, { t: 'v', c: 'vp8', s: 1, u: 2 }, Buffer.from('MEET garbage, not RTP'));
    const out = join(dir, 'broken.webm');
    const failed = await convertRecording(raw, join(dir, 'work'), out, LIMIT).catch((e) => e);
    expect(failed).toBeInstanceOf(ToolFailed);
    expect(String(failed.message)).toContain('Error pre-processing VP8 RTP frames');
    expect(existsSync(file)).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  test('a file that is not a Janus recording, and a folder with nothing in it', async () => {
    const raw = join(dir, 'raw-junk');
    mkdirSync(raw, { recursive: true });
    writeFileSync(join(raw, 'customer-1-audio-0.mjr'), 'hello');
    await expect(readMjrHeader(join(raw, 'customer-1-audio-0.mjr'))).rejects.toThrow('is not a Janus recording');
    const empty = join(dir, 'raw-empty');
    mkdirSync(empty, { recursive: true });
    await expect(convertRecording(empty, join(dir, 'work'), join(dir, 'e.webm'), LIMIT)).rejects.toThrow(
      'Janus wrote no audio or video',
    );
  });
});

test('the header of a .mjr: medium, codec and when its first packet was written', async () => {
  const file = join(dir, 'technician-5-audio-0.mjr');
  mjr(file, { t: 'a', c: 'opus', s: 1_700_000_000_000_000, u: 1_700_000_000_250_000 });
  expect(await readMjrHeader(file)).toEqual({ type: 'audio', codec: 'opus', firstPacketUs: 1_700_000_000_250_000 });
});
