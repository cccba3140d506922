import { afterEach, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './janus-config.ts';
import { janusSecretsFile, loadOrCreateJanusSecrets } from './secrets.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-secrets-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateJanusSecrets', () => {
  test('generates three distinct secrets at first start, in a 0600 file inside a 0700 folder', () => {
    const dataDir = tempDir();
    const secrets = loadOrCreateJanusSecrets(dataDir);
    const values = [secrets.apiSecret, secrets.adminSecret, secrets.roomAdminKey];
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(values).size).toBe(3);
    const file = janusSecretsFile(dataDir);
    expect(file).toBe(join(dataDir, 'janus', 'secrets.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'janus')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dataDir, 'janus'))).toEqual(['secrets.json']);
  });

  test('reuses the same secrets afterwards', () => {
    const dataDir = tempDir();
    const first = loadOrCreateJanusSecrets(dataDir);
    expect(loadOrCreateJanusSecrets(dataDir)).toEqual(first);
  });

  test('tightens a file that was copied with loose permissions', () => {
    const dataDir = tempDir();
    loadOrCreateJanusSecrets(dataDir);
    chmodSync(janusSecretsFile(dataDir), 0o644);
    loadOrCreateJanusSecrets(dataDir);
    expect(statSync(janusSecretsFile(dataDir)).mode & 0o777).toBe(0o600);
  });

  test('a corrupt file is an error naming the file, and is left as it was', () => {
    const dataDir = tempDir();
    loadOrCreateJanusSecrets(dataDir);
    const file = janusSecretsFile(dataDir);
    writeFileSync(file, '{"apiSecret": "abc"');
    expect(() => loadOrCreateJanusSecrets(dataDir)).toThrow(`${file}: not valid JSON`);
    expect(readFileSync(file, 'utf8')).toBe('{"apiSecret": "abc"');
  });

  test('a missing or unsafe secret is an error naming the key', () => {
    const dataDir = tempDir();
    const good = loadOrCreateJanusSecrets(dataDir);
    const file = janusSecretsFile(dataDir);
    writeFileSync(file, JSON.stringify({ ...good, roomAdminKey: undefined }));
    expect(() => loadOrCreateJanusSecrets(dataDir)).toThrow(/"roomAdminKey" is missing.*delete it to generate new/);
    writeFileSync(file, JSON.stringify({ ...good, apiSecret: `${good.apiSecret}"` }));
    expect(() => loadOrCreateJanusSecrets(dataDir)).toThrow(/"apiSecret"/);
  });

  test('the templates hold no secret, only placeholders', () => {
    const lines = readdirSync(TEMPLATES_DIR)
      .filter((f) => f.endsWith('.tmpl'))
      .flatMap((name) => readFileSync(join(TEMPLATES_DIR, name), 'utf8').split('\n'))
      .filter((line) => /^\s*(\w*secret|\w*key|\w*pwd|\w*password)\s*=/.test(line));
    expect(lines.length).toBe(4); // api_secret, admin_secret, admin_key, turn_pwd
    for (const line of lines) expect(line).toMatch(/=\s*"\{\{\w+\}\}"$/);
  });
});
