// The people and rows that the fuzz tests and the authorization matrix act on:
// an administrator, a technician with the session rights who owns the target
// sessions, a viewer in the owner's group (whose group has
// `view_group_sessions` too, so the owner is one as well: rights are the
// group's), another technician with the session rights in a group of his own
// who owns sessions of his own, one in a group without rights, a bystander whom no generated request
// names, the customers of both technicians' sessions, and a photo of each
// technician's active session. The app runs on
// FakeJanus, so Start, hold and media signalling get past their state checks.
import type { Hono } from 'hono';
import { createApp } from '../app.ts';
import { hashPassword } from '../auth/passwords.ts';
import { createAuthSession, loadMe, SESSION_COOKIE } from '../auth/sessions.ts';
import { type Scope, SCOPES } from '../contract/org.ts';
import { createToken, scopesBeyond } from '../tokens/tokens.ts';
import type { Access } from '../contract/access.ts';
import type { Right } from '../contract/rights.ts';
import { RIGHTS } from '../contract/rights.ts';
import { transaction } from '../db/transaction.ts';
import { FakeJanus } from '../media/fake-janus.ts';
import { followSessions, roomStore } from '../media/lifecycle.ts';
import { MediaService } from '../media/service.ts';
import { silentLogger } from '../log.ts';
import type { SocketRegistry } from '../realtime/registry.ts';
import { LINK_RIGHTS, SMS_RIGHTS } from '../sessions/testing.ts';
import type { SessionView } from '../sessions/view.ts';
import { createGroup } from '../technicians/groups.ts';
import { requestedSnapshot, storedSnapshot } from '../tools/test-images.ts';
import { insertTechnician } from '../technicians/technicians.ts';
import { callerFor, harness, type Caller, type Harness } from './harness.ts';

/** Who makes a request, from nobody to the administrator. */
export const ROLES = ['signedOut', 'customer', 'noRights', 'other', 'viewer', 'owner', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/**
 * Callers with an API token (src/tokens): a service token with every scope,
 * the owner's personal token with every scope the owner's rights allow, and a
 * service token with every scope but the route's.
 */
export const TOKEN_ROLES = ['service', 'personal', 'unscoped'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];
export type AnyRole = Role | TokenRole;
const isTokenRole = (role: AnyRole): role is TokenRole => (TOKEN_ROLES as readonly string[]).includes(role);

export const SESSION_RIGHTS = [...new Set([...SMS_RIGHTS, ...LINK_RIGHTS])];
export const PHONE = '+31612345678';

/** The owner's group: the session rights, and the right to see each other's records (docs/records.md). */
const OWNER_GROUP_RIGHTS: Right[] = [...SESSION_RIGHTS, 'view_group_sessions'];

const RIGHTS_OF: Record<Exclude<Role, 'signedOut' | 'customer'>, readonly Right[]> = {
  noRights: [],
  other: SESSION_RIGHTS,
  viewer: OWNER_GROUP_RIGHTS,
  owner: OWNER_GROUP_RIGHTS,
  admin: RIGHTS,
};

/** Who sees the owner's records: the owner, a viewer of the owner's group, an administrator. */
const SEES_OWNERS: readonly Role[] = ['owner', 'viewer', 'admin'];

/** What `role` gets from a route with `access` (src/contract/access.ts) when its rightful caller gets `ok`. */
export function outcome(access: Access, role: AnyRole, ok: number): number {
  if (isTokenRole(role)) return tokenOutcome(access, role, ok);
  if (access.who === 'anyone') return ok;
  if (access.who === 'customer') return role === 'customer' ? ok : 401;
  if (role === 'signedOut' || role === 'customer') return 401;
  if (access.right && !RIGHTS_OF[role].includes(access.right)) return 403;
  if (access.owns && role !== 'owner') return 404;
  if (access.sees && !SEES_OWNERS.includes(role)) return 404;
  return ok;
}

/**
 * The `scope` rule: a token counts for nothing where no technician is needed;
 * elsewhere it needs the route's scope (403), and then a personal token is its
 * technician (the owner) and a service token acts for whoever the route's
 * session belongs to, passing the route's right checks.
 */
function tokenOutcome(access: Access, role: TokenRole, ok: number): number {
  if (access.who !== 'technician') return outcome(access, 'signedOut', ok);
  if (!access.scope || role === 'unscoped') return 403;
  if (role === 'personal')
    return scopesBeyond(RIGHTS_OF.owner, [access.scope]).length ? 403 : outcome(access, 'owner', ok);
  return ok;
}

export type Person = { id: string; groupId: string; cookie: string };
/** A session and, once redeemed, its customer's cookie. */
export type Target = { view: SessionView; customer?: string };
export type Stage = 'invited' | 'connecting' | 'waiting' | 'active' | 'on_hold';

export type World = {
  h: Harness;
  app: Hono;
  call: Caller;
  janus: FakeJanus;
  people: Record<'admin' | 'owner' | 'viewer' | 'other' | 'noRights' | 'bystander', Person>;
  /** Sessions of the owner (`own`) and of the other technician (`others`), by stage. */
  own: Record<'invited' | 'sms' | 'connecting' | 'waiting' | 'active', Target>;
  others: Record<'invited' | 'waiting' | 'active', Target>;
  /** A stored photo of the owner's active session (`own`) and of the other technician's (`others`). */
  snapshots: { own: string; others: string };
  /**
   * A new pending snapshot request of the customer's session (`own.connecting`,
   * whose cookie `cookieOf('customer')` is), taken to `active` the first time:
   * what the phone's upload needs.
   */
  customerRequest(): Promise<string>;
  /** Every real id in the world except the bystander's: what a generated request may name. */
  ids: () => string[];
  /** A new session of `cookie`'s technician, taken to `stage`. */
  session(cookie: string, stage: Stage, method?: 'link' | 'sms'): Promise<Target>;
  cookieOf(role: Role): string | undefined;
  /** What `role` sends: its cookie, or its token for a route with `access`. */
  authOf(role: AnyRole, access: Access): { cookie?: string; headers?: Record<string, string> };
  stop(): Promise<void>;
};

export const PASSWORD = 'world password 123';
// One argon2 hash (~200 ms here) for everyone: a world is built per route, and its people never sign in by password.
let passwordHash: Promise<string> | undefined;

/** A technician in a group of their own with `rights` (or in the group `rights` names), signed in. */
async function person(
  h: Harness,
  name: string,
  rights: Right[] | { groupId: string },
  maxLive?: number,
): Promise<Person> {
  const system = { type: 'system' } as const;
  const settings = maxLive ? { maxLiveLensSessions: maxLive } : undefined;
  const group =
    'groupId' in rights
      ? { id: rights.groupId }
      : await createGroup(h, system, { name: `${name} group`, rights, settings });
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  return transaction(h.db, async (tx) => {
    const input = { email: `${name.toLowerCase()}@example.test`, name, groupId: group.id };
    const { id } = await insertTechnician(tx, system, input, hash);
    const { token } = await createAuthSession(tx, h, id, { address: '127.0.0.1', userAgent: 'world' });
    return { id, groupId: group.id, cookie: `${SESSION_COOKIE}=${token}` };
  });
}

/** Builds the world on an emptied database; `maxLive` is the session technicians' live-session limit. */
export async function buildWorld(opts: { maxLive?: number; sockets?: SocketRegistry } = {}): Promise<World> {
  const h = await harness();
  const janus = new FakeJanus();
  const media = new MediaService({ janus, log: silentLogger, rooms: roomStore(h), connect: janus.connect });
  media.start();
  await media.ready();
  const unfollow = followSessions(h, media);
  const app = createApp({ ...h, database: h.database, media, sockets: opts.sockets });
  const call = callerFor(app);
  const maxLive = opts.maxLive ?? 8;
  const admin = await person(h, 'Admin', [...RIGHTS]);
  const owner = await person(h, 'Owner', OWNER_GROUP_RIGHTS, maxLive);
  const people = {
    admin,
    owner,
    viewer: await person(h, 'Viewer', { groupId: owner.groupId }),
    other: await person(h, 'Other', SESSION_RIGHTS, maxLive),
    noRights: await person(h, 'Norights', []),
    bystander: await person(h, 'Bystander', SESSION_RIGHTS),
  };
  const session = (cookie: string, stage: Stage, method: 'link' | 'sms' = 'link') =>
    takeTo(call, cookie, stage, method);
  const ownerCookie = people.owner.cookie;
  const other = people.other.cookie;
  const own = {
    invited: await session(ownerCookie, 'invited'),
    sms: await session(ownerCookie, 'invited', 'sms'),
    connecting: await session(ownerCookie, 'connecting'),
    waiting: await session(ownerCookie, 'waiting'),
    active: await session(ownerCookie, 'active'),
  };
  const others = {
    invited: await session(other, 'invited'),
    waiting: await session(other, 'waiting'),
    active: await session(other, 'active'),
  };
  const snapshots = {
    own: await storedSnapshot(h, own.active.view.id),
    others: await storedSnapshot(h, others.active.view.id),
  };
  const customerRequest = async () => {
    const { view, customer } = own.connecting;
    if (view.state === 'connecting') {
      await expectOk(call('POST', '/api/lens/eula', { cookie: customer, body: { accept: true } }));
      await expectOk(call('POST', `/api/sessions/${view.id}/start`, { cookie: ownerCookie }));
      own.connecting = { view: { ...view, state: 'active' }, customer };
    }
    return requestedSnapshot(h, view.id);
  };
  const ids = () => [
    ...Object.entries(people).flatMap(([name, p]) => (name === 'bystander' ? [] : [p.id, p.groupId])),
    ...[...Object.values(own), ...Object.values(others)].map((t) => t.view.id),
    snapshots.own,
    snapshots.others,
  ];
  const cookieOf = (role: Role): string | undefined =>
    role === 'signedOut' ? undefined : role === 'customer' ? own.connecting.customer : people[role].cookie;
  const tokens = await worldTokens(h, people);
  const authOf = (role: AnyRole, access: Access) => {
    if (!isTokenRole(role)) return { cookie: cookieOf(role) };
    const scope = access.who === 'technician' ? access.scope : undefined;
    const token = role === 'unscoped' ? tokens.without[scope ?? 'none'] : tokens[role];
    return { headers: { authorization: `Bearer ${token}` } };
  };
  const stop = async () => {
    unfollow();
    await media.stop();
  };
  return { h, app, call, janus, people, own, others, snapshots, customerRequest, ids, session, cookieOf, authOf, stop };
}

async function worldTokens(h: Harness, people: World['people']) {
  const admin = (await loadMe(h.db, people.admin.id))!;
  const make = async (scopes: Scope[], technicianId?: string) =>
    (await createToken(h, admin, { name: 'World', scopes, technicianId })).token;
  const without = { none: await make([...SCOPES]) } as Record<Scope | 'none', string>;
  for (const scope of SCOPES) without[scope] = await make(SCOPES.filter((s) => s !== scope));
  const ownerScopes = SCOPES.filter((s) => !scopesBeyond(RIGHTS_OF.owner, [s]).length);
  return { service: without.none, personal: await make(ownerScopes, people.owner.id), without };
}

async function expectOk(answer: Promise<Response>): Promise<void> {
  const res = await answer;
  if (res.status !== 200) throw new Error(`world: ${res.url} answered ${res.status} ${await res.text()}`);
}

let texts = 0;

async function takeTo(call: Caller, cookie: string, stage: Stage, method: 'link' | 'sms'): Promise<Target> {
  // A number per invitation: the SMS limit per number (5 an hour) is not what a world tests.
  const phone = `+3165${String(++texts).padStart(7, '0')}`;
  const body = { type: 'lens', name: `Target ${stage}`, method, ...(method === 'sms' && { phone }) };
  const created = await call('POST', '/api/sessions', { cookie, body });
  if (created.status !== 201) throw new Error(`world: create answered ${created.status} ${await created.text()}`);
  let view = (await created.json()) as SessionView;
  if (stage === 'invited') return { view };
  const redeemed = await call('POST', '/api/lens/redeem', { body: { pin: view.pin } });
  const customer = redeemed.headers
    .getSetCookie()
    .find((c) => c.startsWith('loupe_lens='))
    ?.split(';')[0];
  if (!customer) throw new Error(`world: redeem answered ${redeemed.status}`);
  const steps: [Stage, string, unknown?][] = [
    ['waiting', '/api/lens/eula', { accept: true }],
    ['active', `/api/sessions/${view.id}/start`],
    ['on_hold', `/api/sessions/${view.id}/hold`],
  ];
  for (const [reached, path, accept] of steps.slice(0, ['connecting', 'waiting', 'active', 'on_hold'].indexOf(stage))) {
    const res = await call('POST', path, accept ? { cookie: customer, body: accept } : { cookie });
    if (res.status !== 200) throw new Error(`world: ${path} answered ${res.status} ${await res.text()}`);
    if (reached !== 'waiting') view = (await res.json()) as SessionView;
  }
  return { view: { ...view, state: stage }, customer };
}
