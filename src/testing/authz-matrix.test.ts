// The authorization matrix: every route of the contract (ROUTES) called by
// every kind of caller (signed out, a customer's Lens cookie, a technician
// without rights, another technician, a viewer of the owner's group, the
// owner of the target, an administrator) with a request that succeeds for its
// rightful caller. What each must get follows from the route's entry in
// src/contract/access.ts: 401 without the sign-in or Lens cookie the route
// needs, 403 without the right, 404 for a session that is not the caller's
// own (so another's session is as unknown as a missing one) or, for a record
// the route `sees`, one the caller may not see, else the success; and three
// callers with an API token, whose answers follow from the route's `scope`
// (world.ts, tokenOutcome). A route without an entry
// or without a request here fails, so a new route must be classified.
import { afterEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { type Access, ACCESS } from '../contract/access.ts';
import { ROUTES } from '../contract/routes.ts';
import { smsMessages } from '../db/schema.ts';
import { websocket } from '../realtime/bun-socket.ts';
import { openTestSocket } from '../realtime/test-socket.ts';
import { storeReadyRecording } from '../records/recording-testing.ts';
import { createGroup } from '../technicians/groups.ts';
import { png } from '../tools/test-images.ts';
import { seedWebhook } from '../webhooks/testing.ts';
import { DATABASE_HOOK, ORIGIN } from './harness.ts';
import { loadMe } from '../auth/sessions.ts';
import { createToken } from '../tokens/tokens.ts';
import { type AnyRole, buildWorld, outcome, PASSWORD, ROLES, TOKEN_ROLES, type World } from './world.ts';

/** `bytes`: an image upload's body (IMAGE_UPLOADS), instead of JSON. */
type Call = { path: string; body?: unknown; bytes?: Uint8Array; status?: number };

let n = 0;
const unique = (what: string) => `${what} ${++n}`;
const sessionPath = (id: string, verb = '') => `/api/sessions/${id}${verb && `/${verb}`}`;

/**
 * A request the route answers with success for its rightful caller (or, where
 * nobody can succeed in this world, `status`), made anew for each caller:
 * a success may use its target up. Session targets are the owner's.
 */
const REQUESTS: Record<string, (w: World, role: AnyRole) => Call | Promise<Call>> = {
  'POST /api/auth/login': () => ({
    path: '/api/auth/login',
    body: { email: 'bystander@example.test', password: PASSWORD },
  }),
  'POST /api/auth/logout': () => ({ path: '/api/auth/logout' }),
  'GET /api/auth/me': () => ({ path: '/api/auth/me' }),
  'GET /api/auth/options': () => ({ path: '/api/auth/options' }),
  // This world has no single sign-on: its routes are 404 for everyone (src/oidc/oidc.test.ts signs in through them).
  'GET /auth/oidc/login': () => ({ path: '/auth/oidc/login', status: 404 }),
  'GET /auth/oidc/callback': () => ({ path: '/auth/oidc/callback?state=x&code=y', status: 404 }),
  'GET /auth/oidc/logout': () => ({ path: '/auth/oidc/logout', status: 404 }),
  // An administrator exists, so no setup link does.
  'GET /api/setup/:token': () => ({ path: `/api/setup/${'x'.repeat(43)}`, status: 404 }),
  'POST /api/setup': () => ({
    path: '/api/setup',
    body: { token: 'x'.repeat(43), email: 'first@example.test', name: 'First', password: PASSWORD },
    status: 404,
  }),
  'GET /api/groups': () => ({ path: '/api/groups' }),
  'POST /api/groups': () => ({ path: '/api/groups', body: { name: unique('Group'), rights: [] } }),
  'PATCH /api/groups/:id': (w) => ({
    path: `/api/groups/${w.people.noRights.groupId}`,
    body: { name: unique('Renamed') },
  }),
  'DELETE /api/groups/:id': async (w) => {
    const group = await createGroup(w.h, { type: 'system' }, { name: unique('Empty'), rights: [] });
    return { path: `/api/groups/${group.id}` };
  },
  'GET /api/technicians': () => ({ path: '/api/technicians' }),
  'POST /api/technicians': (w) => ({
    path: '/api/technicians',
    body: {
      email: `${unique('new').replace(' ', '')}@example.test`,
      name: 'New',
      password: PASSWORD,
      groupId: w.people.noRights.groupId,
    },
  }),
  'PATCH /api/technicians/:id': (w) => ({
    path: `/api/technicians/${w.people.bystander.id}`,
    body: { name: unique('Renamed') },
  }),
  'POST /api/technicians/:id/password': (w) => ({
    path: `/api/technicians/${w.people.bystander.id}/password`,
    body: { password: 'another password 1' },
  }),
  'GET /api/settings/eula': () => ({ path: '/api/settings/eula' }),
  'PUT /api/settings/eula': () => ({ path: '/api/settings/eula', body: { en: 'Terms' } }),

  // A service token names the technician it acts for.
  'POST /api/sessions': (w, role) => ({
    path: '/api/sessions',
    body: {
      type: 'lens',
      name: 'Matrix',
      method: 'link',
      ...(role === 'service' && { technicianId: w.people.owner.id }),
    },
  }),
  'GET /api/sessions': () => ({ path: '/api/sessions' }),
  'GET /api/sessions/:id': (w) => ({ path: sessionPath(w.own.waiting.view.id) }),
  'POST /api/sessions/:id/start': async (w) => ({
    path: sessionPath((await w.session(w.people.owner.cookie, 'waiting')).view.id, 'start'),
  }),
  'POST /api/sessions/:id/hold': async (w) => ({
    path: sessionPath((await w.session(w.people.owner.cookie, 'active')).view.id, 'hold'),
  }),
  'POST /api/sessions/:id/resume': async (w) => ({
    path: sessionPath((await w.session(w.people.owner.cookie, 'on_hold')).view.id, 'resume'),
  }),
  'POST /api/sessions/:id/end': async (w) => ({
    path: sessionPath((await w.session(w.people.owner.cookie, 'invited')).view.id, 'end'),
  }),
  'POST /api/sessions/:id/resend': async (w) => {
    const { view } = await w.session(w.people.owner.cookie, 'invited', 'sms');
    // The first text went out (as the outbox would record it), and a minute passed.
    await w.h.db.update(smsMessages).set({ status: 'sent' }).where(eq(smsMessages.sessionId, view.id));
    w.h.clock.advance(61_000);
    return { path: sessionPath(view.id, 'resend') };
  },
  'POST /api/sessions/:id/snapshots': async (w) => ({
    path: sessionPath((await w.session(w.people.owner.cookie, 'active')).view.id, 'snapshots'),
  }),
  'GET /api/sessions/:id/snapshots': (w) => ({ path: sessionPath(w.own.active.view.id, 'snapshots') }),
  'GET /api/snapshots/:id': (w) => ({ path: `/api/snapshots/${w.snapshots.own}` }),
  'POST /api/snapshots/:id/annotated': (w) => ({
    path: `/api/snapshots/${w.snapshots.own}/annotated`,
    bytes: png(8, 6),
  }),

  'GET /api/sessions/:id/messages': (w) => ({ path: sessionPath(w.own.active.view.id, 'messages') }),
  'GET /api/history': () => ({ path: '/api/history' }),

  'GET /api/audit': () => ({ path: '/api/audit?kind=session.' }),
  'GET /api/audit/export': () => ({ path: '/api/audit/export' }),
  'GET /api/sessions/:id/recording': (w) => ({ path: sessionPath(w.own.active.view.id, 'recording') }),
  'GET /api/recordings/:id': async (w) => ({ path: `/api/recordings/${await ownRecording(w)}` }),
  'GET /api/sessions/:id/report': (w) => ({ path: sessionPath(w.own.active.view.id, 'report') }),
  'PUT /api/sessions/:id/notes': (w) => ({
    path: sessionPath(w.own.active.view.id, 'notes'),
    body: { text: 'Notes.' },
  }),

  'GET /api/lens/capabilities': () => ({ path: '/api/lens/capabilities' }),
  'POST /api/lens/redeem': async (w) => ({
    path: '/api/lens/redeem',
    body: { pin: (await w.session(w.people.owner.cookie, 'invited')).view.pin },
  }),
  'GET /api/lens/session': () => ({ path: '/api/lens/session' }),
  'POST /api/lens/eula': () => ({ path: '/api/lens/eula', body: { accept: true } }),
  'POST /api/lens/end': () => ({ path: '/api/lens/end' }),
  'GET /api/lens/messages': () => ({ path: '/api/lens/messages' }),
  'POST /api/lens/snapshots/:id': async (w) => ({
    path: `/api/lens/snapshots/${await w.customerRequest()}`,
    bytes: png(8, 6),
  }),
  'GET /healthz': () => ({ path: '/healthz' }),

  'GET /api/sessions/:id/export': (w) => ({ path: sessionPath(w.own.active.view.id, 'export') }),
  'GET /api/evidence-key': () => ({ path: '/api/evidence-key' }),
  // A number no session has: the administrator's erasure succeeds with zeros.
  'POST /api/erasures': () => ({ path: '/api/erasures', body: { phone: '+31 6 11223344' } }),

  // A personal token of one's own: what any technician may make (sessions:read needs no right).
  'POST /api/tokens': (w, role) => ({
    path: '/api/tokens',
    body: { name: unique('Token'), scopes: ['sessions:read'], technicianId: personOf(w, role).id },
  }),
  'GET /api/tokens': () => ({ path: '/api/tokens' }),
  // The caller's own token: another's is 404, which the route's entry (any technician) does not describe.
  'DELETE /api/tokens/:id': async (w, role) => {
    const admin = (await loadMe(w.h.db, w.people.admin.id))!;
    const input = { name: unique('Token'), scopes: ['sessions:read' as const], technicianId: personOf(w, role).id };
    return { path: `/api/tokens/${(await createToken(w.h, admin, input)).tokenInfo.id}` };
  },
  // The OpenAPI document and its reader: public (src/openapi/).
  'GET /api/openapi.json': () => ({ path: '/api/openapi.json' }),
  'GET /api/docs': () => ({ path: '/api/docs' }),
  'POST /api/webhooks': () => ({
    path: '/api/webhooks',
    body: { url: 'https://hooks.example.com/loupe', events: ['session.created'] },
  }),
  'GET /api/webhooks': () => ({ path: '/api/webhooks' }),
  'GET /api/webhooks/:id': async (w) => ({ path: `/api/webhooks/${(await seedWebhook(w.h, w.people.admin.id)).id}` }),
  'PATCH /api/webhooks/:id': async (w) => ({
    path: `/api/webhooks/${(await seedWebhook(w.h, w.people.admin.id)).id}`,
    body: { enabled: false },
  }),
  'DELETE /api/webhooks/:id': async (w) => ({
    path: `/api/webhooks/${(await seedWebhook(w.h, w.people.admin.id)).id}`,
  }),
  'GET /api/webhooks/:id/deliveries': async (w) => ({
    path: `/api/webhooks/${(await seedWebhook(w.h, w.people.admin.id)).id}/deliveries`,
  }),
  'POST /api/webhooks/:id/deliveries/:deliveryId/resend': async (w) => {
    const { id, deliveryId } = await seedWebhook(w.h, w.people.admin.id, { delivery: true });
    return { path: `/api/webhooks/${id}/deliveries/${deliveryId}/resend` };
  },
};

/** The person behind a cookie role; the owner for anyone else (whose request is refused before it matters). */
const personOf = (w: World, role: AnyRole) =>
  role in w.people ? w.people[role as keyof World['people']] : w.people.owner;

/** A ready recording of the owner's active session, stored once per world. */
const recordingsOf = new WeakMap<World, Promise<string>>();
function ownRecording(w: World): Promise<string> {
  if (!recordingsOf.has(w))
    recordingsOf.set(
      w,
      storeReadyRecording(w.h, w.own.active.view.id).then((r) => r.id),
    );
  return recordingsOf.get(w)!;
}

/** The socket routes: only an upgrade succeeds (101), on a real server. */
const SOCKETS = ['GET /ws/console', 'GET /ws/lens'];

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

/** The callers in an order where every refusal comes before the successes that may use a target up. */
function byExpectation(access: Access, ok: number): AnyRole[] {
  return [...ROLES, ...TOKEN_ROLES].sort(
    (a, b) => Number(outcome(access, a, ok) === ok) - Number(outcome(access, b, ok) === ok),
  );
}

describe('the authorization matrix', () => {
  test('classifies every route of the contract, and only those', () => {
    const keys = Object.keys(ROUTES);
    expect(keys.filter((k) => !ACCESS[k])).toEqual([]);
    expect(Object.keys(ACCESS).filter((k) => !keys.includes(k))).toEqual([]);
    expect(keys.filter((k) => !REQUESTS[k] && !SOCKETS.includes(k))).toEqual([]);
  });

  for (const key of Object.keys(ROUTES).filter((k) => !SOCKETS.includes(k))) {
    test(
      key,
      async () => {
        w = await buildWorld({ maxLive: 20 });
        const [method] = key.split(' ') as [string];
        const access = ACCESS[key]!;
        const success = ROUTES[key]![0]!.status;
        const got: Record<string, number> = {};
        const want: Record<string, number> = {};
        for (const role of byExpectation(access, success)) {
          const call = await REQUESTS[key]!(w, role);
          want[role] = outcome(access, role, call.status ?? success);
          const res = await w.call(method, call.path, {
            ...w.authOf(role, access),
            body: call.body,
            bytes: call.bytes,
          });
          got[role] = res.status;
        }
        expect(got).toEqual(want);
      },
      DATABASE_HOOK,
    );
  }

  for (const key of SOCKETS) {
    test(
      key,
      async () => {
        w = await buildWorld();
        const world = w;
        const server = Bun.serve({
          port: 0,
          hostname: '127.0.0.1',
          fetch: (req, srv) => world.app.fetch(req, srv),
          websocket,
        });
        const path = key.split(' ')[1]!;
        const got: Record<string, number> = {};
        const want: Record<string, number> = {};
        try {
          for (const role of ROLES) {
            want[role] = outcome(ACCESS[key]!, role, 101);
            const cookie = world.cookieOf(role);
            const sock = openTestSocket(`ws://127.0.0.1:${server.port}${path}`, {
              origin: `http://127.0.0.1:${server.port}`,
              cookie,
            });
            if (await sock.opened) {
              got[role] = 101;
              sock.ws.close();
              continue;
            }
            // Refused: the same upgrade request, through the app, tells the status.
            const headers: Record<string, string> = { origin: ORIGIN, upgrade: 'websocket', ...(cookie && { cookie }) };
            got[role] = (await world.app.request(`${ORIGIN}${path}`, { headers })).status;
          }
        } finally {
          await server.stop(true);
        }
        expect(got).toEqual(want);
      },
      DATABASE_HOOK,
    );
  }
});
