// Single sign-on's configuration as the API and a sign-in see it: what the
// login page is offered, password sign-in turned off but for the break-glass
// administrator, the routes when OIDC is off, a provider that is down at
// first (Loupe starts, and the next sign-in discovers it), a provider that
// keeps the claims for userinfo and takes only client_secret_post, one
// without RP-initiated logout (sign-out falls back to the login page), and the
// limit on sign-ins started from one address.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { ensureFirstAdministrator } from '../auth/setup.ts';
import { oidcLogins, rateLimits, technicians } from '../db/schema.ts';
import { testDatabase } from '../db/testing.ts';
import { createGroup } from '../technicians/groups.ts';
import { createTechnician, updateTechnician } from '../technicians/technicians.ts';
import {
  ADMIN,
  DATABASE_HOOK,
  errorOf,
  harness,
  type Harness,
  sessionCookie,
  tableCounts,
} from '../testing/harness.ts';
import { START_LIMIT } from './routes.ts';
import { startTestProvider, type TestProvider } from './test-provider.ts';
import {
  account,
  CALLBACK,
  oidcEnv,
  type OidcWorld,
  oidcWorld,
  PROVIDER_NAME,
  refusalOf,
  signInWithProvider,
  startSignIn,
} from './testing.ts';

let w: OidcWorld | undefined;
let provider: TestProvider | undefined;
beforeAll(() => testDatabase(), DATABASE_HOOK);
afterEach(async () => {
  await w?.stop();
  await provider?.stop();
  w = undefined;
  provider = undefined;
});
const TIMEOUT = { timeout: 30_000 };
/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}
const FAKE = { issuer: 'http://127.0.0.1:9', clientId: 'loupe', clientSecret: 'not used' };

describe('GET /api/auth/options', () => {
  test('without single sign-on: the password form only', async () => {
    const h = await harness();
    const res = await h.call('GET', '/api/auth/options');
    expect(await res.json()).toEqual({ passwordLogin: true, oidc: null, emailInvitations: false });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  test("with it: the button's name, whether the password form shows, and e-mail invitations", async () => {
    const h = await harness({
      ...oidcEnv(FAKE),
      LOUPE_PASSWORD_LOGIN: 'false',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      SMTP_FROM: 'Loupe <loupe@example.test>',
    });
    // Answered from the configuration alone: the provider (down here) is not asked.
    expect(await (await h.call('GET', '/api/auth/options')).json()).toEqual({
      passwordLogin: false,
      oidc: { displayName: PROVIDER_NAME },
      emailInvitations: true,
    });
  });
});

describe('LOUPE_PASSWORD_LOGIN=false', () => {
  let h: Harness;
  const TECH = { email: 'tess@example.test', name: 'Tess', password: 'tess password 123' };
  const setUp = async () => {
    h = await harness({
      ...oidcEnv(FAKE),
      LOUPE_PASSWORD_LOGIN: 'false',
      LOUPE_BREAK_GLASS_EMAIL: 'Admin@Example.test',
    });
    const admin = await ensureFirstAdministrator({ ...h, config: { ...h.config, admin: ADMIN } });
    expect(admin.outcome).not.toBe('setup_link');
    const [row] = await h.db.select().from(technicians);
    await createTechnician(h, { type: 'system' }, { ...TECH, groupId: row!.groupId });
  };

  test(
    'refuses everyone but the break-glass administrator, the same whatever the account or password',
    async () => {
      await setUp();
      const before = await tableCounts(h);
      for (const body of [
        { email: TECH.email, password: TECH.password },
        { email: TECH.email, password: 'a wrong password' },
        { email: 'nobody@example.test', password: 'whatever it is' },
      ]) {
        const res = await h.call('POST', '/api/auth/login', { body });
        expect(res.status).toBe(403);
        expect(await errorOf(res)).toEqual({
          code: 'password_login_off',
          message: 'Password sign-in is off here: sign in with single sign-on.',
        });
      }
      // Nothing written, and nothing spent of the address's limit the break-glass account shares.
      expect(await tableCounts(h)).toEqual(before);
      expect(await h.db.select().from(rateLimits)).toEqual([]);

      // The break-glass administrator, however the address is written.
      const res = await h.call('POST', '/api/auth/login', {
        body: { email: ' ADMIN@example.TEST', password: ADMIN.password },
      });
      expect(res.status).toBe(200);
      expect((await h.call('GET', '/api/auth/me', { cookie: sessionCookie(res) })).status).toBe(200);
      // Their wrong password is an ordinary wrong password (and counts against the limits as one).
      const wrong = await h.call('POST', '/api/auth/login', {
        body: { email: ADMIN.email, password: 'not the password' },
      });
      expect(wrong.status).toBe(401);
    },
    TIMEOUT,
  );
});

describe('LOUPE_BREAK_GLASS_EMAIL of a technician who is no administrator', () => {
  test(
    'is refused like everyone else, and let through once that technician is an administrator',
    async () => {
      const TESS = { email: 'tess@example.test', name: 'Tess', password: 'tess password 123' };
      const h = await harness({ ...oidcEnv(FAKE), LOUPE_PASSWORD_LOGIN: 'false', LOUPE_BREAK_GLASS_EMAIL: TESS.email });
      await ensureFirstAdministrator({ ...h, config: { ...h.config, admin: ADMIN } });
      const [admin] = await h.db.select().from(technicians);
      const support = await createGroup(h, { type: 'system' }, { name: 'Support', rights: ['start_lens_sessions'] });
      const tess = await createTechnician(h, { type: 'system' }, { ...TESS, groupId: support.id });
      const signIn = () => h.call('POST', '/api/auth/login', { body: { email: TESS.email, password: TESS.password } });

      const before = await tableCounts(h);
      const refused = await signIn();
      expect(refused.status).toBe(403);
      // The same answer as any other email: nothing tells that this one is the break-glass email.
      expect(await errorOf(refused)).toEqual({
        code: 'password_login_off',
        message: 'Password sign-in is off here: sign in with single sign-on.',
      });
      expect(await tableCounts(h)).toEqual(before);
      expect(await h.db.select().from(rateLimits)).toEqual([]);

      // Made an administrator: the break-glass way in opens.
      await updateTechnician(h, { type: 'system' }, tess.id, { groupId: admin!.groupId });
      const allowed = await signIn();
      expect(allowed.status).toBe(200);
      expect((await h.call('GET', '/api/auth/me', { cookie: sessionCookie(allowed) })).status).toBe(200);
    },
    TIMEOUT,
  );
});

describe('a provider without RP-initiated logout (no end_session_endpoint)', () => {
  test(
    "sign-out ends Loupe's sign-in and goes straight to the login page",
    async () => {
      w = await oidcWorld({ provider: { rpInitiatedLogout: false } });
      const discovery = await (await fetch(`${w.provider.issuer}/.well-known/openid-configuration`)).json();
      expect(discovery.end_session_endpoint).toBeUndefined();
      w.provider.accounts.set('nia', account('nia', ['idp-support']));
      const cookie = sessionCookie((await signInWithProvider(w, 'nia')).res);
      expect((await w.h.call('GET', '/api/auth/me', { cookie })).status).toBe(200);

      const res = await w.h.call('GET', '/auth/oidc/logout', { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/login');
      expect(res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='))).toMatch(
        /Max-Age=0|Expires=Thu, 01 Jan 1970/,
      );
      expect((await w.h.call('GET', '/api/auth/me', { cookie })).status).toBe(401);
    },
    TIMEOUT,
  );
});

describe('single sign-on off', () => {
  test('its routes answer 404 with the error body', async () => {
    const h = await harness();
    for (const path of ['/auth/oidc/login', '/auth/oidc/callback?state=x&code=y', '/auth/oidc/logout']) {
      const res = await h.call('GET', path);
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
  });
});

describe('the provider', () => {
  test(
    'down when Loupe starts: a page saying so, then the next sign-in finds it',
    async () => {
      const port = await freePort();
      const down = { issuer: `http://127.0.0.1:${port}`, clientId: 'loupe', clientSecret: 'the secret 0123456789' };
      const h = await harness(oidcEnv(down));
      const before = await tableCounts(h);
      const page = await refusalOf(
        await h.call('GET', '/auth/oidc/login', { headers: { 'accept-language': 'en-GB' } }),
      );
      expect(page).toMatchObject({ status: 503, reason: 'unreachable', type: 'text/html; charset=utf-8' });
      expect(page.html).toContain(`${PROVIDER_NAME} cannot be reached right now`);
      expect(await tableCounts(h)).toEqual(before);
      expect(await h.db.select().from(oidcLogins)).toEqual([]);
      // Password sign-in is not held up by it.
      expect((await h.call('GET', '/api/auth/options')).status).toBe(200);

      provider = await startTestProvider({ redirectUris: [CALLBACK], port, ...down });
      const { authorizationUrl } = await startSignIn(h);
      expect(authorizationUrl.origin).toBe(down.issuer);
    },
    TIMEOUT,
  );

  test(
    'with the claims only in userinfo and only client_secret_post',
    async () => {
      w = await oidcWorld({ provider: { claimsIn: 'userinfo', authMethod: 'client_secret_post' } });
      w.provider.accounts.set('uma', account('uma', ['idp-support'], { name: 'Uma Userinfo' }));
      const { res } = await signInWithProvider(w, 'uma');
      expect(res.status).toBe(302);
      const me = await (await w.h.call('GET', '/api/auth/me', { cookie: sessionCookie(res) })).json();
      expect(me.technician).toMatchObject({ name: 'Uma Userinfo', email: 'uma@example.test', groupName: 'Support' });
    },
    TIMEOUT,
  );

  test(
    'a provider account without an e-mail address is refused',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('vic', account('vic', ['idp-support'], { email: 'not an address' }));
      const { res } = await signInWithProvider(w, 'vic');
      expect(await refusalOf(res)).toMatchObject({ status: 403, reason: 'no_email' });
      expect(await w.h.db.select().from(technicians).where(eq(technicians.oidcSubject, 'vic'))).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('sign-ins started from one address', () => {
  test(
    `are limited to ${START_LIMIT.max} a window: then a page, and no pending sign-in written`,
    async () => {
      w = await oidcWorld();
      await w.h.db
        .insert(rateLimits)
        .values({ key: 'oidc:start:unknown', windowStart: w.h.clock.now(), count: START_LIMIT.max });
      const before = await tableCounts(w.h);
      const res = await w.h.call('GET', '/auth/oidc/login');
      expect(await refusalOf(res)).toMatchObject({ status: 429, reason: 'rate_limited' });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await tableCounts(w.h)).toEqual(before);
      expect(await w.h.db.select().from(oidcLogins)).toEqual([]);
      // The window over, a start goes through.
      w.h.clock.advance(START_LIMIT.windowMs);
      expect((await w.h.call('GET', '/auth/oidc/login')).status).toBe(302);
    },
    TIMEOUT,
  );
});
