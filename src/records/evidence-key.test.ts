import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evidenceKeySchema } from '../contract/records.ts';
import { EVIDENCE_KEY_FILE, EvidenceKeyError, loadEvidenceKey, sign, verifySignature } from './evidence-key.ts';

const freshDir = () => mkdtempSync(join(tmpdir(), 'loupe-evidence-key-'));
const bytes = new TextEncoder().encode('{"manifest":true}');

describe('the evidence key', () => {
  test('is made at first start, kept 0600, and the same key on every later start', async () => {
    const dir = freshDir();
    const first = await loadEvidenceKey(dir, new Date('2026-11-25T09:00:00Z'));
    expect(evidenceKeySchema.parse(first.view)).toEqual(first.view);
    expect(first.view.createdAt).toBe('2026-11-25T09:00:00.000Z');
    expect(statSync(join(dir, EVIDENCE_KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await loadEvidenceKey(dir, new Date('2027-01-01T00:00:00Z'));
    expect(again.view).toEqual(first.view);
    // The loaded private key signs what the stored public key verifies.
    const signature = await sign(again, bytes);
    expect(await verifySignature(first.view.publicKey, signature, bytes)).toBe(true);
    expect(await verifySignature(first.view.publicKey, signature, new TextEncoder().encode('other'))).toBe(false);
  });

  test('two starts at once end with one key', async () => {
    const dir = freshDir();
    const [a, b] = await Promise.all([loadEvidenceKey(dir), loadEvidenceKey(dir)]);
    expect(a.view.publicKey).toBe(b.view.publicKey);
  });

  test('a corrupt file is an error, and is left as it was', async () => {
    for (const content of ['not json', '{}', JSON.stringify({ version: 1, algorithm: 'Ed25519' })]) {
      const dir = freshDir();
      writeFileSync(join(dir, EVIDENCE_KEY_FILE), content);
      await expect(loadEvidenceKey(dir)).rejects.toThrow(EvidenceKeyError);
      expect(readFileSync(join(dir, EVIDENCE_KEY_FILE), 'utf8')).toBe(content);
    }
  });

  test('a public key that is not the private key’s half is refused', async () => {
    const dir = freshDir();
    await loadEvidenceKey(dir);
    const other = await loadEvidenceKey(freshDir());
    const path = join(dir, EVIDENCE_KEY_FILE);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...file, publicKey: other.view.publicKey }));
    await expect(loadEvidenceKey(dir)).rejects.toThrow(/not the private key/);
  });
});
