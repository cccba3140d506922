// The evidence bundle, written by bundleStream and checked by the real
// `bun scripts/evidence-verify.ts` in a subprocess: intact, then each kind of
// tampering a recipient must see, each named by the file it touched.
import { beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { reportSchema } from '../contract/records.ts';
import type { SnapshotView } from '../contract/tools.ts';
import { png } from '../tools/test-images.ts';
import { type BundleInput, bundleStream, RECORDING_PATH, snapshotPathIn } from './bundle.ts';
import { type EvidenceKeyPair, loadEvidenceKey, sign, verifySignature } from './evidence-key.ts';
import { BUNDLE_FORMAT, manifestSchema } from './manifest.ts';
import { reportFixture } from './report-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'loupe-bundle-'));
let key: EvidenceKeyPair;
let otherKey: EvidenceKeyPair;
let intact: string;
const photo = png(16, 12);
// Larger than one read of the file, so the recording streams in many chunks on both sides.
const recording = new Uint8Array(randomBytes(3 << 20));
const snapshot: SnapshotView = {
  id: '1a2b3c4d-0000-4000-8000-000000000201',
  takenAt: '2026-11-25T09:00:30.000Z',
  width: 16,
  height: 12,
  bytes: photo.length,
  sha256: new Bun.CryptoHasher('sha256').update(photo).digest('hex'),
  contentType: 'image/png',
  annotated: false,
  sourceId: null,
  frozen: false,
};
const report = reportFixture({ snapshots: [snapshot] });

async function writeBundle(name: string, input: Partial<BundleInput> = {}): Promise<string> {
  const photoFile = join(dir, 'photo.png');
  const recordingFile = join(dir, 'recording.webm');
  writeFileSync(photoFile, photo);
  writeFileSync(recordingFile, recording);
  const stream = bundleStream({
    report,
    audit: [],
    snapshots: new Map([[snapshot.id, { path: snapshotPathIn(snapshot), file: photoFile }]]),
    recording: { path: RECORDING_PATH, file: recordingFile },
    key,
    createdAt: new Date('2026-11-26T10:00:00Z'),
    ...input,
  });
  const path = join(dir, name);
  await Bun.write(path, new Response(stream));
  return path;
}

/** Runs the verifier as a recipient would; its exit code and what it printed. */
function verify(...args: string[]): { code: number; out: string } {
  const run = Bun.spawnSync([process.execPath, 'scripts/evidence-verify.ts', ...args], {
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: run.exitCode, out: `${run.stdout.toString()}${run.stderr.toString()}` };
}

/** The bundle's files, changed by `edit`, zipped again (as someone editing it would). */
function rezip(name: string, edit: (files: Record<string, Uint8Array>) => void): string {
  const files = unzipSync(new Uint8Array(readFileSync(intact)));
  edit(files);
  const path = join(dir, name);
  writeFileSync(path, zipSync(files));
  return path;
}

beforeAll(async () => {
  key = await loadEvidenceKey(mkdtempSync(join(tmpdir(), 'loupe-key-')));
  otherKey = await loadEvidenceKey(mkdtempSync(join(tmpdir(), 'loupe-key-')));
  intact = await writeBundle('intact.zip');
});

describe('the evidence bundle', () => {
  test('holds every file, the manifest last, signed over its exact bytes', async () => {
    const files = unzipSync(new Uint8Array(await Bun.file(intact).arrayBuffer()));
    const names = Object.keys(files);
    const photoPath = `snapshots/${snapshot.id}.png`;
    const listed = ['report.html', 'report.json', 'transcript.txt', photoPath, RECORDING_PATH, 'audit.json'];
    expect(names).toEqual([...listed, 'manifest.json', 'manifest.sig']);
    expect(reportSchema.parse(JSON.parse(strFromU8(files['report.json']!)))).toEqual(report);
    expect(Buffer.from(files[photoPath]!).equals(Buffer.from(photo))).toBe(true);
    expect(files[RECORDING_PATH]).toEqual(recording);
    expect(JSON.parse(strFromU8(files['audit.json']!))).toEqual({
      format: BUNDLE_FORMAT,
      sessionId: report.session.id,
      rows: [],
    });
    const manifest = manifestSchema.parse(JSON.parse(strFromU8(files['manifest.json']!)));
    expect(manifest.files.map((f) => f.path)).toEqual(listed);
    expect(manifest.files.find((f) => f.path === RECORDING_PATH)!.size).toBe(recording.length);
    expect(manifest).toMatchObject({
      sessionId: report.session.id,
      publicKey: key.view.publicKey,
      fingerprint: key.view.fingerprint,
    });
    const signature = strFromU8(files['manifest.sig']!).trim();
    expect(await verifySignature(key.view.publicKey, signature, files['manifest.json']!)).toBe(true);
    const html = strFromU8(files['report.html']!);
    expect(html).toContain(`src="${photoPath}"`);
    expect(html).toContain(key.view.fingerprint);
    expect(strFromU8(files['transcript.txt']!)).toContain('2026-11-25 09:00:21 UTC  Customer: Yes, here it is.');
  });

  test('an intact bundle verifies: with the key pinned (raw, or the /api/evidence-key answer in a file) and without', () => {
    const pinned = verify(intact, '--key', key.view.publicKey);
    expect(pinned).toMatchObject({ code: 0 });
    expect(pinned.out).toContain('intact');
    const keyFile = join(dir, 'key.json');
    writeFileSync(keyFile, JSON.stringify(key.view));
    expect(verify(intact, `--key=${keyFile}`).code).toBe(0);
    const unpinned = verify(intact);
    expect(unpinned.code).toBe(0);
    expect(unpinned.out).toContain('The key was not pinned');
  });

  test('a changed byte of a photo, in the ZIP as it is, names the photo', async () => {
    const bytes = new Uint8Array(await Bun.file(intact).arrayBuffer());
    const at = Buffer.from(bytes).indexOf(Buffer.from(photo));
    expect(at).toBeGreaterThan(0); // stored as it is: photos are compressed already
    bytes[at + photo.length - 20]! ^= 0xff;
    const path = join(dir, 'photo-changed.zip');
    writeFileSync(path, bytes);
    const got = verify(path, '--key', key.view.publicKey);
    expect(got.code).toBe(1);
    expect(got.out).toContain(`changed: snapshots/${snapshot.id}.png`);
    expect(got.out).not.toContain('changed: report.json');
  });

  test('a changed report.json, an added file, a removed file: each named', () => {
    const changed = rezip('report-changed.zip', (f) => {
      f['report.json'] = new TextEncoder().encode(strFromU8(f['report.json']!).replace('CLAIM-42', 'CLAIM-43'));
    });
    expect(verify(changed)).toMatchObject({ code: 1, out: expect.stringContaining('changed: report.json') });
    const added = rezip('added.zip', (f) => {
      f['snapshots/extra.png'] = png(2, 2);
    });
    expect(verify(added)).toMatchObject({ code: 1, out: expect.stringContaining('added: snapshots/extra.png') });
    const removed = rezip('removed.zip', (f) => {
      delete f['transcript.txt'];
    });
    expect(verify(removed)).toMatchObject({ code: 1, out: expect.stringContaining('missing: transcript.txt') });
  });

  test('a changed manifest fails its signature', () => {
    const path = rezip('manifest-changed.zip', (f) => {
      f['manifest.json'] = new TextEncoder().encode(strFromU8(f['manifest.json']!).replace('2026-11-26', '2026-11-27'));
    });
    const got = verify(path);
    expect(got.code).toBe(1);
    expect(got.out).toContain('bad signature: manifest.sig');
  });

  test('a bundle re-signed with another key passes on its own key and fails on the pinned one', async () => {
    const resigned = new Map<string, Uint8Array>();
    const path = rezip('resigned.zip', (f) => {
      const manifest = JSON.parse(strFromU8(f['manifest.json']!));
      manifest.publicKey = otherKey.view.publicKey;
      manifest.fingerprint = otherKey.view.fingerprint;
      resigned.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
      f['manifest.json'] = resigned.get('manifest.json')!;
    });
    // Signed again afterwards (the edit above cannot wait for a signature), the way a forger would.
    const files = unzipSync(new Uint8Array(await Bun.file(path).arrayBuffer()));
    files['manifest.sig'] = new TextEncoder().encode(await sign(otherKey, resigned.get('manifest.json')!));
    writeFileSync(path, zipSync(files));
    expect(verify(path).code).toBe(0);
    const pinned = verify(path, '--key', key.view.publicKey);
    expect(pinned.code).toBe(1);
    expect(pinned.out).toContain('wrong key: manifest.json');
    expect(pinned.out).toContain('bad signature');
  });

  test('input that cannot be read exits 2', () => {
    const notZip = join(dir, 'not.zip');
    writeFileSync(notZip, 'just text');
    expect(verify(notZip).code).toBe(2);
    expect(verify(join(dir, 'absent.zip')).code).toBe(2);
    expect(verify(intact, '--key', join(dir, 'absent-key.json')).code).toBe(2);
    expect(verify().code).toBe(2);
  });
});

describe('a file that cannot be read mid-bundle', () => {
  test('cuts the download short and is reported, never a bundle that looks whole', async () => {
    const errors: unknown[] = [];
    const stream = bundleStream({
      report,
      audit: [],
      snapshots: new Map([[snapshot.id, { path: snapshotPathIn(snapshot), file: join(dir, 'gone.png') }]]),
      recording: null,
      key,
      createdAt: new Date('2026-11-26T10:00:00Z'),
      onError: (err) => errors.push(err),
    });
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow();
    expect(errors).toHaveLength(1);
  });
});
