import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, spyOn, test } from 'bun:test';
import { errorOf, harness, sessionCookie, tableCounts, DATABASE_HOOK, type Harness } from '../testing/harness.ts';
import * as passwords from './passwords.ts';
import { ensureFirstAdministrator } from './setup.ts';

let h: Harness;
const FIRST = { name: 'Ada Admin', email: 'ada@example.test', password: 'first admin password' };

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('token')!;
}

async function setupLink(): Promise<string> {
  const r = await ensureFirstAdministrator(h);
  if (r.outcome !== 'setup_link') throw new Error(`expected a setup link, got ${r.outcome}`);
  return r.url;
}

beforeEach(async () => {
  h = await harness();
}, DATABASE_HOOK);

describe('first administrator through the setup link', () => {
  test('the link is built on the public URL and its token is valid once', async () => {
    const url = await setupLink();
    expect(url.startsWith('http://localhost:8080/setup?token=')).toBe(true);
    const token = tokenOf(url);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect((await h.call('GET', `/api/setup/${token}`)).status).toBe(200);

    const res = await h.call('POST', '/api/setup', { body: { token, ...FIRST } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { technician: { email: string; rights: string[]; groupName: string } };
    expect(body.technician.email).toBe(FIRST.email);
    expect(body.technician.groupName).toBe('Administrators');
    expect(body.technician.rights).toContain('administer');
    // The new administrator is signed in straight away.
    expect((await h.call('GET', '/api/groups', { cookie: sessionCookie(res) })).status).toBe(200);

    // The token died with its use.
    expect((await h.call('GET', `/api/setup/${token}`)).status).toBe(404);
    const again = await h.call('POST', '/api/setup', { body: { token, ...FIRST, email: 'eve@example.test' } });
    expect(again.status).toBe(404);
    expect((await tableCounts(h)).technicians).toBe(1);
  });

  test('a restart issues a new link and the old one stops working', async () => {
    const first = tokenOf(await setupLink());
    const second = tokenOf(await setupLink());
    expect(second).not.toBe(first);
    expect((await h.call('GET', `/api/setup/${first}`)).status).toBe(404);
    expect((await h.call('GET', `/api/setup/${second}`)).status).toBe(200);
  });

  test('once an administrator exists, start-up offers no link', async () => {
    const token = tokenOf(await setupLink());
    await h.call('POST', '/api/setup', { body: { token, ...FIRST } });
    expect(await ensureFirstAdministrator(h)).toEqual({ outcome: 'present' });
    expect((await tableCounts(h)).setup_tokens).toBe(0);
  });

  test.each([
    ['a weak password', { password: 'short' }, 'password'],
    ['a bad email', { email: 'ada' }, 'email'],
    ['an empty name', { name: '   ' }, 'name'],
    ['an unknown field', { role: 'root' }, ''],
    ['a wrong type', { name: 42 }, 'name'],
  ])('%s is refused and the token stays usable', async (_what, change, path) => {
    const token = tokenOf(await setupLink());
    const before = await tableCounts(h);
    const res = await h.call('POST', '/api/setup', { body: { token, ...FIRST, ...change } });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_request');
    expect(JSON.stringify(error.details)).toContain(`"path":"${path}"`);
    expect(await tableCounts(h)).toEqual(before);
    expect((await h.call('GET', `/api/setup/${token}`)).status).toBe(200);
  });

  test('a made-up token is refused', async () => {
    await setupLink();
    const res = await h.call('POST', '/api/setup', { body: { token: 'made-up-token', ...FIRST } });
    expect(res.status).toBe(404);
    expect((await tableCounts(h)).technicians).toBe(0);
  });

  test('a made-up token costs no password hash: anyone can send it, as often as they like', async () => {
    await setupLink();
    // An argon2id hash is ~200 ms and 64 MiB here: hashing before the token check made each refused request cost one.
    const hashing = spyOn(passwords, 'hashPassword');
    try {
      for (let i = 0; i < 8; i++) {
        const res = await h.call('POST', '/api/setup', { body: { token: `made-up-token-${i}`, ...FIRST } });
        expect(res.status).toBe(404);
      }
      expect(hashing).not.toHaveBeenCalled();
    } finally {
      hashing.mockRestore();
    }
  });
});

describe('first administrator from the environment', () => {
  const env = { email: 'ops@example.test', password: 'from the environment' };

  test('is created once, and can sign in', async () => {
    const deps = { ...h, config: { ...h.config, admin: env } };
    expect(await ensureFirstAdministrator(deps)).toEqual({ outcome: 'created', email: env.email });
    expect(await ensureFirstAdministrator(deps)).toEqual({ outcome: 'present' });
    const res = await h.call('POST', '/api/auth/login', { body: env });
    expect(res.status).toBe(200);
  });

  test('restores access when every administrator was disabled', async () => {
    const deps = { ...h, config: { ...h.config, admin: env } };
    await ensureFirstAdministrator(deps);
    await h.db.execute(sql`update technicians set disabled = true`);
    const restored = await ensureFirstAdministrator({
      ...deps,
      config: { ...deps.config, admin: { ...env, password: 'a brand new password' } },
    });
    expect(restored.outcome).toBe('restored');
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: env.email, password: 'a brand new password' } }))
        .status,
    ).toBe(200);
  });
});
