// The server as an operator runs it: a real process, its logs, its exit codes.
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '../src/testing/tls.ts';
import { startLoupe, type LoupeProcess } from './loupe-process.ts';

const started: LoupeProcess[] = [];
async function start(...args: Parameters<typeof startLoupe>) {
  const loupe = await startLoupe(...args);
  started.push(loupe);
  return loupe;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((l) => l.stop()));
});

const listening = (l: Record<string, unknown>) => l.msg === 'listening';
const ADMIN = { LOUPE_ADMIN_EMAIL: 'ops@example.test', LOUPE_ADMIN_PASSWORD: 'operator password 1' };

async function signIn(url: string): Promise<string> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN.LOUPE_ADMIN_EMAIL, password: ADMIN.LOUPE_ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  return login.headers.getSetCookie()[0]!.split(';')[0]!;
}

const postGroup = (url: string, cookie: string, name: string) =>
  fetch(`${url}/api/groups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name, rights: ['use_link_method'] }),
  });

describe('the Loupe process', () => {
  test('a bad variable stops start-up with exit code 2 and a message naming it', async () => {
    const loupe = await start({ PORT: 'eighty' });
    expect(await loupe.proc.exited).toBe(2);
    expect(loupe.output()).toContain('PORT: must be a whole number');
  });

  test('keeps its data across a graceful restart, and SIGTERM ends it cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-restart-'));
    const first = await start(ADMIN, { dataDir });
    await first.waitForLog(listening);
    expect(first.logs.some((l) => String(l.msg).includes('administrator created'))).toBe(true);
    const login = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.LOUPE_ADMIN_EMAIL, password: ADMIN.LOUPE_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const created = await fetch(`${first.url}/api/groups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name: 'Survives restarts', rights: ['use_link_method'] }),
    });
    expect(created.status).toBe(201);

    expect(await first.stop()).toBe(0);
    expect(first.logs.map((l) => l.msg)).toContain('stopped');

    const second = await start({}, { dataDir });
    await second.waitForLog(listening);
    expect(second.logs.some((l) => 'setupUrl' in l)).toBe(false); // the administrator is still there
    const relogin = await fetch(`${second.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.LOUPE_ADMIN_EMAIL, password: ADMIN.LOUPE_ADMIN_PASSWORD }),
    });
    const cookie2 = relogin.headers.getSetCookie()[0]!.split(';')[0]!;
    const groups = (await (await fetch(`${second.url}/api/groups`, { headers: { cookie: cookie2 } })).json()) as {
      groups: { name: string }[];
    };
    expect(groups.groups.map((g) => g.name)).toContain('Survives restarts');
    const health = await fetch(`${second.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'pglite' });
  }, 90_000);

  test('keeps every committed change across kill -9 (no graceful shutdown)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-kill-'));
    const first = await start(ADMIN, { dataDir });
    await first.waitForLog(listening);
    const cookie = await signIn(first.url);
    const names = ['Committed one', 'Committed two', 'Committed three'];
    for (const name of names) {
      const created = await postGroup(first.url, cookie, name);
      expect(created.status).toBe(201);
    }
    first.proc.kill('SIGKILL');
    expect(await first.proc.exited).not.toBe(0);

    const second = await start({}, { dataDir });
    await second.waitForLog(listening);
    const cookie2 = await signIn(second.url);
    const groups = (await (await fetch(`${second.url}/api/groups`, { headers: { cookie: cookie2 } })).json()) as {
      groups: { name: string }[];
    };
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(names));
    // The database still takes writes after recovery.
    expect((await postGroup(second.url, cookie2, 'After the crash')).status).toBe(201);
  }, 90_000);

  test('TLS_CERT_FILE and TLS_KEY_FILE make it serve HTTPS with Secure cookies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-tls-'));
    const cert = selfSignedCertificate(dir);
    if (!cert) throw new Error('openssl could not make a certificate');
    const loupe = await start(
      { ...ADMIN, TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile },
      { scheme: 'https' },
    );
    await loupe.waitForLog(listening);
    const tls = { rejectUnauthorized: false };
    const health = await fetch(`${loupe.url}/healthz`, { tls });
    expect(health.status).toBe(200);
    expect(health.headers.get('strict-transport-security')).toContain('max-age');
    const login = await fetch(`${loupe.url}/api/auth/login`, {
      method: 'POST',
      tls,
      headers: { 'content-type': 'application/json', origin: loupe.url },
      body: JSON.stringify({ email: ADMIN.LOUPE_ADMIN_EMAIL, password: ADMIN.LOUPE_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.getSetCookie()[0]).toContain('Secure');
    await expect(fetch(`${loupe.url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
  }, 90_000);
});
