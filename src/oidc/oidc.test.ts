// size: one real provider and one browser flow per case; splitting would start the provider twice.
// Single sign-on against a real OpenID Provider (oidc-provider on 127.0.0.1):
// the whole authorization code flow through Loupe's routes, the group
// mapping at each sign-in, and every refusal (no group, unknown group,
// disabled, wrong/missing/replayed state, another browser, wrong nonce,
// wrong issuer, the provider's own error) with its page and nothing signed in.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { and, eq } from 'drizzle-orm';
import { auditLog, authSessions, oidcLogins, technicians } from '../db/schema.ts';
import { createTechnician, updateTechnician } from '../technicians/technicians.ts';
import { testDatabase } from '../db/testing.ts';
import { DATABASE_HOOK, sessionCookie, tableCounts } from '../testing/harness.ts';
import { signInAtProvider, startTestProvider, type TestProvider } from './test-provider.ts';
import {
  account,
  CALLBACK,
  cookieFrom,
  type OidcWorld,
  oidcWorld,
  openCallback,
  PROVIDER_NAME,
  refusalOf,
  signInWithProvider,
  SUPPORT_RIGHTS,
} from './testing.ts';

let w: OidcWorld;
beforeAll(() => testDatabase(), DATABASE_HOOK);
let second: TestProvider | undefined;
afterEach(async () => {
  await w?.stop();
  await second?.stop();
  second = undefined;
});

const TIMEOUT = { timeout: 30_000 };
const me = async (cookie: string) => (await (await w.h.call('GET', '/api/auth/me', { cookie })).json()).technician;
const technicianOf = async (sub: string) =>
  (await w.h.db.select().from(technicians).where(eq(technicians.oidcSubject, sub)))[0];
const actions = async () => (await w.h.db.select().from(auditLog).orderBy(auditLog.id)).map((r) => r.action);

describe('a first sign-in', () => {
  test(
    'makes the technician just in time, in the mapped group with its rights, and signs them in',
    async () => {
      w = await oidcWorld();
      // Two of Ann's groups map; the map's order decides (Support before Ghost), not the claim's.
      w.provider.accounts.set('ann', account('ann', ['idp-ghost', 'staff', 'idp-support']));
      const { res } = await signInWithProvider(w, 'ann');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console');
      const set = res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='))!;
      expect(set).toContain('HttpOnly');
      expect(set).toContain('SameSite=Lax');
      // The state cookie served its one callback.
      expect(res.headers.getSetCookie().find((c) => c.startsWith('loupe_oidc='))).toMatch(
        /Max-Age=0|Expires=Thu, 01 Jan 1970/,
      );

      const cookie = sessionCookie(res);
      expect(await me(cookie)).toMatchObject({
        email: 'ann@example.test',
        name: 'Ann Example',
        groupId: w.groups.support,
        groupName: 'Support',
        rights: [...SUPPORT_RIGHTS],
      });
      // Her rights are Support's: a session by link yes, the administration no.
      const made = await w.h.call('POST', '/api/sessions', {
        cookie,
        body: { type: 'lens', name: 'Boiler', method: 'link' },
      });
      expect(made.status).toBe(201);
      expect((await w.h.call('GET', '/api/technicians', { cookie })).status).toBe(403);

      const row = (await technicianOf('ann'))!;
      expect(row).toMatchObject({ oidcIssuer: w.provider.issuer, passwordHash: '', disabled: false });
      const [session] = await w.h.db.select().from(authSessions).where(eq(authSessions.technicianId, row.id));
      expect(session!.oidcIdToken).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(await actions()).toEqual(
        expect.arrayContaining(['group.created', 'technician.created', 'auth.login', 'session.invited']),
      );
      const [login] = await w.h.db.select().from(auditLog).where(eq(auditLog.action, 'auth.login'));
      expect(login!.details).toMatchObject({ method: 'oidc' });
      const [created] = await w.h.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'technician.created'), eq(auditLog.subjectId, row.id)));
      expect(created).toMatchObject({ actorType: 'system' });
      expect(created!.details).toMatchObject({ email: 'ann@example.test', groupId: w.groups.support, via: 'oidc' });
      expect(await w.h.db.select().from(oidcLogins)).toEqual([]);

      // No password signs in a technician made by single sign-on.
      const password = await w.h.call('POST', '/api/auth/login', {
        body: { email: 'ann@example.test', password: 'x' },
      });
      expect(password.status).toBe(401);
    },
    TIMEOUT,
  );

  test(
    'links an existing technician with the same e-mail and no provider account yet',
    async () => {
      w = await oidcWorld();
      const bob = await createTechnician(
        w.h,
        { type: 'system' },
        {
          email: 'bob@example.test',
          name: 'Bob',
          password: 'bob password 1234',
          groupId: w.groups.support,
        },
      );
      w.provider.accounts.set('bob', account('bob', ['idp-admins'], { name: 'Bob Builder' }));
      const { res } = await signInWithProvider(w, 'bob');
      expect(res.status).toBe(302);
      expect(await me(sessionCookie(res))).toMatchObject({
        id: bob.id,
        name: 'Bob Builder',
        groupName: 'Administrators',
      });
      expect(await technicianOf('bob')).toMatchObject({ id: bob.id, oidcIssuer: w.provider.issuer });
      const [updated] = await w.h.db.select().from(auditLog).where(eq(auditLog.action, 'technician.updated'));
      expect(updated!.details).toMatchObject({
        groupId: w.groups.administrators,
        name: 'Bob Builder',
        linked: w.provider.issuer,
      });
    },
    TIMEOUT,
  );
});

describe('a later sign-in', () => {
  test(
    'applies a changed group, name and e-mail, audited; an unchanged one writes no update',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('cleo', account('cleo', ['idp-support']));
      const first = await signInWithProvider(w, 'cleo');
      expect((await me(sessionCookie(first.res))).groupName).toBe('Support');

      w.provider.accounts.set(
        'cleo',
        account('cleo', ['idp-admins'], { name: 'Cleo New', email: 'Cleo.New@example.test' }),
      );
      const second = await signInWithProvider(w, 'cleo');
      expect(second.res.status).toBe(302);
      const cookie = sessionCookie(second.res);
      expect(await me(cookie)).toMatchObject({
        name: 'Cleo New',
        email: 'cleo.new@example.test',
        groupName: 'Administrators',
      });
      // Now an administrator: the administration opens.
      expect((await w.h.call('GET', '/api/technicians', { cookie })).status).toBe(200);
      const updates = await w.h.db.select().from(auditLog).where(eq(auditLog.action, 'technician.updated'));
      expect(updates).toHaveLength(1);
      expect(updates[0]!.details).toMatchObject({ groupId: w.groups.administrators, via: 'oidc' });

      const third = await signInWithProvider(w, 'cleo');
      expect(third.res.status).toBe(302);
      expect(await w.h.db.select().from(auditLog).where(eq(auditLog.action, 'technician.updated'))).toHaveLength(1);
      expect(await w.h.db.select().from(auditLog).where(eq(auditLog.action, 'auth.login'))).toHaveLength(3);
    },
    TIMEOUT,
  );

  test(
    'a technician disabled in Loupe stays disabled and is refused, whatever the provider says',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('dan', account('dan', ['idp-support']));
      const first = await signInWithProvider(w, 'dan');
      const dan = (await technicianOf('dan'))!;
      await updateTechnician(w.h, { type: 'system' }, dan.id, { disabled: true });
      expect((await w.h.call('GET', '/api/auth/me', { cookie: sessionCookie(first.res) })).status).toBe(401);

      w.provider.accounts.set('dan', account('dan', ['idp-admins'], { name: 'Dan Changed' }));
      const before = await tableCounts(w.h);
      const { res } = await signInWithProvider(w, 'dan');
      expect(await refusalOf(res)).toMatchObject({ status: 403, reason: 'disabled', type: 'text/html; charset=utf-8' });
      expect(res.headers.getSetCookie().some((c) => c.startsWith('loupe_session='))).toBe(false);
      expect(await technicianOf('dan')).toMatchObject({ disabled: true, name: dan.name, groupId: w.groups.support });
      expect(await tableCounts(w.h)).toEqual(before);
    },
    TIMEOUT,
  );
});

describe('refused', () => {
  test(
    "without a mapped group: a page in the person's language, and no technician",
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('eve', account('eve', ['staff', 'idp-supportx']));
      const before = await tableCounts(w.h);
      const { res } = await signInWithProvider(w, 'eve', { headers: { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.5' } });
      const page = await refusalOf(res);
      expect(page).toMatchObject({ status: 403, reason: 'no_group', type: 'text/html; charset=utf-8' });
      expect(page.html).toContain('<html lang="nl">');
      expect(page.html).toContain(`Je account bij ${PROVIDER_NAME}`);
      expect(page.html).toContain('<a href="/login">Terug naar de inlogpagina</a>');
      expect(page.html).not.toContain('<script');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await technicianOf('eve')).toBeUndefined();
      expect(await tableCounts(w.h)).toEqual(before);
    },
    TIMEOUT,
  );

  test(
    'a group mapped to a Loupe group that does not exist',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('gus', account('gus', ['idp-ghost']));
      const { res } = await signInWithProvider(w, 'gus');
      expect(await refusalOf(res)).toMatchObject({ status: 403, reason: 'unknown_group' });
      expect(await technicianOf('gus')).toBeUndefined();
    },
    TIMEOUT,
  );

  test(
    'a changed, missing or replayed state, and a callback in another browser',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('hal', account('hal', ['idp-support']));
      const { res, callback, stateCookie } = await signInWithProvider(w, 'hal');
      expect(res.status).toBe(302);
      // Replayed: the same callback, the same browser.
      expect(await refusalOf(await openCallback(w.h, callback, stateCookie))).toMatchObject({
        status: 400,
        reason: 'state',
      });

      const fresh = await signInWithProvider(w, 'hal');
      expect(fresh.res.status).toBe(302);
      for (const [label, url, cookie] of [
        ['changed', withParam(callback, 'state', 'A'.repeat(43)), stateCookie],
        ['missing', withParam(callback, 'state', null), stateCookie],
        ['another browser', callback, undefined],
        ['another browser with its own state', callback, 'loupe_oidc=somebody-elses-state-0123456789'],
      ] as const) {
        const page = await refusalOf(await openCallback(w.h, url, cookie));
        expect(`${label}: ${page.status} ${page.reason}`).toBe(`${label}: 400 state`);
      }
    },
    TIMEOUT,
  );

  test(
    'a login started in one browser and finished in another leaves the pending sign-in to its own',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('ida', account('ida', ['idp-support']));
      const start = await w.h.call('GET', '/auth/oidc/login');
      const stateCookie = cookieFrom(start, 'loupe_oidc');
      const callback = await signInAtProvider(start.headers.get('location')!, 'ida');
      expect((await refusalOf(await openCallback(w.h, callback))).reason).toBe('state');
      // The browser that started it still finishes it.
      expect((await openCallback(w.h, callback, stateCookie)).status).toBe(302);
    },
    TIMEOUT,
  );

  test(
    'an ID token with another nonce',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('jo', account('jo', ['idp-support']));
      const before = await tableCounts(w.h);
      const { res } = await signInWithProvider(w, 'jo', {
        tamper: (url) => withParam(url, 'nonce', 'an-attackers-nonce'),
      });
      expect(await refusalOf(res)).toMatchObject({ status: 400, reason: 'invalid_response' });
      expect(await technicianOf('jo')).toBeUndefined();
      expect(await tableCounts(w.h)).toEqual(before);
    },
    TIMEOUT,
  );

  test(
    'an answer from another issuer (a second provider with the same client)',
    async () => {
      w = await oidcWorld();
      second = await startTestProvider({
        redirectUris: [CALLBACK],
        clientId: w.provider.clientId,
        clientSecret: w.provider.clientSecret,
        accounts: [account('kim', ['idp-admins'])],
      });
      const other = second;
      const { res } = await signInWithProvider(w, 'kim', {
        tamper: (url) => new URL(`${other.issuer}${url.pathname}${url.search}`),
      });
      expect(await refusalOf(res)).toMatchObject({ status: 400, reason: 'invalid_response' });
      expect(await technicianOf('kim')).toBeUndefined();
    },
    TIMEOUT,
  );

  test(
    "the provider's own error (no sign-in there: prompt=none)",
    async () => {
      w = await oidcWorld();
      const { res, callback } = await signInWithProvider(w, 'nobody', {
        tamper: (url) => withParam(url, 'prompt', 'none'),
      });
      expect(callback.searchParams.get('error')).toBe('login_required');
      expect(await refusalOf(res)).toMatchObject({ status: 400, reason: 'provider_error' });
      expect(await w.h.db.select().from(oidcLogins)).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('sign-out', () => {
  test(
    "ends Loupe's sign-in and sends the browser to the provider with the ID token as hint",
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('liv', account('liv', ['idp-support']));
      const cookie = sessionCookie((await signInWithProvider(w, 'liv')).res);
      const [row] = await w.h.db
        .select({ idToken: authSessions.oidcIdToken })
        .from(authSessions)
        .innerJoin(technicians, eq(technicians.id, authSessions.technicianId))
        .where(and(eq(technicians.oidcSubject, 'liv')));

      // Another site cannot sign her out by sending her browser here.
      const crossSite = await w.h.call('GET', '/auth/oidc/logout', {
        cookie,
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      expect(crossSite.headers.get('location')).toBe('/console');
      expect((await w.h.call('GET', '/api/auth/me', { cookie })).status).toBe(200);

      const res = await w.h.call('GET', '/auth/oidc/logout', { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
      expect(res.status).toBe(302);
      const to = new URL(res.headers.get('location')!);
      expect(`${to.origin}${to.pathname}`).toBe(`${w.provider.issuer}/session/end`);
      expect(to.searchParams.get('id_token_hint')).toBe(row!.idToken);
      expect(to.searchParams.get('post_logout_redirect_uri')).toBe('http://localhost:8080/login');
      expect(res.headers.getSetCookie().find((c) => c.startsWith('loupe_session='))).toMatch(/Max-Age=0/);
      expect((await w.h.call('GET', '/api/auth/me', { cookie })).status).toBe(401);
      expect((await actions()).at(-1)).toBe('auth.logout');

      // The provider takes the hint: its sign-out page answers (no error about the token).
      const page = await fetch(to, { redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`${w.provider.issuer}/session/end/confirm`);

      // Signed out already (or by password): straight to the login page.
      expect((await w.h.call('GET', '/auth/oidc/logout', { cookie })).headers.get('location')).toBe('/login');
    },
    TIMEOUT,
  );
});

function withParam(url: URL, name: string, value: string | null): URL {
  const copy = new URL(url);
  if (value === null) copy.searchParams.delete(name);
  else copy.searchParams.set(name, value);
  return copy;
}

describe('the test world', () => {
  test(
    'the provider sends the browser back to the registered callback',
    async () => {
      w = await oidcWorld();
      w.provider.accounts.set('max', account('max', ['idp-support']));
      const { callback } = await signInWithProvider(w, 'max');
      expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
      expect(callback.searchParams.get('iss')).toBe(w.provider.issuer);
    },
    DATABASE_HOOK,
  );
});
