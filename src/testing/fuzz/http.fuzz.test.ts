// Property-based fuzzing of every HTTP route in the contract (ROUTES), with
// bodies generated from the contract's input schemas: valid, almost valid and
// hostile, sent as every kind of caller, naming the world's real ids (other
// technicians' sessions and groups too). Whatever comes in: no 5xx, an answer
// the contract allows (the harness checks every one), no internals in an
// error, nothing written by a refused request, and the server still serves
// a bystander afterwards. See invariants.ts for the run count and the seed.
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { loadMe } from '../../auth/sessions.ts';
import { ACCESS } from '../../contract/access.ts';
// The body and the URL query each route takes (the contract's input schemas, the table the OpenAPI document is made from); the others take none.
import { BODIES, QUERIES } from '../../contract/requests.ts';
import { ROUTES } from '../../contract/routes.ts';
import { recordings } from '../../db/schema.ts';
import { DATABASE_HOOK, ORIGIN } from '../harness.ts';
import { buildWorld, PASSWORD, PHONE, ROLES, type Role, type World } from '../world.ts';
import { type Body, bodyFor, bodyForBodiless, type Hints, jsonSchemaOf, NASTY, pathSegment } from './arbitraries.ts';
import { changedTables, clip, count, internalsIn, printStats, runProperty, tableDigests } from './invariants.ts';

/** A generated "body" as a URL query: an object's fields as parameters (an array's items repeated), anything else as raw text. */
function queryString(body: Body | undefined): string {
  if (!body) return '';
  const encode = (v: unknown) => {
    try {
      return encodeURIComponent(typeof v === 'string' ? v.slice(0, 8_000) : (JSON.stringify(v) ?? String(v)));
    } catch {
      return '%ED%A0%80'; // a lone surrogate: its UTF-8-looking bytes instead
    }
  };
  if ('raw' in body) return `?${encode(body.raw)}`;
  const json = body.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return `?${encode(json)}`;
  const pairs = Object.entries(json).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((item) => [k, item]));
  return `?${pairs.map(([k, v]) => `${encode(String(k))}=${encode(v)}`).join('&')}`;
}

/**
 * Tables a refusal may write, and why: a failed sign-in or redeem is counted,
 * that is what the limiter is for.
 */
const WRITES_ON_REFUSAL: Record<string, string[]> = {
  'POST /api/auth/login': ['rate_limits'],
  'POST /api/lens/redeem': ['rate_limits'],
};

type Request = { role: Role | 'forged' | 'both'; origin: string; path: string; body?: Body };

/** Bodies that pass validation as they are (across fields too), for the fuzz to start from. */
function examples(w: World): Record<string, Record<string, unknown>[]> {
  const { owner, noRights } = w.people;
  const password = 'a new password 1';
  return {
    'POST /api/auth/login': [{ email: 'owner@example.test', password: PASSWORD }],
    'POST /api/setup': [{ token: 'x'.repeat(43), email: 'first@example.test', name: 'First', password }],
    'POST /api/groups': [{ name: 'New group', rights: ['use_link_method'], settings: { maxLiveLensSessions: 2 } }],
    'PATCH /api/groups/:id': [{ name: 'Renamed' }, { rights: [] }, { settings: { pinLifetimeMinutes: 5 } }],
    'POST /api/technicians': [{ email: 'new@example.test', name: 'New', password, groupId: noRights.groupId }],
    'PATCH /api/technicians/:id': [{ name: 'Renamed' }, { disabled: true }, { groupId: owner.groupId }],
    'POST /api/technicians/:id/password': [{ password }],
    'PUT /api/settings/eula': [{ en: 'Terms' }, { nl: 'Voorwaarden', en: 'Terms' }],
    'POST /api/sessions': [
      { type: 'lens', name: 'Router', method: 'link' },
      { type: 'lens', name: 'Router', method: 'sms', phone: PHONE, language: 'nl' },
    ],
    'POST /api/lens/redeem': [
      { pin: w.own.invited.view.pin },
      { pin: w.others.invited.view.pin },
      { token: w.own.sms.view.link!.split('/').pop() },
    ],
    'POST /api/lens/eula': [{ accept: true }, { accept: false }],
    // The own SMS invitation's number: refused while it is live (session_live).
    'POST /api/erasures': [
      { phone: PHONE },
      { phone: '+32 470 12 34 56' },
      { phone: w.own.sms.view.phone! },
      { email: 'customer@example.test' },
    ],
    'POST /api/tokens': [
      { name: 'Ticket system', scopes: ['sessions:write', 'sessions:read'] },
      { name: 'Mine', scopes: ['sessions:read', 'reports:read'], technicianId: owner.id },
      { name: 'Beyond', scopes: ['webhooks:manage'], technicianId: owner.id },
    ],
  };
}

/** The caller a route is for, most of the time, so valid bodies get past the sign-in. */
function usualRole(key: string): Role {
  const access = ACCESS[key]!;
  if (access.who === 'customer') return 'customer';
  if (access.who === 'anyone') return 'signedOut';
  if (access.right === 'administer') return 'admin';
  return 'owner';
}

function hints(w: World): Hints {
  const views = [...Object.values(w.own), ...Object.values(w.others)].map((t) => t.view);
  const people = Object.values(w.people).filter((p) => p !== w.people.bystander);
  return {
    email: fc.constantFrom('owner@example.test', ' ADMIN@example.test ', 'new@example.test', 'a@b.c'),
    password: fc.constant(PASSWORD),
    groupId: fc.constantFrom(...people.map((p) => p.groupId)),
    phone: fc.constantFrom(PHONE, '+32470123456', '0612345678', '+1 202 555 0100', '+316'),
    pin: fc.constantFrom(...views.flatMap((v) => (v.pin ? [v.pin] : []))),
    token: fc.constantFrom(...views.flatMap((v) => (v.link ? [v.link.split('/').pop()!] : []))),
    name: fc.constantFrom('Owner group', 'Admin group', 'Router', ...NASTY.map((c) => `A${c}B`)),
    technicianId: fc.constantFrom(...people.map((p) => p.id)),
  };
}

function requests(w: World, key: string): fc.Arbitrary<Request> {
  const [, pattern] = key.split(' ') as [string, string];
  const segments = pattern.split('/').map((part) => (part.startsWith(':') ? pathSegment(w.ids()) : fc.constant(part)));
  const schema = BODIES[key];
  const query = QUERIES[key];
  const usual = usualRole(key);
  // Two in three as the route's own caller, so valid bodies get past the sign-in; the rest as anyone else.
  const role = fc.constantFrom<Request['role']>(...ROLES, 'forged', 'both', ...Array(14).fill(usual));
  return fc.record(
    {
      role,
      // Mostly the console's own page; sometimes another site's, or a sandboxed frame's.
      origin: fc.constantFrom(...Array(6).fill(ORIGIN), 'https://evil.example', 'null'),
      path: query
        ? fc
            .tuple(fc.tuple(...segments), bodyFor(jsonSchemaOf(query), hints(w)))
            .map(([parts, q]) => `${parts.join('/')}${queryString(q)}`)
        : fc.tuple(...segments).map((parts) => parts.join('/')),
      body: schema ? bodyFor(jsonSchemaOf(schema), hints(w), examples(w)[key]) : bodyForBodiless(),
    },
    { requiredKeys: ['role', 'path', 'body', 'origin'] },
  ) as fc.Arbitrary<Request>;
}

function cookieFor(w: World, role: Request['role']): string | undefined {
  if (role === 'forged') return 'loupe_session=forged; loupe_lens=forged';
  if (role === 'both') return `${w.people.owner.cookie}; ${w.own.connecting.customer}`;
  return w.cookieOf(role);
}

/**
 * Whether the caller may succeed at all (src/contract/access.ts): the right
 * sign-in, the right as their group has it now (the fuzz may have given a
 * group rights), and for an own-session route their own session.
 */
async function mayPass(w: World, key: string, req: Request): Promise<boolean> {
  const access = ACCESS[key]!;
  const roles: Role[] = req.role === 'both' ? ['owner', 'customer'] : [req.role === 'forged' ? 'signedOut' : req.role];
  // The session's id, or the snapshot's for /api/snapshots/:id; a uuid is a uuid in any case.
  const id = (req.path.split('/')[3] ?? '').toLowerCase();
  const owns = (sessions: Record<string, { view: { id: string } }>) =>
    Object.values(sessions).some((t) => t.view.id === id);
  for (const role of roles) {
    if (access.who !== 'technician') {
      if (access.who === 'anyone' || role === 'customer') return true;
      continue;
    }
    if (role === 'signedOut' || role === 'customer') continue;
    const rights = (await loadMe(w.h.db, w.people[role].id))?.rights ?? [];
    if (access.right && !rights.includes(access.right)) continue;
    if (access.sees) {
      if (await sees(w, role, rights, access.sees, id)) return true;
      continue;
    }
    if (!access.owns) return true;
    if (access.owns === 'snapshot') {
      if ((role === 'owner' && id === w.snapshots.own) || (role === 'other' && id === w.snapshots.others)) return true;
    } else if ((role === 'owner' && owns(w.own)) || (role === 'other' && owns(w.others))) return true;
  }
  return false;
}

/**
 * Whether `role` may see the record `id` names (docs/records.md, "Who sees a
 * record"), from what the world knows of whose it is: its owner, a member of
 * the owner's group whose group has `view_group_sessions`, an administrator.
 */
async function sees(
  w: World,
  role: Exclude<Role, 'signedOut' | 'customer'>,
  rights: string[],
  what: 'session' | 'snapshot' | 'recording',
  id: string,
): Promise<boolean> {
  if (rights.includes('administer')) return true;
  let sessionId = id;
  if (what === 'snapshot')
    sessionId =
      id === w.snapshots.own ? w.own.active.view.id : id === w.snapshots.others ? w.others.active.view.id : '';
  if (what === 'recording') {
    const [row] = await w.h.db.select().from(recordings).where(sql`${recordings.id}::text = ${id}`);
    sessionId = row?.sessionId ?? '';
  }
  const has = (sessions: Record<string, { view: { id: string } }>) =>
    Object.values(sessions).some((t) => t.view.id === sessionId);
  const owner = has(w.own) ? w.people.owner : has(w.others) ? w.people.other : undefined;
  if (!owner) return false;
  const me = w.people[role];
  return me === owner || (rights.includes('view_group_sessions') && me.groupId === owner.groupId);
}

/** Sends one request and checks every invariant on its answer. */
async function check(w: World, key: string, req: Request): Promise<void> {
  const [method] = key.split(' ') as [string];
  const before = await tableDigests(w.h.db);
  const body = req.body;
  const sent = body === undefined ? '' : 'raw' in body ? body.raw : JSON.stringify(body.json);
  const headers: Record<string, string> = { origin: req.origin };
  if (body) headers['content-type'] = 'raw' in body ? body.type : 'application/json';
  const res = await w.call(method, req.path, {
    cookie: cookieFor(w, req.role),
    headers,
    ...(body && { raw: sent }),
  });
  const text = await res.text();
  count(key, text.startsWith('{"error"') ? `${res.status} ${JSON.parse(text).error.code}` : res.status);
  const what = `${method} ${clip(req.path, 200)} as ${req.role} answered ${res.status} ${clip(text, 400)}`;
  if (res.status >= 500) throw new Error(`a server error: ${what}`);
  if (res.status < 400) {
    if (!(await mayPass(w, key, req))) throw new Error(`a success for a caller the access table refuses: ${what}`);
    return;
  }
  const leak = internalsIn(text, `${req.path} ${sent}`);
  if (leak) throw new Error(`${what}: ${leak}`);
  const allowed = WRITES_ON_REFUSAL[key] ?? [];
  const written = changedTables(before, await tableDigests(w.h.db)).filter((t) => !allowed.includes(t));
  if (written.length) throw new Error(`${what}, yet it changed ${written.join(', ')}`);
}

/** After the run: a technician the fuzz never named, the health check and the customer's capabilities still answer. */
async function stillServes(w: World): Promise<void> {
  const bystander = w.people.bystander.cookie;
  expect((await w.call('GET', '/api/auth/me', { cookie: bystander })).status).toBe(200);
  expect((await w.call('GET', '/api/sessions', { cookie: bystander })).status).toBe(200);
  expect((await w.call('GET', '/healthz')).status).toBe(200);
  expect((await w.call('GET', '/api/lens/capabilities')).status).toBe(200);
}

let w: World;
beforeEach(async () => {
  // A small live-session limit, so creating sessions soon reaches its refusal.
  w = await buildWorld({ maxLive: 6 });
}, DATABASE_HOOK);
afterEach(() => w.stop());
afterAll(printStats);

describe('every route, fuzzed', () => {
  test('the fuzz knows every route of the contract and every body it takes', () => {
    const keys = Object.keys(ROUTES);
    expect(Object.keys(BODIES).filter((k) => !keys.includes(k))).toEqual([]);
    expect(keys.filter((k) => !ACCESS[k])).toEqual([]);
  });

  for (const key of Object.keys(ROUTES)) {
    test(key, async () => {
      await runProperty(
        key,
        fc.asyncProperty(requests(w, key), (req) => check(w, key, req)),
      );
      await stillServes(w);
    });
  }
});
