// size: one table of every text field of every route body, clearer whole than split by route.
// Every text field of every route body, sent a character PostgreSQL or a
// person cannot hold, answers 400 naming that field, and no table changes (no
// row written, no login attempt counted). The test asserts validation's answer,
// not the database's reaction, which differs by character and database: before
// the text rule, NUL (and on some routes an unpaired surrogate, in jsonb) was a
// 500 from PGlite and PostgreSQL alike, while C1 characters and bidi overrides
// were stored. The last test fails when a route body gains a text field this
// table lacks.
import { beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { ensureFirstAdministrator } from '../auth/setup.ts';
import { rows } from '../db/testing.ts';
import { DATABASE_HOOK, errorOf, harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import {
  createGroupInput,
  createSessionInput,
  createTechnicianInput,
  eulaInput,
  loginInput,
  redeemInput,
  resetPasswordInput,
  setupInput,
  updateEulaInput,
  updateGroupInput,
  updateTechnicianInput,
} from './inputs.ts';
import { notesInput } from './records.ts';
import { ROUTES } from './routes.ts';
import { erasureInput } from './records.ts';
import { createTokenInput, createWebhookInput, updateWebhookInput } from './org-schemas.ts';

/** Inserted in the middle of a field's otherwise valid value. */
const CHARS = {
  NUL: '\u0000',
  'C0 BEL': '\u0007',
  'C0 ESC': '\u001B',
  'line feed': '\n',
  tab: '\t',
  DEL: '\u007F',
  'C1 NEL': '\u0085',
  'lone surrogate': '\uD800',
  'bidi override RLO': '\u202E',
  'bidi isolate FSI': '\u2068',
  'zero-width space': '\u200B',
  'byte order mark': '\uFEFF',
} as const;
type Char = keyof typeof CHARS;
const ALL = Object.keys(CHARS) as Char[];

const UNSTORABLE: Char[] = ['NUL', 'C0 BEL', 'C0 ESC', 'line feed', 'tab', 'DEL', 'C1 NEL', 'lone surrogate'];
/**
 * What each kind of field refuses. The EULA keeps line breaks, tabs and invisible characters
 * other than bidi controls; a password any printable character; a phone number drops invisible
 * characters (only its E.164 form is kept).
 */
const REFUSES: Record<'strict' | 'text' | 'password' | 'phone', Char[]> = {
  strict: ALL,
  text: ALL.filter((c) => !['line feed', 'tab', 'zero-width space', 'byte order mark'].includes(c)),
  password: UNSTORABLE,
  phone: UNSTORABLE,
};

/** `sessionId`: the administrator's own session (link method); `customer`: its customer's cookie. */
type Ids = 'admin' | 'groupId' | 'technicianId' | 'setupToken' | 'sessionId' | 'customer';
type World = { h: Harness; setup: Harness } & Record<Ids, string>;
type Field = {
  route: string;
  path: (w: World) => string;
  /** A valid body; the field under test is in it. */
  body: (w: World) => Record<string, unknown>;
  field: string;
  kind: keyof typeof REFUSES;
  /** The harness to call: the signed-in one, or the one still waiting for its setup link. */
  setup?: true;
  /** Also the customer's cookie (the Lens routes). */
  customer?: true;
};

const PASSWORD = 'long enough password';
const login = { email: 'admin@example.test', password: PASSWORD };
const technician = (w: World) => ({
  email: 'tess@example.test',
  name: 'Tess Tech',
  password: PASSWORD,
  groupId: w.groupId,
});
const sessionBody = {
  type: 'lens',
  name: 'Router',
  method: 'sms',
  phone: '06 12345678',
  language: 'nl',
  reference: 'INC-1',
};
const VALID_TOKEN = 'AbCdEfGhIjKlMnOpQrStUv';

const FIELDS: Field[] = [
  ...(['email', 'password'] as const).map((field) => ({
    route: 'POST /api/auth/login',
    path: () => '/api/auth/login',
    body: () => login,
    field,
    kind: field === 'password' ? ('password' as const) : ('strict' as const),
  })),
  ...(['token', 'name', 'email', 'password'] as const).map((field) => ({
    route: 'POST /api/setup',
    path: () => '/api/setup',
    body: (w: World) => ({ token: w.setupToken, name: 'Ada Admin', email: 'ada@example.test', password: PASSWORD }),
    field,
    kind: field === 'password' ? ('password' as const) : ('strict' as const),
    setup: true as const,
  })),
  ...(['name', 'rights.0'] as const).map((field) => ({
    route: 'POST /api/groups',
    path: () => '/api/groups',
    body: () => ({ name: 'Field team', rights: ['use_link_method'] }),
    field,
    kind: 'strict' as const,
  })),
  ...(['name', 'rights.0'] as const).map((field) => ({
    route: 'PATCH /api/groups/:id',
    path: (w: World) => `/api/groups/${w.groupId}`,
    body: () => ({ name: 'Field team', rights: ['use_link_method'] }),
    field,
    kind: 'strict' as const,
  })),
  ...(['email', 'name', 'password', 'groupId'] as const).map((field) => ({
    route: 'POST /api/technicians',
    path: () => '/api/technicians',
    body: technician,
    field,
    kind: field === 'password' ? ('password' as const) : ('strict' as const),
  })),
  ...(['email', 'name', 'groupId'] as const).map((field) => ({
    route: 'PATCH /api/technicians/:id',
    path: (w: World) => `/api/technicians/${w.technicianId}`,
    body: (w: World) => ({ email: 'tess@example.test', name: 'Tess Tech', groupId: w.groupId }),
    field,
    kind: 'strict' as const,
  })),
  {
    route: 'POST /api/technicians/:id/password',
    path: (w) => `/api/technicians/${w.technicianId}/password`,
    body: () => ({ password: PASSWORD }),
    field: 'password',
    kind: 'password',
  },
  ...(['en', 'nl'] as const).map((field) => ({
    route: 'PUT /api/settings/eula',
    path: () => '/api/settings/eula',
    body: () => ({ en: 'Line one.\n\nLine two.', nl: 'Regel een.\n\tRegel twee.' }),
    field,
    kind: 'text' as const,
  })),
  ...(['type', 'name', 'method', 'phone', 'language', 'reference'] as const).map((field) => ({
    route: 'POST /api/sessions',
    path: () => '/api/sessions',
    body: () => sessionBody,
    field,
    kind: field === 'phone' ? ('phone' as const) : ('strict' as const),
  })),
  // Issue 21: the technician a service token starts a session for (a cookie caller may name itself).
  {
    route: 'POST /api/sessions',
    path: () => '/api/sessions',
    body: (w: World) => ({ ...sessionBody, technicianId: w.technicianId }),
    field: 'technicianId',
    kind: 'strict',
  },
  ...(['name', 'scopes.0', 'technicianId'] as const).map((field) => ({
    route: 'POST /api/tokens',
    path: () => '/api/tokens',
    body: (w: World) => ({ name: 'Ticket system', scopes: ['sessions:read'], technicianId: w.technicianId }),
    field,
    kind: 'strict' as const,
  })),
  ...(['url', 'events.0', 'description'] as const).map((field) => ({
    route: 'POST /api/webhooks',
    path: () => '/api/webhooks',
    body: () => ({ url: 'https://hooks.example.org/loupe', events: ['session.created'], description: 'Ticket system' }),
    field,
    kind: 'strict' as const,
  })),
  // The body is checked before the receiver is looked up: any id does.
  ...(['url', 'events.0', 'description'] as const).map((field) => ({
    route: 'PATCH /api/webhooks/:id',
    path: () => '/api/webhooks/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    body: () => ({ url: 'https://hooks.example.org/loupe', events: ['session.created'], description: 'Ticket system' }),
    field,
    kind: 'strict' as const,
  })),
  // Checked before whether e-mail is configured.
  {
    route: 'POST /api/sessions',
    path: () => '/api/sessions',
    body: () => ({ type: 'lens', name: 'Meter', method: 'email', email: 'customer@example.test' }),
    field: 'email',
    kind: 'strict',
  },
  {
    route: 'POST /api/erasures',
    path: () => '/api/erasures',
    body: () => ({ phone: '06 12345678' }),
    field: 'phone',
    kind: 'phone',
  },
  {
    route: 'POST /api/erasures',
    path: () => '/api/erasures',
    body: () => ({ email: 'customer@example.test' }),
    field: 'email',
    kind: 'strict',
  },
  ...(['pin', 'token'] as const).map((field) => ({
    route: 'POST /api/lens/redeem',
    path: () => '/api/lens/redeem',
    body: () => (field === 'pin' ? { pin: '123456' } : { token: VALID_TOKEN }),
    field,
    kind: 'strict' as const,
  })),
  {
    route: 'POST /api/lens/eula',
    path: () => '/api/lens/eula',
    body: () => ({ accept: true, language: 'nl' }),
    field: 'language',
    kind: 'strict',
    customer: true,
  },
  {
    route: 'PUT /api/sessions/:id/notes',
    path: (w) => `/api/sessions/${w.sessionId}/notes`,
    body: () => ({ text: 'Line one.\n\tLine two.' }),
    field: 'text',
    kind: 'text',
  },
];

/** The body with `ch` inserted in the middle of the field's value (`rights.0`: the array's first item). */
function spoiled(body: Record<string, unknown>, field: string, ch: string): Record<string, unknown> {
  const [key, index] = field.split('.') as [string, string | undefined];
  const insert = (v: string) => v.slice(0, Math.ceil(v.length / 2)) + ch + v.slice(Math.ceil(v.length / 2));
  if (index === undefined) return { ...body, [key]: insert(body[key] as string) };
  const list = [...(body[key] as string[])];
  list[Number(index)] = insert(list[Number(index)]!);
  return { ...body, [key]: list };
}

/** Every table's row count and a digest of its rows: any write shows. */
async function snapshot(h: Pick<Harness, 'db'>): Promise<Record<string, string>> {
  const tables = rows<{ tablename: string }>(
    await h.db.execute(sql`select tablename from pg_tables where schemaname = current_schema() order by 1`),
  ).map((r) => r.tablename);
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [row] = rows<{ n: number; digest: string }>(
      await h.db.execute(
        sql`select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${sql.identifier(table)} t`,
      ),
    );
    out[table] = `${row!.n} ${row!.digest}`;
  }
  return out;
}

const world = {} as World;

// The test database is one per process (each harness truncates it): the setup world first, then the signed-in one.
describe('the setup link refuses bad text in every field', () => {
  beforeAll(async () => {
    world.setup = await harness();
    const link = await ensureFirstAdministrator(world.setup);
    if (link.outcome !== 'setup_link') throw new Error(`expected a setup link, got ${link.outcome}`);
    world.setupToken = new URL(link.url).searchParams.get('token')!;
  }, DATABASE_HOOK);

  for (const f of FIELDS.filter((x) => x.setup))
    for (const ch of REFUSES[f.kind])
      test(`${f.route} ${f.field}: ${ch}`, async () => {
        const before = await snapshot(world.setup);
        const res = await world.setup.call('POST', f.path(world), { body: spoiled(f.body(world), f.field, CHARS[ch]) });
        expect(res.status).toBe(400);
        const error = await errorOf(res);
        expect(error.details).toEqual([{ path: f.field, message: expect.any(String) }]);
        expect(await snapshot(world.setup)).toEqual(before);
      });
});

describe('signed in: every other route body refuses bad text in every field', () => {
  beforeAll(async () => {
    world.h = await harness();
    world.admin = await signInAsAdmin(world.h);
    const g = await world.h.call('POST', '/api/groups', {
      cookie: world.admin,
      body: { name: 'Field', rights: ['start_lens_sessions'] },
    });
    world.groupId = ((await g.json()) as { id: string }).id;
    const t = await world.h.call('POST', '/api/technicians', {
      cookie: world.admin,
      body: { ...technician(world), email: 'tom@example.test', name: 'Tom' },
    });
    world.technicianId = ((await t.json()) as { id: string }).id;
    const body = { type: 'lens', name: 'Meter', method: 'link' };
    const session = (await (await world.h.call('POST', '/api/sessions', { cookie: world.admin, body })).json()) as {
      id: string;
      pin: string;
    };
    world.sessionId = session.id;
    const redeemed = await world.h.call('POST', '/api/lens/redeem', { body: { pin: session.pin } });
    world.customer = redeemed.headers.getSetCookie()[0]!.split(';')[0]!;
  }, DATABASE_HOOK);

  for (const f of FIELDS.filter((x) => !x.setup))
    for (const ch of REFUSES[f.kind])
      test(`${f.route} ${f.field}: ${ch}`, async () => {
        const { h, admin } = world;
        const before = await snapshot(h);
        const [method] = f.route.split(' ') as [string];
        const res = await h.call(method, f.path(world), {
          cookie: f.customer ? `${admin}; ${world.customer}` : admin,
          body: spoiled(f.body(world), f.field, CHARS[ch]),
        });
        expect(res.status).toBe(400);
        const error = await errorOf(res);
        expect(error.details).toEqual([{ path: f.field, message: expect.any(String) }]);
        expect(await snapshot(h)).toEqual(before);
      });

  test('a path parameter with NUL, a control character or broken UTF-8 is a 4xx, never a 500', async () => {
    const { h, admin } = world;
    const params = Object.keys(ROUTES).filter((k) => k.includes('/:'));
    expect(params.length).toBeGreaterThan(0);
    for (const key of params)
      for (const bad of ['%00', 'a%00b', '%07', '%C2%85', '%ED%A0%80', '%FF', '%E2%80%AE']) {
        const [method, pattern] = key.split(' ') as [string, string];
        const path = pattern.replace(/:\w+/, bad);
        const res = await h.call(method, path, { cookie: admin, ...(method === 'GET' ? {} : { body: {} }) });
        expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({ path, status: true });
      }
  });
});

/** Which schema validates which route's body (the routes' own `jsonBody` calls). */
const BODIES: Record<string, z.ZodType | null> = {
  'POST /api/auth/login': loginInput,
  'POST /api/auth/logout': null,
  'POST /api/setup': setupInput,
  'POST /api/groups': createGroupInput,
  'PATCH /api/groups/:id': updateGroupInput,
  'DELETE /api/groups/:id': null,
  'POST /api/technicians': createTechnicianInput,
  'PATCH /api/technicians/:id': updateTechnicianInput,
  'POST /api/technicians/:id/password': resetPasswordInput,
  'PUT /api/settings/eula': updateEulaInput,
  'POST /api/sessions': createSessionInput,
  'POST /api/sessions/:id/start': null,
  'POST /api/sessions/:id/hold': null,
  'POST /api/sessions/:id/resume': null,
  'POST /api/sessions/:id/end': null,
  'POST /api/sessions/:id/resend': null,
  'POST /api/sessions/:id/snapshots': null,
  // An image's bytes (IMAGE_UPLOADS in routes.ts): no text field; checked by content in src/tools/snapshot-upload.ts.
  'POST /api/snapshots/:id/annotated': null,
  'POST /api/lens/redeem': redeemInput,
  'POST /api/lens/eula': eulaInput,
  'POST /api/lens/end': null,
  'POST /api/lens/snapshots/:id': null,
  'PUT /api/sessions/:id/notes': notesInput,
  'POST /api/erasures': erasureInput,
  'POST /api/tokens': createTokenInput,
  'DELETE /api/tokens/:id': null,
  'POST /api/webhooks': createWebhookInput,
  'PATCH /api/webhooks/:id': updateWebhookInput,
  'DELETE /api/webhooks/:id': null,
  'POST /api/webhooks/:id/deliveries/:deliveryId/resend': null,
};

/** The dotted paths of every string a JSON Schema accepts (array items as `.0`). */
function stringPaths(schema: Record<string, unknown>, prefix = ''): string[] {
  const s = schema as {
    type?: string;
    enum?: unknown[];
    const?: unknown;
    properties?: Record<string, Record<string, unknown>>;
    items?: Record<string, unknown>;
    anyOf?: Record<string, unknown>[];
  };
  if (s.anyOf) return [...new Set(s.anyOf.flatMap((x) => stringPaths(x, prefix)))];
  if (s.properties)
    return Object.entries(s.properties).flatMap(([k, v]) => stringPaths(v, prefix ? `${prefix}.${k}` : k));
  if (s.items) return stringPaths(s.items, `${prefix}.0`);
  const isString = s.type === 'string' || typeof s.const === 'string' || s.enum?.some((e) => typeof e === 'string');
  return isString ? [prefix] : [];
}

test('the table has every text field of every route body in the contract', () => {
  const writes = Object.keys(ROUTES).filter((k) => /^(POST|PUT|PATCH|DELETE) \/api\//.test(k));
  expect(writes.filter((k) => !(k in BODIES))).toEqual([]);
  const inContract = Object.entries(BODIES).flatMap(([route, schema]) =>
    schema
      ? stringPaths(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })).map((p) => `${route} ${p}`)
      : [],
  );
  const inTable = FIELDS.map((f) => `${f.route} ${f.field}`);
  expect([...new Set(inTable)].sort()).toEqual([...new Set(inContract)].sort());
});
