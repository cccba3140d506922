// The /api/webhooks routes: an administrator's create (the secret once),
// list, read, change, delete and the refusals, each of which changes nothing.
import { beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { WEBHOOK_URL_MAX, WEBHOOKS_MAX } from '../contract/org.ts';
import { auditLog, webhooks } from '../db/schema.ts';
import { technician } from '../sessions/testing.ts';
import { DATABASE_HOOK, errorOf, harness, signInAsAdmin, type Harness } from '../testing/harness.ts';

let h: Harness;
let admin: string;
const RECEIVER = 'https://hooks.example.com/loupe';

async function fresh() {
  h = await harness({ LOUPE_WEBHOOK_ALLOW_HTTP: '127.0.0.1:9' });
  admin = await signInAsAdmin(h);
}

const create = (body: unknown, cookie = admin) => h.call('POST', '/api/webhooks', { cookie, body });
async function json<T>(res: Response, status: number): Promise<T> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
/** Everything a refused request could have changed. */
const snapshot = async () => ({
  webhooks: await h.db.select().from(webhooks).orderBy(webhooks.id),
  audit: (await h.db.select({ id: auditLog.id }).from(auditLog)).length,
});

describe('an administrator', () => {
  beforeEach(fresh, DATABASE_HOOK);

  test('creates a receiver and sees its secret once; the audit log has the receiver, never the secret', async () => {
    const created = await json<{ id: string; secret: string; webhook: Record<string, unknown> }>(
      await create({
        url: RECEIVER,
        events: ['session.created', 'session.ended', 'session.created'],
        description: 'Ticket system',
      }),
      201,
    );
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);
    expect(created.webhook).toMatchObject({
      id: created.id,
      url: RECEIVER,
      events: ['session.created', 'session.ended'],
      description: 'Ticket system',
      enabled: true,
    });
    const list = await json<{ webhooks: unknown[] }>(await h.call('GET', '/api/webhooks', { cookie: admin }), 200);
    expect(list.webhooks).toEqual([created.webhook]);
    const one = await h.call('GET', `/api/webhooks/${created.id}`, { cookie: admin });
    expect(await one.text()).not.toContain(created.secret.slice(6, 20));
    const [row] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.created'));
    expect(row).toMatchObject({ subjectType: 'webhook', subjectId: created.id });
    expect(JSON.stringify(row!.details)).not.toContain(created.secret.slice(6, 20));
  });

  test('changes, disables and deletes it, each audited', async () => {
    const { id } = await json<{ id: string }>(await create({ url: RECEIVER, events: ['session.created'] }), 201);
    const patched = await json<{ webhook: { enabled: boolean; events: string[]; url: string } }>(
      await h.call('PATCH', `/api/webhooks/${id}`, {
        cookie: admin,
        body: { enabled: false, events: ['sms.status_changed'], url: 'https://other.example.com/h' },
      }),
      200,
    );
    expect(patched.webhook).toMatchObject({
      enabled: false,
      events: ['sms.status_changed'],
      url: 'https://other.example.com/h',
    });
    expect((await h.call('DELETE', `/api/webhooks/${id}`, { cookie: admin })).status).toBe(204);
    expect((await h.call('GET', `/api/webhooks/${id}`, { cookie: admin })).status).toBe(404);
    expect((await h.call('DELETE', `/api/webhooks/${id}`, { cookie: admin })).status).toBe(404);
    const actions = (await h.db.select({ a: auditLog.action }).from(auditLog)).map((r) => r.a);
    expect(actions).toEqual(expect.arrayContaining(['webhook.created', 'webhook.updated', 'webhook.deleted']));
  });

  test(`has at most ${WEBHOOKS_MAX} receivers: the next is a 409`, async () => {
    await h.db.insert(webhooks).values(
      Array.from({ length: WEBHOOKS_MAX }, (_, i) => ({
        url: `${RECEIVER}/${i}`,
        events: ['session.created' as const],
        secret: 'whsec_x',
        createdBy: crypto.randomUUID(),
      })),
    );
    const before = await snapshot();
    const res = await create({ url: RECEIVER, events: ['session.created'] });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('too_many_webhooks');
    expect(await snapshot()).toEqual(before);
  });
});

// One database for these: each proves it changed nothing.
describe('refused, changing nothing', () => {
  beforeAll(fresh, DATABASE_HOOK);

  const bad: [string, unknown][] = [
    ['no body fields', {}],
    ['url of the wrong type', { url: 42, events: ['session.created'] }],
    ['events not an array', { url: RECEIVER, events: 'session.created' }],
    ['an unknown event', { url: RECEIVER, events: ['session.exploded'] }],
    ['no events', { url: RECEIVER, events: [] }],
    ['an ftp URL', { url: 'ftp://hooks.example.com/x', events: ['session.created'] }],
    [
      'a URL too long',
      { url: `https://hooks.example.com/${'a'.repeat(WEBHOOK_URL_MAX)}`, events: ['session.created'] },
    ],
    ['plain http', { url: 'http://hooks.example.com/x', events: ['session.created'] }],
    ['a loopback address', { url: 'https://127.1/x', events: ['session.created'] }],
    ['the metadata address', { url: 'https://169.254.169.254/latest', events: ['session.created'] }],
    ['IPv6 loopback', { url: 'https://[::1]/x', events: ['session.created'] }],
    ['a decimal loopback', { url: 'https://2130706433/x', events: ['session.created'] }],
    ['http on an allowed host but another port', { url: 'http://127.0.0.1:10/x', events: ['session.created'] }],
    ['a description too long', { url: RECEIVER, events: ['session.created'], description: 'd'.repeat(201) }],
    ['an unknown field', { url: RECEIVER, events: ['session.created'], secret: 'whsec_mine' }],
  ];
  test.each(bad)('create with %s: 400', async (_, body) => {
    const before = await snapshot();
    const res = await create(body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message.length).toBeGreaterThan(5);
    expect(await snapshot()).toEqual(before);
  });

  test('a change to a refused URL, an empty change, a wrong enabled: 400', async () => {
    const { id } = await json<{ id: string }>(await create({ url: RECEIVER, events: ['session.created'] }), 201);
    const before = await snapshot();
    for (const body of [
      {},
      { url: 'https://10.0.0.1/' },
      { enabled: 'no' },
      { events: [] },
      { url: 'http://x.example/' },
    ]) {
      const res = await h.call('PATCH', `/api/webhooks/${id}`, { cookie: admin, body });
      expect(res.status).toBe(400);
    }
    expect(
      (
        await errorOf(
          await h.call('PATCH', `/api/webhooks/${id}`, { cookie: admin, body: { url: 'https://10.0.0.1/' } }),
        )
      ).message,
    ).toContain('private');
    expect((await h.call('PATCH', '/api/webhooks/not-an-id', { cookie: admin, body: { enabled: true } })).status).toBe(
      400,
    );
    expect(await snapshot()).toEqual(before);
  });

  test('a technician without the administer right gets 403 on every route; signed out 401', async () => {
    const { id } = await json<{ id: string }>(await create({ url: RECEIVER, events: ['session.created'] }), 201);
    const tess = await technician(h);
    const before = await snapshot();
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/webhooks'],
      ['POST', '/api/webhooks', { url: RECEIVER, events: ['session.created'] }],
      ['GET', `/api/webhooks/${id}`],
      ['PATCH', `/api/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/api/webhooks/${id}`],
      ['GET', `/api/webhooks/${id}/deliveries`],
      ['POST', `/api/webhooks/${id}/deliveries/${crypto.randomUUID()}/resend`],
    ];
    for (const [method, path, body] of calls) {
      expect((await h.call(method, path, { cookie: tess.cookie, body })).status).toBe(403);
      expect((await h.call(method, path, { body })).status).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
  });

  test('deliveries: a bad cursor or limit is a 400; an unknown receiver or delivery 404', async () => {
    const { id } = await json<{ id: string }>(await create({ url: RECEIVER, events: ['session.created'] }), 201);
    for (const q of ['cursor=abc', 'limit=0', 'limit=101', 'limit=x', 'other=1'])
      expect((await h.call('GET', `/api/webhooks/${id}/deliveries?${q}`, { cookie: admin })).status).toBe(400);
    expect((await h.call('GET', `/api/webhooks/${crypto.randomUUID()}/deliveries`, { cookie: admin })).status).toBe(
      404,
    );
    const resend = await h.call('POST', `/api/webhooks/${id}/deliveries/${crypto.randomUUID()}/resend`, {
      cookie: admin,
    });
    expect(resend.status).toBe(404);
  });
});
