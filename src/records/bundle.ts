// The evidence bundle (docs/records.md, "The evidence bundle"): a ZIP of the
// report (HTML and JSON), the chat transcript, the photos, the recording and
// the session's audit rows, then manifest.json (every file's path, size and
// SHA-256, taken as it streamed out) and manifest.sig (Ed25519 over the
// manifest's exact bytes). This file puts the parts together; what is on disk
// and in the database is gathered by bundle-sources.ts.
import type { AuditRow, Report } from '../contract/records.ts';
import { type EvidenceKeyPair, sign } from './evidence-key.ts';
import { BUNDLE_FORMAT, MANIFEST, type Manifest, type ManifestFile, SIGNATURE } from './manifest.ts';
import { reportHtml } from './report-html.ts';
import { transcriptText } from './transcript.ts';
import { bytesEntry, fileEntry, type ZipEntry, zipStream } from './zip-stream.ts';

/** An audit row as stored: the chain's fields are null on a row not yet sealed (docs/records.md, "The audit chain"). */
export type BundleAuditRow = Omit<AuditRow, 'detailsSha256' | 'prevHash' | 'hash'> & {
  detailsSha256: string | null;
  prevHash: string | null;
  hash: string | null;
};

/** A file on disk that goes into the bundle under `path`. */
export type BundleFile = { path: string; file: string };

export type BundleInput = {
  report: Report;
  audit: BundleAuditRow[];
  /** The photos whose files are kept, by snapshot id (a photo whose file is gone is in the report, not the ZIP). */
  snapshots: ReadonlyMap<string, BundleFile>;
  recording: BundleFile | null;
  key: EvidenceKeyPair;
  createdAt: Date;
  /** Told when a file cannot be read once the ZIP has begun (the download is then cut short). */
  onError?: (err: unknown) => void;
};

const EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;

/** `snapshots/<id>.<ext>`: a photo's name in the bundle. */
export const snapshotPathIn = (s: Report['snapshots'][number]) => `snapshots/${s.id}.${EXTENSIONS[s.contentType]}`;
export const RECORDING_PATH = 'recording.webm';

/** The bundle as a stream; nothing larger than a chunk of one file is held at a time. */
export function bundleStream(input: BundleInput): ReadableStream<Uint8Array> {
  const { report, key } = input;
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const html = reportHtml(report, key.view, {
    snapshots: new Map([...input.snapshots].map(([id, f]) => [id, f.path])),
    recording: input.recording && {
      path: input.recording.path,
      sha256: report.recording?.sha256 ?? null,
      bytes: report.recording?.bytes ?? null,
    },
  });
  const entries: ZipEntry[] = [
    bytesEntry('report.html', html),
    bytesEntry('report.json', json(report)),
    bytesEntry('transcript.txt', transcriptText(report)),
    ...[...input.snapshots.values()].map((f) => fileEntry(f.path, f.file)),
    ...(input.recording ? [fileEntry(input.recording.path, input.recording.file)] : []),
    bytesEntry('audit.json', json({ format: BUNDLE_FORMAT, sessionId: report.session.id, rows: input.audit })),
  ];
  const closing = async (files: ManifestFile[]): Promise<ZipEntry[]> => {
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      sessionId: report.session.id,
      createdAt: input.createdAt.toISOString(),
      algorithm: 'Ed25519',
      publicKey: key.view.publicKey,
      fingerprint: key.view.fingerprint,
      files,
    };
    // The signature is over these bytes, as they are written: the verifier reads them back unchanged.
    const bytes = new TextEncoder().encode(json(manifest));
    return [bytesEntry(MANIFEST, bytes), bytesEntry(SIGNATURE, `${await sign(key, bytes)}\n`, false)];
  };
  return zipStream(entries, closing, input.createdAt, input.onError);
}

/** `loupe-evidence-2026-11-25-1a2b3c4d.zip` */
export const bundleFilename = (sessionId: string, at: Date) =>
  `loupe-evidence-${at.toISOString().slice(0, 10)}-${sessionId.slice(0, 8)}.zip`;
