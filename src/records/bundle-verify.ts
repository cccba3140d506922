// Checks an evidence bundle on disk (scripts/evidence-verify.ts): the
// manifest's signature, then every file's size and SHA-256, files added and
// files missing. The ZIP is read through its central directory, each file
// streamed from its place in the file and inflated as it is hashed, so a
// bundle of any size is checked in little memory (only manifest.json and
// manifest.sig are read whole, and are refused above 16 MiB).
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Inflate } from 'fflate';
import { verifySignature, fingerprintOf } from './evidence-key.ts';
import { MANIFEST, type Manifest, manifestSchema, SIGNATURE } from './manifest.ts';

/** The ZIP itself cannot be read: exit 2, nothing was checked. */
export class UnreadableBundle extends Error {}

type Entry = { name: string; method: number; compressedSize: number; localOffset: number };

const SMALL_MAX = 16 << 20;

/** The entries of the ZIP at `path`, from its central directory. */
async function centralDirectory(path: string): Promise<Entry[]> {
  const file = await open(path, 'r').catch((err) => {
    throw new UnreadableBundle(`${path}: ${(err as Error).message}`);
  });
  try {
    const { size } = await file.stat();
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await file.read(tail, 0, tailLength, size - tailLength);
    let end = -1;
    for (let i = tailLength - 22; i >= 0; i--)
      if (tail.readUInt32LE(i) === 0x06054b50) {
        end = i;
        break;
      }
    if (end < 0) throw new UnreadableBundle(`${path} is not a ZIP file`);
    const count = tail.readUInt16LE(end + 10);
    const dirSize = tail.readUInt32LE(end + 12);
    const dirOffset = tail.readUInt32LE(end + 16);
    if (dirOffset + dirSize > size) throw new UnreadableBundle(`${path}: the ZIP's directory is cut off`);
    const dir = Buffer.alloc(dirSize);
    await file.read(dir, 0, dirSize, dirOffset);
    const entries: Entry[] = [];
    for (let at = 0, n = 0; n < count; n++) {
      if (at + 46 > dirSize || dir.readUInt32LE(at) !== 0x02014b50)
        throw new UnreadableBundle(`${path}: the ZIP's directory is damaged`);
      const nameLength = dir.readUInt16LE(at + 28);
      const skip = nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
      const local = dir.readUInt32LE(at + 42);
      const header = Buffer.alloc(30);
      await file.read(header, 0, 30, local);
      if (header.readUInt32LE(0) !== 0x04034b50) throw new UnreadableBundle(`${path}: a file's header is damaged`);
      entries.push({
        name: dir.toString('utf8', at + 46, at + 46 + nameLength),
        method: dir.readUInt16LE(at + 10),
        compressedSize: dir.readUInt32LE(at + 20),
        localOffset: local + 30 + header.readUInt16LE(26) + header.readUInt16LE(28),
      });
      at += 46 + skip;
    }
    return entries;
  } finally {
    await file.close();
  }
}

/** The uncompressed bytes of `entry`, chunk by chunk. */
async function* contents(path: string, entry: Entry): AsyncGenerator<Uint8Array> {
  const raw = Bun.file(path)
    .slice(entry.localOffset, entry.localOffset + entry.compressedSize)
    .stream();
  if (entry.method === 0) {
    yield* raw as unknown as AsyncIterable<Uint8Array>;
    return;
  }
  if (entry.method !== 8) throw new Error(`compression method ${entry.method} is not one a bundle uses`);
  const out: Uint8Array[] = [];
  const inflate = new Inflate((data) => out.push(data));
  for await (const chunk of raw as unknown as AsyncIterable<Uint8Array>) {
    inflate.push(chunk, false);
    while (out.length) yield out.shift()!;
  }
  inflate.push(new Uint8Array(0), true);
  while (out.length) yield out.shift()!;
}

async function digest(path: string, entry: Entry): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of contents(path, entry)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function whole(path: string, entry: Entry): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of contents(path, entry)) {
    size += chunk.length;
    if (size > SMALL_MAX) throw new Error('larger than a manifest can be');
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

export type Verdict = {
  /** One line per problem: a changed, added or missing file, a bad signature. Empty: intact. */
  problems: string[];
  /** What the reader should know either way (the key was not pinned, the fingerprint). */
  notes: string[];
  manifest?: Manifest;
};

/** Checks the bundle at `path`; `pinnedKey` is the base64url raw public key the recipient trusts. */
export async function verifyBundle(path: string, pinnedKey?: string): Promise<Verdict> {
  const entries = await centralDirectory(path);
  const problems: string[] = [];
  const notes: string[] = [];
  const byName = new Map<string, Entry>();
  for (const entry of entries) {
    if (byName.has(entry.name)) problems.push(`added: ${entry.name} (a second file of that name)`);
    else byName.set(entry.name, entry);
  }
  const manifestEntry = byName.get(MANIFEST);
  const signatureEntry = byName.get(SIGNATURE);
  if (!manifestEntry) return { problems: [...problems, `missing: ${MANIFEST}`], notes };
  if (!signatureEntry) problems.push(`missing: ${SIGNATURE}`);
  let manifestBytes: Uint8Array;
  let manifest: Manifest;
  try {
    manifestBytes = await whole(path, manifestEntry);
    manifest = manifestSchema.parse(JSON.parse(new TextDecoder().decode(manifestBytes)));
  } catch {
    return { problems: [...problems, `changed: ${MANIFEST} is not a manifest of a Loupe evidence bundle`], notes };
  }
  const key = pinnedKey ?? manifest.publicKey;
  const fingerprint = fingerprintOf(Buffer.from(key, 'base64url'));
  if (!pinnedKey)
    notes.push(
      `The key was not pinned: the signature was checked with the key the manifest names (fingerprint ${fingerprint}). ` +
        'Compare it with the one your Loupe shows at /api/evidence-key, or pass --key.',
    );
  else notes.push(`Checked with the pinned key (fingerprint ${fingerprint}).`);
  if (pinnedKey && manifest.publicKey !== pinnedKey)
    problems.push(`wrong key: ${MANIFEST} names another key (fingerprint ${manifest.fingerprint}) than the pinned one`);
  if (signatureEntry) {
    const signature = new TextDecoder().decode(await whole(path, signatureEntry).catch(() => new Uint8Array())).trim();
    if (!(await verifySignature(key, signature, manifestBytes)))
      problems.push(
        `bad signature: ${SIGNATURE} does not verify ${MANIFEST} with ${pinnedKey ? 'the pinned' : 'its'} key`,
      );
  }
  await checkFiles(path, manifest, byName, problems);
  return { problems, notes, manifest };
}

async function checkFiles(path: string, manifest: Manifest, byName: Map<string, Entry>, problems: string[]) {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const file of manifest.files) {
    const entry = byName.get(file.path);
    if (!entry) {
      problems.push(`missing: ${file.path}`);
      continue;
    }
    try {
      const got = await digest(path, entry);
      if (got.size !== file.size || got.sha256 !== file.sha256)
        problems.push(
          `changed: ${file.path} (${got.size} bytes, sha256 ${got.sha256}; the manifest says ${file.size}, ${file.sha256})`,
        );
    } catch (err) {
      problems.push(`changed: ${file.path} cannot be read (${(err as Error).message})`);
    }
  }
  for (const name of byName.keys())
    if (!listed.has(name) && name !== MANIFEST && name !== SIGNATURE) problems.push(`added: ${name}`);
}
