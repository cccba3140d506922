import { beforeEach, describe, expect, test } from 'bun:test';
import { createTechnician } from '../technicians/technicians.ts';
import { createGroup } from '../technicians/groups.ts';
import {
  errorOf,
  harness,
  ORIGIN,
  sessionCookie,
  signIn,
  signInAsAdmin,
  tableCounts,
  DATABASE_HOOK,
  type Harness,
} from '../testing/harness.ts';
import { LOGIN_LIMITS } from './login.ts';

let h: Harness;
const system = { type: 'system' } as const;
const TECH = { email: 'tech@example.test', name: 'Tess Tech', password: 'tech password 123' };

async function addTechnician(rights: string[] = ['start_lens_sessions']) {
  const group = await createGroup(h, system, {
    name: `Field ${rights.length}`,
    rights: rights as never,
    settings: undefined,
  });
  return createTechnician(h, system, { ...TECH, groupId: group.id });
}

beforeEach(async () => {
  h = await harness();
}, DATABASE_HOOK);

describe('POST /api/auth/login', () => {
  test('right credentials give the technician and an HttpOnly, SameSite=Lax session cookie', async () => {
    await addTechnician();
    const res = await h.call('POST', '/api/auth/login', {
      body: { email: 'TECH@example.test ', password: TECH.password },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { technician: { email: string; rights: string[]; groupName: string } };
    expect(body.technician).toMatchObject({ email: TECH.email, rights: ['start_lens_sessions'], groupName: 'Field 1' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='))!;
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure'); // plain http on localhost
    const me = await h.call('GET', '/api/auth/me', { cookie: sessionCookie(res) });
    expect(me.status).toBe(200);
  });

  test('the cookie is Secure when Loupe is served over HTTPS', async () => {
    h = await harness({ LOUPE_PUBLIC_URL: 'https://loupe.example.org' });
    await addTechnician();
    const res = await h.call('POST', '/api/auth/login', {
      body: { email: TECH.email, password: TECH.password },
      headers: { origin: 'https://loupe.example.org' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().join()).toContain('Secure');
    expect(res.headers.get('strict-transport-security')).toContain('max-age');
  });

  test('a wrong password and an unknown email get the same 401', async () => {
    await addTechnician();
    const wrong = await h.call('POST', '/api/auth/login', {
      body: { email: TECH.email, password: 'not the password' },
    });
    const unknown = await h.call('POST', '/api/auth/login', {
      body: { email: 'nobody@example.test', password: 'whatever it is' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await errorOf(wrong)).toEqual(await errorOf(unknown));
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  test('a disabled technician cannot sign in, even with the right password', async () => {
    const t = await addTechnician();
    const cookie = await signInAsAdmin(h);
    expect((await h.call('PATCH', `/api/technicians/${t.id}`, { cookie, body: { disabled: true } })).status).toBe(200);
    const res = await h.call('POST', '/api/auth/login', { body: { email: TECH.email, password: TECH.password } });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('account_disabled');
  });

  test('disabling a technician ends the sessions they already have', async () => {
    const t = await addTechnician();
    const techCookie = await signIn(h, TECH.email, TECH.password);
    const admin = await signInAsAdmin(h);
    await h.call('PATCH', `/api/technicians/${t.id}`, { cookie: admin, body: { disabled: true } });
    expect((await h.call('GET', '/api/auth/me', { cookie: techCookie })).status).toBe(401);
  });

  test('repeated failures on one account are rate-limited, even with the right password afterwards', async () => {
    await addTechnician();
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++) {
      expect(
        (await h.call('POST', '/api/auth/login', { body: { email: TECH.email, password: `wrong guess ${i}` } })).status,
      ).toBe(401);
    }
    const blocked = await h.call('POST', '/api/auth/login', { body: { email: TECH.email, password: TECH.password } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    h.clock.advance(LOGIN_LIMITS.account.windowMs + 1000);
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: TECH.email, password: TECH.password } })).status,
    ).toBe(200);
  }, 30_000);

  test('one address trying many accounts is rate-limited', async () => {
    await addTechnician();
    for (let i = 0; i < LOGIN_LIMITS.address.max; i++) {
      await h.call('POST', '/api/auth/login', {
        body: { email: `guess${i}@example.test`, password: 'password guess' },
      });
    }
    const res = await h.call('POST', '/api/auth/login', { body: { email: TECH.email, password: TECH.password } });
    expect(res.status).toBe(429);
  }, 60_000); // every attempt costs an argon2 verification

  test.each([
    ['missing password', { email: TECH.email }],
    ['wrong type', { email: TECH.email, password: 12345678901234 }],
    ['unknown field', { email: TECH.email, password: TECH.password, remember: true }],
    ['over-long password', { email: TECH.email, password: 'x'.repeat(300) }],
  ])('bad input (%s) is a 400 and signs nobody in', async (_name, body) => {
    await addTechnician();
    const before = await tableCounts(h);
    const res = await h.call('POST', '/api/auth/login', { body });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_request');
    expect(await tableCounts(h)).toEqual(before);
  });
});

describe('session expiry and logout', () => {
  test('an idle session expires', async () => {
    await addTechnician();
    const cookie = await signIn(h, TECH.email, TECH.password);
    h.clock.advance(h.config.sessionIdleMinutes * 60_000 + 1);
    const res = await h.call('GET', '/api/auth/me', { cookie });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('unauthorized');
  });

  test('activity keeps a session alive until its absolute limit', async () => {
    await addTechnician();
    const cookie = await signIn(h, TECH.email, TECH.password);
    const step = (h.config.sessionIdleMinutes - 1) * 60_000;
    let elapsed = 0;
    while (elapsed + step < h.config.sessionMaxHours * 3_600_000) {
      h.clock.advance(step);
      elapsed += step;
      expect((await h.call('GET', '/api/auth/me', { cookie })).status).toBe(200);
    }
    h.clock.advance(h.config.sessionMaxHours * 3_600_000 - elapsed);
    expect((await h.call('GET', '/api/auth/me', { cookie })).status).toBe(401);
  });

  test('a forged or unknown cookie is refused', async () => {
    for (const cookie of ['loupe_session=forged', `loupe_session=${'a'.repeat(43)}`, 'loupe_session=']) {
      expect((await h.call('GET', '/api/auth/me', { cookie })).status).toBe(401);
    }
  });

  test('logout ends the session on the server and clears the cookie', async () => {
    await addTechnician();
    const cookie = await signIn(h, TECH.email, TECH.password);
    const res = await h.call('POST', '/api/auth/logout', { cookie });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().join()).toMatch(/loupe_session=;.*Max-Age=0/);
    expect((await h.call('GET', '/api/auth/me', { cookie })).status).toBe(401);
  });
});

describe('cross-site requests', () => {
  test('a POST with a foreign Origin is refused and does nothing', async () => {
    await addTechnician();
    const before = await tableCounts(h);
    const res = await h.call('POST', '/api/auth/login', {
      body: { email: TECH.email, password: TECH.password },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('cross_origin');
    expect(await tableCounts(h)).toEqual(before);
  });

  test('an admin POST from another site is refused even with a valid cookie', async () => {
    const cookie = await signInAsAdmin(h);
    const before = await tableCounts(h);
    const res = await h.call('POST', '/api/groups', {
      cookie,
      body: { name: 'Evil', rights: ['administer'] },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect(await tableCounts(h)).toEqual(before);
  });

  test('same-origin requests pass', async () => {
    const cookie = await signInAsAdmin(h);
    const res = await h.call('POST', '/api/groups', {
      cookie,
      body: { name: 'Field', rights: [] },
      headers: { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(201);
  });
});

describe('secure headers', () => {
  test('every response forbids framing and carries a CSP', async () => {
    for (const path of ['/api/auth/me', '/healthz', '/console']) {
      const res = await h.call('GET', path);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
