// Authorization: Bearer loupe_… on a real database: each scope opens exactly
// its routes (access.ts), browser-only routes refuse tokens, a revoked token
// or a disabled technician's is 401, and a service token starts, reads and
// ends a session for the technician it names.
import { describe, expect, test } from 'bun:test';
import { and, eq } from 'drizzle-orm';
import { ACCESS } from '../contract/access.ts';
import { SCOPES, type Scope } from '../contract/org.ts';
import type { TokenView } from '../contract/org-schemas.ts';
import type { SessionView } from '../contract/views.ts';
import { apiTokens, auditLog, technicians } from '../db/schema.ts';
import { LINK_RIGHTS, technician } from '../sessions/testing.ts';
import { DATABASE_HOOK, errorOf, harness, type Harness, signInAsAdmin, tableCounts } from '../testing/harness.ts';

async function setUp() {
  const h = await harness();
  const admin = await signInAsAdmin(h);
  const tech = await technician(h, { rights: [...LINK_RIGHTS, 'use_sms_method'] });
  const plain = await technician(h, { rights: [] });
  const token = async (scopes: readonly Scope[], technicianId?: string, cookie = admin) => {
    const res = await h.call('POST', '/api/tokens', { cookie, body: { name: 'Test', scopes, technicianId } });
    if (res.status !== 201) throw new Error(`token: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token: string; tokenInfo: TokenView };
  };
  return { h, admin, tech, plain, token };
}

const bearer = (h: Harness, token: string, method: string, path: string, body?: unknown) =>
  h.call(method, path, { body, headers: { authorization: `Bearer ${token}` } });

/** A route's path with every parameter a fresh id (no such row). */
const pathOf = (key: string) => key.split(' ')[1]!.replace(/:\w+/g, () => crypto.randomUUID());

describe('bearer tokens', () => {
  test(
    'each scope opens exactly the routes that name it',
    async () => {
      const { h, token } = await setUp();
      const scoped = Object.entries(ACCESS).filter(([, a]) => a.who === 'technician' && a.scope);
      for (const scope of SCOPES) {
        const { token: t } = await token([scope]);
        for (const [key, access] of scoped) {
          const [method] = key.split(' ') as [string];
          const res = await bearer(h, t, method, pathOf(key), method === 'GET' ? undefined : {});
          const error = res.status >= 400 ? await errorOf(res) : undefined;
          // Routes of another part of issue 21 not served yet on this branch: nothing to check.
          if (error?.message.startsWith('No route')) continue;
          const allowed = access.who === 'technician' && access.scope === scope;
          const got = { key, scope, refused: error?.code === 'insufficient_scope' };
          expect(got).toEqual({ key, scope, refused: !allowed });
          if (allowed) expect(res.status).not.toBe(401);
        }
      }
    },
    DATABASE_HOOK,
  );

  test(
    'browser-only routes refuse any token: token_not_allowed',
    async () => {
      const { h, token } = await setUp();
      const { token: t } = await token(SCOPES);
      const before = await tableCounts(h);
      for (const [method, path, body] of [
        ['POST', '/api/tokens', { name: 'Another', scopes: ['sessions:read'] }],
        ['GET', '/api/tokens'],
        ['DELETE', `/api/tokens/${crypto.randomUUID()}`],
        ['GET', '/api/groups'],
        ['GET', '/api/auth/me'],
        ['POST', `/api/sessions/${crypto.randomUUID()}/start`],
      ] as const) {
        const res = await bearer(h, t, method, path, body);
        expect({ path, status: res.status, code: (await errorOf(res)).code }).toEqual({
          path,
          status: 403,
          code: 'token_not_allowed',
        });
      }
      expect(await tableCounts(h)).toEqual(before);
    },
    DATABASE_HOOK,
  );

  test(
    'a malformed, unknown or revoked token is 401, whatever cookie comes with it',
    async () => {
      const { h, admin, token } = await setUp();
      const { token: t, tokenInfo } = await token(['sessions:read']);
      expect((await bearer(h, t, 'GET', '/api/sessions')).status).toBe(200);
      for (const authorization of [
        'Basic YWRtaW46YWRtaW4=',
        'Bearer abc',
        `Bearer ${t}x`,
        `Bearer loupe_${'A'.repeat(43)}`,
        '',
      ]) {
        const res = await h.call('GET', '/api/sessions', { cookie: admin, headers: { authorization } });
        expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
        expect((await errorOf(res)).message).toMatch(/Authorization header|unknown or has been revoked/);
      }
      await h.call('DELETE', `/api/tokens/${tokenInfo.id}`, { cookie: admin });
      const revoked = await bearer(h, t, 'GET', '/api/sessions');
      expect(revoked.status).toBe(401);
      expect((await errorOf(revoked)).message).toMatch(/revoked/);
    },
    DATABASE_HOOK,
  );

  test(
    'a personal token is its technician, with the rights they have now',
    async () => {
      const { h, admin, tech, token } = await setUp();
      const { token: t } = await token(['sessions:write', 'sessions:read'], tech.id, tech.cookie);
      const created = await bearer(h, t, 'POST', '/api/sessions', { type: 'lens', name: 'Mine', method: 'link' });
      expect(created.status).toBe(201);
      const own = (await created.json()) as SessionView;
      // Someone else's session is as unknown to the token as to its technician.
      const otherRes = await h.call('POST', '/api/sessions', {
        cookie: (await technician(h, { rights: LINK_RIGHTS })).cookie,
        body: { type: 'lens', name: 'Theirs', method: 'link' },
      });
      const theirs = (await otherRes.json()) as SessionView;
      expect((await bearer(h, t, 'GET', `/api/sessions/${theirs.id}`)).status).toBe(404);
      const listed = (await (await bearer(h, t, 'GET', '/api/sessions')).json()) as { sessions: SessionView[] };
      expect(listed.sessions.map((s) => s.id)).toEqual([own.id]);
      // A personal token names nobody else.
      const forOther = await bearer(h, t, 'POST', '/api/sessions', {
        type: 'lens',
        name: 'For another',
        method: 'link',
        technicianId: crypto.randomUUID(),
      });
      expect(forOther.status).toBe(403);

      // The group loses start_lens_sessions: sessions:write goes with it; sessions:read stays.
      await h.call('PATCH', `/api/groups/${tech.me.groupId}`, { cookie: admin, body: { rights: ['use_link_method'] } });
      const lost = await bearer(h, t, 'POST', '/api/sessions', { type: 'lens', name: 'No', method: 'link' });
      expect(lost.status).toBe(403);
      expect((await errorOf(lost)).code).toBe('insufficient_scope');
      expect((await bearer(h, t, 'GET', '/api/sessions')).status).toBe(200);

      // Disabled: the token stops working.
      await h.call('PATCH', `/api/technicians/${tech.id}`, { cookie: admin, body: { disabled: true } });
      expect((await bearer(h, t, 'GET', '/api/sessions')).status).toBe(401);
    },
    DATABASE_HOOK,
  );

  test(
    'a service token starts, reads and ends a session for the technician it names',
    async () => {
      const { h, tech, plain, token } = await setUp();
      const { token: t, tokenInfo } = await token(['sessions:write', 'sessions:read', 'reports:read']);
      const body = { type: 'lens', name: 'Printer', method: 'link', reference: 'INC-4711' };
      const before = await tableCounts(h);
      const nobody = await bearer(h, t, 'POST', '/api/sessions', body);
      expect(nobody.status).toBe(400);
      expect((await errorOf(nobody)).message).toMatch(/technicianId/);
      const unknown = await bearer(h, t, 'POST', '/api/sessions', { ...body, technicianId: crypto.randomUUID() });
      expect(unknown.status).toBe(400);
      const noRights = await bearer(h, t, 'POST', '/api/sessions', { ...body, technicianId: plain.id });
      expect(noRights.status).toBe(403);
      expect(await tableCounts(h)).toEqual(before);

      const res = await bearer(h, t, 'POST', '/api/sessions', { ...body, technicianId: tech.id });
      expect(res.status).toBe(201);
      const session = (await res.json()) as SessionView;
      expect(session.reference).toBe('INC-4711');
      const [invited] = await h.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'session.invited'), eq(auditLog.subjectId, session.id)));
      expect(invited).toMatchObject({ actorType: 'technician', actorId: tech.id });
      expect(invited!.details).toMatchObject({ reference: 'INC-4711', tokenId: tokenInfo.id });

      // Reads it as its owner would, among everyone's.
      const read = (await (await bearer(h, t, 'GET', `/api/sessions/${session.id}`)).json()) as SessionView;
      expect(read).toMatchObject({ id: session.id, reference: 'INC-4711' });
      const own = await h.call('POST', '/api/sessions', { cookie: plain.cookie, body: { ...body } });
      expect(own.status).toBe(403);
      const listed = (await (await bearer(h, t, 'GET', '/api/sessions')).json()) as { sessions: SessionView[] };
      expect(listed.sessions.map((s) => s.id)).toContain(session.id);

      const ended = await bearer(h, t, 'POST', `/api/sessions/${session.id}/end`);
      expect(ended.status).toBe(200);
      expect(((await ended.json()) as SessionView).state).toBe('closed');
      // The history shows everyone's ended sessions, the reference with them.
      const history = (await (await bearer(h, t, 'GET', '/api/history?q=INC-4711')).json()) as {
        sessions: { id: string; reference: string | null; technician: { id: string } }[];
      };
      expect(history.sessions).toEqual([
        expect.objectContaining({
          id: session.id,
          reference: 'INC-4711',
          technician: expect.objectContaining({ id: tech.id }),
        }),
      ]);
      const report = await bearer(h, t, 'GET', `/api/sessions/${session.id}/report`);
      expect(report.status).toBe(200);
    },
    DATABASE_HOOK,
  );

  test(
    'a cookie caller names only themselves as the technician of a new session',
    async () => {
      const { h, tech, plain } = await setUp();
      const body = { type: 'lens', name: 'Mine', method: 'link' };
      const before = await tableCounts(h);
      const res = await h.call('POST', '/api/sessions', {
        cookie: tech.cookie,
        body: { ...body, technicianId: plain.id },
      });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).message).toMatch(/technicianId/);
      expect(await tableCounts(h)).toEqual(before);
      const own = await h.call('POST', '/api/sessions', {
        cookie: tech.cookie,
        body: { ...body, technicianId: tech.id },
      });
      expect(own.status).toBe(201);
    },
    DATABASE_HOOK,
  );

  test(
    'last used is written at most once a minute',
    async () => {
      const { h, token } = await setUp();
      const { token: t, tokenInfo } = await token(['sessions:read']);
      const lastUsed = async () =>
        (await h.db.select().from(apiTokens).where(eq(apiTokens.id, tokenInfo.id)))[0]!.lastUsedAt?.toISOString();
      expect(await lastUsed()).toBeUndefined();
      const first = h.clock.now().toISOString();
      await bearer(h, t, 'GET', '/api/sessions');
      expect(await lastUsed()).toBe(first);
      h.clock.advance(30_000);
      await bearer(h, t, 'GET', '/api/sessions');
      expect(await lastUsed()).toBe(first);
      h.clock.advance(31_000);
      await bearer(h, t, 'GET', '/api/sessions');
      expect(await lastUsed()).toBe(h.clock.now().toISOString());
    },
    DATABASE_HOOK,
  );

  test(
    'a disabled technician’s personal token is 401 at once',
    async () => {
      const { h, tech, token } = await setUp();
      const { token: t } = await token(['sessions:read'], tech.id);
      expect((await bearer(h, t, 'GET', '/api/sessions')).status).toBe(200);
      await h.db.update(technicians).set({ disabled: true }).where(eq(technicians.id, tech.id));
      const res = await bearer(h, t, 'GET', '/api/sessions');
      expect(res.status).toBe(401);
      expect((await errorOf(res)).message).toMatch(/disabled/);
    },
    DATABASE_HOOK,
  );
});
