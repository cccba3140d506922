// The snapshot store on a real file system: a file under its hash with the
// bytes that were sent, written whole or not at all, one file for the same
// bytes twice, and an upload over the limit stopped while it streams.
import { afterAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receive, snapshotPath, storedFile, storeBytes, TooLarge } from './snapshot-store.ts';
import { png } from './test-images.ts';

const dir = mkdtempSync(join(tmpdir(), 'loupe-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const temporaries = () => readdirSync(join(dir, 'tmp'));

/** A body that arrives in `n` chunks, as a slow phone's upload does. */
function chunked(data: Uint8Array, n: number): ReadableStream<Uint8Array> {
  const size = Math.ceil(data.length / n);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.length) return controller.close();
      controller.enqueue(data.slice(at, at + size));
      at += size;
    },
  });
}

describe('the snapshot store', () => {
  test('a file under ab/<sha256> holding exactly the bytes sent, streamed in many chunks', async () => {
    const data = png(300, 200);
    const received = await receive(dir, chunked(data, 17), 1 << 20);
    expect(received.sha256).toBe(sha(data));
    expect(received.bytes).toBe(data.length);
    expect([...received.head]).toEqual([...data]);
    expect([...received.tail]).toEqual([...data.subarray(data.length - 16)]);
    const path = await received.keep();
    expect(path).toBe(join(dir, received.sha256.slice(0, 2), received.sha256));
    expect(sha(readFileSync(path))).toBe(sha(data));
    expect(temporaries()).toEqual([]);
    const file = await storedFile(dir, received.sha256);
    expect(sha(new Uint8Array(await file!.arrayBuffer()))).toBe(sha(data));
  });

  test('the same bytes twice are one file', async () => {
    const data = png(5, 5);
    const first = await storeBytes(dir, data);
    const second = await storeBytes(dir, data);
    expect(second).toEqual(first);
    expect(readdirSync(join(dir, first.sha256.slice(0, 2))).filter((f) => f === first.sha256)).toEqual([first.sha256]);
    expect(temporaries()).toEqual([]);
  });

  test('over the limit: TooLarge while streaming, the rest never read, nothing left on disk', async () => {
    const data = png(200, 200);
    let pulled = 0;
    const body = chunked(data, 50);
    const counting = body.pipeThrough(
      new TransformStream({
        transform(chunk, c) {
          pulled++;
          c.enqueue(chunk);
        },
      }),
    );
    await expect(receive(dir, counting, 1000)).rejects.toBeInstanceOf(TooLarge);
    expect(pulled).toBeLessThan(50);
    expect(temporaries()).toEqual([]);
  });

  test('a discarded upload leaves nothing; no body is an empty file', async () => {
    const received = await receive(dir, chunked(new TextEncoder().encode('not an image'), 2), 1000);
    await received.discard();
    expect(temporaries()).toEqual([]);
    expect(await storedFile(dir, received.sha256)).toBeUndefined();
    const empty = await receive(dir, null, 1000);
    expect(empty.bytes).toBe(0);
    await empty.discard();
  });

  test('a path is made only from a SHA-256', () => {
    expect(() => snapshotPath(dir, '../../etc/passwd')).toThrow();
    expect(() => snapshotPath(dir, 'A'.repeat(64))).toThrow();
  });
});
