// Passwords and sign-in under the text rule (src/contract/text.ts): a new
// password is stored NFC-normalised, so the same password typed composed or
// decomposed signs in; one hashed as typed before that still signs in; and a
// sign-in body the rule refuses is a 400 that the login limiter does not count.
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { rateLimits, technicians } from '../db/schema.ts';
import {
  ADMIN,
  DATABASE_HOOK,
  errorOf,
  harness,
  signInAsAdmin,
  tableCounts,
  type Harness,
} from '../testing/harness.ts';
import { LOGIN_LIMITS } from './login.ts';
import { hashPassword } from './passwords.ts';
import { ensureFirstAdministrator } from './setup.ts';

let h: Harness;
const DECOMPOSED = 'wachtwoord e\u0301e\u0301n twee'; // as some keyboards and macOS file names type it
const COMPOSED = 'wachtwoord één twee';
const login = (email: string, password: string) => h.call('POST', '/api/auth/login', { body: { email, password } });

beforeEach(async () => {
  h = await harness();
}, DATABASE_HOOK);

async function technicianWith(password: string): Promise<string> {
  const admin = await signInAsAdmin(h);
  const groups = (await (await h.call('GET', '/api/groups', { cookie: admin })).json()) as { groups: { id: string }[] };
  const res = await h.call('POST', '/api/technicians', {
    cookie: admin,
    body: { email: 'tess@example.test', name: 'Tess', password, groupId: groups.groups[0]!.id },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('a password is the same password composed or decomposed', () => {
  test('created decomposed, it signs in typed either way', async () => {
    await technicianWith(DECOMPOSED);
    expect((await login('tess@example.test', COMPOSED)).status).toBe(200);
    expect((await login('tess@example.test', DECOMPOSED)).status).toBe(200);
  });

  test('reset decomposed, it signs in typed composed', async () => {
    const id = await technicianWith('first password 123');
    const admin = await signInAsAdmin(h);
    const reset = await h.call('POST', `/api/technicians/${id}/password`, {
      cookie: admin,
      body: { password: DECOMPOSED },
    });
    expect(reset.status).toBe(204);
    expect((await login('tess@example.test', COMPOSED)).status).toBe(200);
  });

  test('set through the setup link decomposed, it signs in typed composed', async () => {
    const link = await ensureFirstAdministrator(h);
    if (link.outcome !== 'setup_link') throw new Error(link.outcome);
    const token = new URL(link.url).searchParams.get('token')!;
    const body = { token, name: 'Ada', email: 'ada@example.test', password: DECOMPOSED };
    expect((await h.call('POST', '/api/setup', { body })).status).toBe(201);
    expect((await login('ada@example.test', COMPOSED)).status).toBe(200);
  });

  test('a password hashed as typed before normalisation still signs in as typed', async () => {
    const id = await technicianWith('first password 123');
    await h.db
      .update(technicians)
      .set({ passwordHash: await hashPassword(DECOMPOSED) })
      .where(eq(technicians.id, id));
    expect((await login('tess@example.test', DECOMPOSED)).status).toBe(200);
  });
});

describe('a sign-in the text rule refuses', () => {
  test.each([
    ['email', { email: 'tess\u0000@example.test', password: 'any password' }],
    ['email', { email: 'tess@example.test\u202E', password: 'any password' }],
    ['password', { email: 'tess@example.test', password: 'tech\u0000password' }],
    ['password', { email: 'tess@example.test', password: 'tech\uD800password' }],
  ])('is a 400 naming the %s, before anything is looked up or counted', async (field, body) => {
    await signInAsAdmin(h);
    const before = [await tableCounts(h), await h.db.select().from(rateLimits)];
    const res = await h.call('POST', '/api/auth/login', { body });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details).toEqual([{ path: field, message: expect.any(String) }]);
    expect([await tableCounts(h), await h.db.select().from(rateLimits)]).toEqual(before);
  });

  test('does not count towards the limit: after more refused bodies than the limit, the right password signs in', async () => {
    await signInAsAdmin(h);
    for (let i = 0; i <= LOGIN_LIMITS.account.max; i++) {
      const res = await login(ADMIN.email, `wrong\u0000${i}`);
      expect(res.status).toBe(400);
    }
    expect((await login(ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  test('a wrong password still counts, as before', async () => {
    await signInAsAdmin(h);
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++)
      expect((await login(ADMIN.email, `wrong ${i}`)).status).toBe(401);
    expect((await login(ADMIN.email, ADMIN.password)).status).toBe(429);
  });
});
