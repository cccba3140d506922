// size: one describe per admin route family (groups, technicians, authorization, bad input), sharing
// this file's setup and helpers; split, each part would repeat them.
import { beforeEach, describe, expect, test } from 'bun:test';
import { MAX_BODY_BYTES } from '../app.ts';
import { DEFAULT_GROUP_SETTINGS } from '../contract/rights.ts';
import {
  errorOf,
  harness,
  signIn,
  signInAsAdmin,
  tableCounts,
  DATABASE_HOOK,
  type Harness,
} from '../testing/harness.ts';

let h: Harness;
let admin: string;
const NO_ID = '00000000-0000-4000-8000-000000000000';

async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

async function newGroup(body: Record<string, unknown> = {}) {
  return json<{ id: string; name: string; rights: string[]; settings: Record<string, number | boolean> }>(
    await h.call('POST', '/api/groups', {
      cookie: admin,
      body: { name: 'Field', rights: ['start_lens_sessions', 'use_sms_method'], ...body },
    }),
    201,
  );
}

async function newTechnician(groupId: string, body: Record<string, unknown> = {}) {
  return json<{ id: string; email: string; groupId: string; groupName: string; disabled: boolean }>(
    await h.call('POST', '/api/technicians', {
      cookie: admin,
      body: { email: 'tess@example.test', name: 'Tess', password: 'tech password 123', groupId, ...body },
    }),
    201,
  );
}

beforeEach(async () => {
  h = await harness();
  admin = await signInAsAdmin(h);
}, DATABASE_HOOK);

describe('groups', () => {
  test('create applies default settings, and lists show it with its technician count', async () => {
    const g = await newGroup();
    expect(g.settings).toEqual(DEFAULT_GROUP_SETTINGS);
    expect(g.rights).toEqual(['start_lens_sessions', 'use_sms_method']);
    await newTechnician(g.id);
    const { groups } = await json<{ groups: { name: string; technicianCount: number }[] }>(
      await h.call('GET', '/api/groups', { cookie: admin }),
      200,
    );
    expect(groups.map((x) => [x.name, x.technicianCount])).toEqual([
      ['Administrators', 1],
      ['Field', 1],
    ]);
  });

  test('edit changes name, rights and settings; a group with technicians cannot be deleted', async () => {
    const g = await newGroup({ settings: { pinLifetimeMinutes: 5 } });
    expect(g.settings).toEqual({ ...DEFAULT_GROUP_SETTINGS, pinLifetimeMinutes: 5 });
    const edited = await json<typeof g>(
      await h.call('PATCH', `/api/groups/${g.id}`, {
        cookie: admin,
        body: { name: 'Field team', rights: ['use_link_method'], settings: { maxLiveLensSessions: 3 } },
      }),
      200,
    );
    expect(edited).toMatchObject({
      name: 'Field team',
      rights: ['use_link_method'],
      settings: { maxLiveLensSessions: 3, pinLifetimeMinutes: 5 },
    });
    const t = await newTechnician(g.id);
    const refused = await h.call('DELETE', `/api/groups/${g.id}`, { cookie: admin });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('group_not_empty');
    const other = await newGroup({ name: 'Other' });
    await h.call('PATCH', `/api/technicians/${t.id}`, { cookie: admin, body: { groupId: other.id } });
    expect((await h.call('DELETE', `/api/groups/${g.id}`, { cookie: admin })).status).toBe(204);
    expect((await h.call('DELETE', `/api/groups/${g.id}`, { cookie: admin })).status).toBe(404);
  });

  test('a duplicate name is a 409', async () => {
    await newGroup();
    const res = await h.call('POST', '/api/groups', { cookie: admin, body: { name: 'Field', rights: [] } });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toContain('Field');
  });
});

describe('technicians', () => {
  test('create, list, edit, disable, enable', async () => {
    const g = await newGroup();
    const t = await newTechnician(g.id, { email: ' Tess@Example.TEST ' });
    expect(t).toMatchObject({ email: 'tess@example.test', groupId: g.id, groupName: 'Field', disabled: false });
    expect(JSON.stringify(t)).not.toContain('password');
    const { technicians } = await json<{ technicians: { email: string }[] }>(
      await h.call('GET', '/api/technicians', { cookie: admin }),
      200,
    );
    expect(technicians.map((x) => x.email).sort()).toEqual(['admin@example.test', 'tess@example.test']);
    const edited = await json<typeof t>(
      await h.call('PATCH', `/api/technicians/${t.id}`, { cookie: admin, body: { name: 'Tess T.', disabled: true } }),
      200,
    );
    expect(edited).toMatchObject({ disabled: true });
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: t.email, password: 'tech password 123' } })).status,
    ).toBe(403);
    await h.call('PATCH', `/api/technicians/${t.id}`, { cookie: admin, body: { disabled: false } });
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: t.email, password: 'tech password 123' } })).status,
    ).toBe(200);
  });

  test("a password reset replaces the password and ends the technician's sessions", async () => {
    const g = await newGroup();
    const t = await newTechnician(g.id);
    const techCookie = await signIn(h, t.email, 'tech password 123');
    expect(
      (
        await h.call('POST', `/api/technicians/${t.id}/password`, {
          cookie: admin,
          body: { password: 'a new long password' },
        })
      ).status,
    ).toBe(204);
    expect((await h.call('GET', '/api/auth/me', { cookie: techCookie })).status).toBe(401);
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: t.email, password: 'tech password 123' } })).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: t.email, password: 'a new long password' } })).status,
    ).toBe(200);
  });

  test('a duplicate email (in any case) is a 409 and writes nothing', async () => {
    const g = await newGroup();
    await newTechnician(g.id);
    const before = await tableCounts(h);
    const res = await h.call('POST', '/api/technicians', {
      cookie: admin,
      body: { email: 'TESS@example.test', name: 'Other', password: 'another password', groupId: g.id },
    });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('duplicate_email');
    expect(await tableCounts(h)).toEqual(before);
  });

  test('the last enabled administrator can be neither disabled nor moved out of administration', async () => {
    const { technicians } = await json<{ technicians: { id: string }[] }>(
      await h.call('GET', '/api/technicians', { cookie: admin }),
      200,
    );
    const me = technicians[0]!.id;
    const g = await newGroup();
    const { groups } = await json<{ groups: { id: string; name: string }[] }>(
      await h.call('GET', '/api/groups', { cookie: admin }),
      200,
    );
    const admins = groups.find((x) => x.name === 'Administrators')!.id;
    for (const [path, body] of [
      [`/api/technicians/${me}`, { disabled: true }],
      [`/api/technicians/${me}`, { groupId: g.id }],
      [`/api/groups/${admins}`, { rights: ['start_lens_sessions'] }],
    ] as const) {
      const res = await h.call('PATCH', path, { cookie: admin, body });
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe('last_administrator');
    }
    expect((await h.call('GET', '/api/auth/me', { cookie: admin })).status).toBe(200);
    // With a second administrator, the first may step down.
    await newTechnician(admins, { email: 'second@example.test' });
    expect((await h.call('PATCH', `/api/technicians/${me}`, { cookie: admin, body: { groupId: g.id } })).status).toBe(
      200,
    );
  });
});

describe('authorization', () => {
  const adminRoutes: [string, string, unknown?][] = [
    ['GET', '/api/groups'],
    ['POST', '/api/groups', { name: 'X', rights: [] }],
    ['PATCH', `/api/groups/${NO_ID}`, { name: 'X' }],
    ['DELETE', `/api/groups/${NO_ID}`],
    ['GET', '/api/technicians'],
    [
      'POST',
      '/api/technicians',
      { email: 'x@example.test', name: 'X', password: 'long enough password', groupId: NO_ID },
    ],
    ['PATCH', `/api/technicians/${NO_ID}`, { name: 'X' }],
    ['POST', `/api/technicians/${NO_ID}/password`, { password: 'long enough password' }],
  ];

  test('a technician without the administer right gets 403 on every admin route, and nothing changes', async () => {
    const g = await newGroup({
      rights: ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'],
    });
    await newTechnician(g.id);
    const tech = await signIn(h, 'tess@example.test', 'tech password 123');
    const before = await tableCounts(h);
    for (const [method, path, body] of adminRoutes) {
      const res = await h.call(method, path, { cookie: tech, body });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      expect((await errorOf(res)).code).toBe('forbidden');
    }
    expect(await tableCounts(h)).toEqual(before);
  });

  test('without a session every admin route is a 401', async () => {
    for (const [method, path, body] of adminRoutes) {
      const res = await h.call(method, path, { body });
      expect([method, path, res.status]).toEqual([method, path, 401]);
    }
  });

  test('rights taken from a group apply at once to signed-in technicians', async () => {
    const g = await newGroup({ rights: ['administer'] });
    await newTechnician(g.id);
    const tech = await signIn(h, 'tess@example.test', 'tech password 123');
    expect((await h.call('GET', '/api/groups', { cookie: tech })).status).toBe(200);
    await h.call('PATCH', `/api/groups/${g.id}`, { cookie: admin, body: { rights: [] } });
    expect((await h.call('GET', '/api/groups', { cookie: tech })).status).toBe(403);
  });
});

describe('bad input on every admin route: a 4xx with a clear message, nothing written', () => {
  type Ids = { group: string; tech: string };
  type Case = [string, (ids: Ids) => [string, string], unknown | ((ids: Ids) => unknown), number, string | null];
  const group = () => ['POST', '/api/groups'] as [string, string];
  const editGroup = (ids: Ids) => ['PATCH', `/api/groups/${ids.group}`] as [string, string];
  const tech = () => ['POST', '/api/technicians'] as [string, string];
  const editTech = (ids: Ids) => ['PATCH', `/api/technicians/${ids.tech}`] as [string, string];
  const password = (ids: Ids) => ['POST', `/api/technicians/${ids.tech}/password`] as [string, string];
  const validTech = (ids: Ids) => ({
    email: 'new@example.test',
    name: 'New',
    password: 'long enough password',
    groupId: ids.group,
  });

  const cases: Case[] = [
    ['group: missing name', group, { rights: [] }, 400, 'name'],
    ['group: rights not a list', group, { name: 'G', rights: 'administer' }, 400, 'rights'],
    ['group: unknown right', group, { name: 'G', rights: ['fly'] }, 400, 'rights.0'],
    ['group: unknown field', group, { name: 'G', rights: [], colour: 'red' }, 400, ''],
    ['group: name too long', group, { name: 'G'.repeat(65), rights: [] }, 400, 'name'],
    [
      'group: setting out of range',
      group,
      { name: 'G', rights: [], settings: { pinLifetimeMinutes: 0 } },
      400,
      'settings.pinLifetimeMinutes',
    ],
    [
      'group: setting wrong type',
      group,
      { name: 'G', rights: [], settings: { maxLiveLensSessions: '2' } },
      400,
      'settings.maxLiveLensSessions',
    ],
    ['group: unknown setting', group, { name: 'G', rights: [], settings: { colour: 1 } }, 400, 'settings'],
    ['group edit: empty', editGroup, {}, 400, null],
    ['group edit: duplicate name', editGroup, { name: 'Administrators' }, 409, null],
    ['technician: missing fields', tech, {}, 400, 'email'],
    [
      'technician: weak password',
      tech,
      (ids: Ids) => ({ ...validTech(ids), password: 'elevenchars' }),
      400,
      'password',
    ],
    ['technician: bad email', tech, (ids: Ids) => ({ ...validTech(ids), email: 'nope' }), 400, 'email'],
    ['technician: wrong type', tech, (ids: Ids) => ({ ...validTech(ids), name: ['N'] }), 400, 'name'],
    ['technician: unknown group', tech, (ids: Ids) => ({ ...validTech(ids), groupId: NO_ID }), 400, 'groupId'],
    ['technician: unknown field', tech, (ids: Ids) => ({ ...validTech(ids), admin: true }), 400, ''],
    ['technician edit: disabled as string', editTech, { disabled: 'yes' }, 400, 'disabled'],
    ['technician edit: email taken', editTech, { email: 'admin@example.test' }, 409, null],
    ['technician edit: no such group', editTech, { groupId: NO_ID }, 400, 'groupId'],
    ['password: too short', password, { password: 'short' }, 400, 'password'],
    ['password: too long', password, { password: 'p'.repeat(257) }, 400, 'password'],
    ['password: missing', password, {}, 400, 'password'],
  ];

  test.each(cases)('%s', async (_name, route, body, status, path) => {
    const g = await newGroup();
    const t = await newTechnician(g.id);
    const ids = { group: g.id, tech: t.id };
    const [method, url] = route(ids);
    const before = await tableCounts(h);
    const res = await h.call(method, url, { cookie: admin, body: typeof body === 'function' ? body(ids) : body });
    expect(res.status).toBe(status);
    const error = await errorOf(res);
    expect(error.message.length).toBeGreaterThan(5);
    if (path !== null) expect((error.details as { path: string }[]).map((d) => d.path)).toContain(path);
    expect(await tableCounts(h)).toEqual(before);
  });

  test.each([
    ['POST', '/api/groups'],
    ['POST', '/api/technicians'],
    ['POST', '/api/auth/login'],
    ['POST', '/api/setup'],
  ])('%s %s: a 10 MB body is a 413, malformed JSON a 400, a form a 415', async (method, url) => {
    const before = await tableCounts(h);
    const huge = await h.call(method, url, {
      cookie: admin,
      raw: JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).message).toContain(String(MAX_BODY_BYTES));
    const broken = await h.call(method, url, {
      cookie: admin,
      raw: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    const array = await h.call(method, url, {
      cookie: admin,
      raw: '[]',
      headers: { 'content-type': 'application/json' },
    });
    expect(array.status).toBe(400);
    const form = await h.call(method, url, {
      cookie: admin,
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(await tableCounts(h)).toEqual(before);
  });

  test('an id that is not a UUID is a 400; an unknown one a 404', async () => {
    expect((await h.call('PATCH', '/api/technicians/42', { cookie: admin, body: { name: 'X' } })).status).toBe(400);
    expect((await h.call('PATCH', `/api/technicians/${NO_ID}`, { cookie: admin, body: { name: 'X' } })).status).toBe(
      404,
    );
    expect((await h.call('DELETE', '/api/groups/..%2F..', { cookie: admin })).status).toBe(400);
  });

  test('unknown API paths are JSON 404s', async () => {
    const res = await h.call('GET', '/api/nothing-here', { cookie: admin });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
    expect((await h.call('PUT', '/api/groups', { cookie: admin })).status).toBe(404);
  });
});
