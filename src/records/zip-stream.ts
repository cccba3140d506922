// A ZIP written as it is read: fflate's streaming Zip, one file at a time,
// each file read in chunks and hashed on its way in, so a bundle with an hour
// of recording never sits in memory. The response pulls: the next chunk of a
// file is read only when the client has taken the last one (backpressure).
// Limits: fflate writes no ZIP64, so each file and the whole ZIP stay under 4 GiB.
import { createHash } from 'node:crypto';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { ManifestFile } from './manifest.ts';

/** `compress`: deflate it (text); photos and video are compressed already and are stored as they are. */
export type ZipEntry = { path: string; compress: boolean; chunks: () => AsyncIterable<Uint8Array> };

export const bytesEntry = (path: string, data: Uint8Array | string, compress = true): ZipEntry => ({
  path,
  compress,
  chunks: async function* () {
    yield typeof data === 'string' ? new TextEncoder().encode(data) : data;
  },
});

/** A file on disk, read in chunks. */
export const fileEntry = (path: string, file: string, compress = false): ZipEntry => ({
  path,
  compress,
  chunks: () => Bun.file(file).stream() as unknown as AsyncIterable<Uint8Array>,
});

/**
 * The ZIP of `entries`, then of the entries `closing` makes from the list of
 * what was written (path, size, SHA-256 of each file as it went in): the
 * manifest comes last because it is computed from everything before it.
 */
export function zipStream(
  entries: Iterable<ZipEntry>,
  closing: (listed: ManifestFile[]) => Promise<ZipEntry[]>,
  mtime: Date,
  onError: (err: unknown) => void = () => {},
): ReadableStream<Uint8Array> {
  const chunks = zipChunks(entries, closing, mtime);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Past the headers a failure cannot become an error answer: the download is cut short, and the caller logs why.
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        onError(err);
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

async function* zipChunks(
  entries: Iterable<ZipEntry>,
  closing: (listed: ManifestFile[]) => Promise<ZipEntry[]>,
  mtime: Date,
): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else if (data.length) out.push(data);
  });
  function* drain() {
    if (failure) throw failure;
    while (out.length) yield out.shift()!;
  }
  const listed: ManifestFile[] = [];
  const write = async function* (entry: ZipEntry, list: boolean) {
    const file = entry.compress ? new ZipDeflate(entry.path, { level: 6 }) : new ZipPassThrough(entry.path);
    file.mtime = mtime;
    zip.add(file);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of entry.chunks()) {
      hash.update(chunk);
      size += chunk.length;
      file.push(chunk, false);
      yield* drain();
    }
    file.push(new Uint8Array(0), true);
    yield* drain();
    if (list) listed.push({ path: entry.path, size, sha256: hash.digest('hex') });
  };
  for (const entry of entries) yield* write(entry, true);
  for (const entry of await closing(listed)) yield* write(entry, false);
  zip.end();
  yield* drain();
}
