// Snapshot files in the data directory, named by their SHA-256:
// `<LOUPE_DATA_DIR>/snapshots/ab/abcdef…`. Why files and not the database:
// docs/tools.md, "Snapshots". An upload is streamed into a temporary file
// while it is hashed and counted (never held whole in memory), and renamed
// into place only once it is whole and checked, so a file under its hash is
// either whole or absent; the same bytes twice are one file.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HEAD_BYTES, TAIL_BYTES } from './image-info.ts';

const SHA256 = /^[0-9a-f]{64}$/;

/** Where the snapshots of this Loupe are. */
export const snapshotDir = (config: { dataDir: string }) => join(config.dataDir, 'snapshots');

/** The file of a hash (checked, so a row's value can never name another path). */
export function snapshotPath(dir: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error('not a SHA-256 in hex');
  return join(dir, sha256.slice(0, 2), sha256);
}

export class TooLarge extends Error {}

/** An upload on disk under a temporary name: its hash, size, first and last bytes; kept or discarded. */
export type Received = {
  sha256: string;
  bytes: number;
  head: Uint8Array;
  tail: Uint8Array;
  /** Moves it under its hash (or drops it when that file is there already); answers the path. */
  keep(): Promise<string>;
  discard(): Promise<void>;
};

/**
 * Streams `body` to a temporary file beside the store (one file system, so the
 * rename is atomic), hashing it as it goes. More than `maxBytes`: the stream is
 * cancelled, the file removed, TooLarge thrown.
 */
export async function receive(
  dir: string,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Received> {
  const tmp = join(dir, 'tmp');
  await mkdir(tmp, { recursive: true });
  const temp = join(tmp, `${randomUUID()}.part`);
  const file = await open(temp, 'wx', 0o600);
  const hash = createHash('sha256');
  const head = new Uint8Array(HEAD_BYTES);
  let tail: Uint8Array = new Uint8Array(0);
  let bytes = 0;
  const reader = body?.getReader();
  try {
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const };
      if (chunk.done) break;
      const part = chunk.value;
      if (bytes + part.length > maxBytes) {
        await reader!.cancel().catch(() => {});
        throw new TooLarge();
      }
      if (bytes < HEAD_BYTES) head.set(part.subarray(0, HEAD_BYTES - bytes), bytes);
      tail = lastBytes(tail, part);
      hash.update(part);
      await file.write(part);
      bytes += part.length;
    }
    // On disk before it is renamed: a crash leaves a whole file or a stray temporary one, never half a photo.
    await file.sync();
  } catch (err) {
    await file.close();
    await unlink(temp).catch(() => {});
    throw err;
  }
  await file.close();
  const sha256 = hash.digest('hex');
  return {
    sha256,
    bytes,
    head: head.subarray(0, Math.min(bytes, HEAD_BYTES)),
    tail,
    keep: async () => {
      const path = snapshotPath(dir, sha256);
      await mkdir(join(dir, sha256.slice(0, 2)), { recursive: true });
      if (await exists(path)) await unlink(temp);
      else await rename(temp, path);
      return path;
    },
    discard: () => unlink(temp).catch(() => {}),
  };
}

function lastBytes(tail: Uint8Array, part: Uint8Array): Uint8Array {
  if (part.length >= TAIL_BYTES) return part.slice(part.length - TAIL_BYTES);
  const joined = new Uint8Array(tail.length + part.length);
  joined.set(tail);
  joined.set(part, tail.length);
  return joined.slice(Math.max(0, joined.length - TAIL_BYTES));
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The stored file of a hash, to stream as a response body; undefined when it is missing. */
export async function storedFile(dir: string, sha256: string): Promise<Blob | undefined> {
  const path = snapshotPath(dir, sha256);
  return (await exists(path)) ? Bun.file(path) : undefined;
}

/** Stores bytes held in memory (tests, the world's fixtures): their hash and path. */
export async function storeBytes(dir: string, data: Uint8Array): Promise<{ sha256: string; path: string }> {
  const received = await receive(dir, new Blob([data as Uint8Array<ArrayBuffer>]).stream(), Number.MAX_SAFE_INTEGER);
  return { sha256: received.sha256, path: await received.keep() };
}
