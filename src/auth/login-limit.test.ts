// The sign-in limiter counts wrong passwords, and only them: a right password,
// a refusal by the limit itself and a malformed body leave the counters as
// they were, and a burst of parallel guesses cannot outrun the limit.
import { beforeEach, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { rateLimits } from '../db/schema.ts';
import { createGroup } from '../technicians/groups.ts';
import { createTechnician, updateTechnician } from '../technicians/technicians.ts';
import { DATABASE_HOOK, harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { LOGIN_LIMITS } from './login.ts';

let h: Harness;
let technicianId: string;
const TECH = { email: 'tech@example.test', password: 'tech password 123' };
const ADDRESS = '203.0.113.20';
const accountKey = `login:account:${TECH.email}`;
const addressKey = `login:address:${ADDRESS}`;

const signIn = (body: unknown, address = ADDRESS) =>
  h.call('POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': address } });
const wrong = (i: number) => signIn({ email: TECH.email, password: `wrong guess ${i}` });
/** A counter's count, 0 when it does not exist. */
async function counted(key: string): Promise<number> {
  const [row] = await h.db.select().from(rateLimits).where(eq(rateLimits.key, key));
  return row?.count ?? 0;
}
const counters = async () => [await counted(addressKey), await counted(accountKey)];

beforeEach(async () => {
  h = await harness({ LOUPE_TRUST_PROXY: 'true' });
  const system = { type: 'system' } as const;
  const group = await createGroup(h, system, { name: 'Field', rights: [], settings: undefined });
  technicianId = (await createTechnician(h, system, { ...TECH, name: 'Tess Tech', groupId: group.id })).id;
}, DATABASE_HOOK);

describe('the sign-in limiter', () => {
  test('a wrong password counts once on the address and once on the account', async () => {
    expect((await wrong(1)).status).toBe(401);
    expect(await counters()).toEqual([1, 1]);
    const unknown = await signIn({ email: 'nobody@example.test', password: 'whatever it is' });
    expect(unknown.status).toBe(401);
    expect([await counted(addressKey), await counted('login:account:nobody@example.test')]).toEqual([2, 1]);
  });

  test('a right password is not counted: it takes back its attempt on the address and clears the account', async () => {
    for (let i = 0; i < 3; i++) expect((await wrong(i)).status).toBe(401);
    expect(await counters()).toEqual([3, 3]);
    expect((await signIn(TECH)).status).toBe(200);
    expect(await counters()).toEqual([3, 0]);
    // Past the address's limit in right sign-ins (an office behind one address): none is refused.
    for (let i = 0; i < LOGIN_LIMITS.address.max; i++) expect((await signIn(TECH)).status).toBe(200);
    expect(await counters()).toEqual([3, 0]);
  }, 60_000); // every attempt costs an argon2 verification

  test('a disabled account with its right password is refused, and not counted as a guess', async () => {
    await signInAsAdmin(h); // the last administrator cannot be disabled, a technician can
    await updateTechnician(h, { type: 'system' }, technicianId, { disabled: true });
    const res = await signIn(TECH);
    expect(res.status).toBe(403);
    expect(await counters()).toEqual([0, 0]);
  });

  test('attempts the limit refused are not counted', async () => {
    for (let i = 0; i < LOGIN_LIMITS.account.max; i++) expect((await wrong(i)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await wrong(100 + i)).status).toBe(429);
    expect(await counters()).toEqual([LOGIN_LIMITS.account.max, LOGIN_LIMITS.account.max]);
  }, 60_000);

  test('a malformed body is a 400 and no attempt: it tests no password', async () => {
    for (const body of [{ email: TECH.email }, { email: TECH.email, password: 12345678901 }, 'not json']) {
      const res =
        typeof body === 'string'
          ? await h.call('POST', '/api/auth/login', {
              raw: body,
              headers: { 'content-type': 'application/json', 'x-forwarded-for': ADDRESS },
            })
          : await signIn(body);
      expect(res.status).toBe(400);
    }
    expect(await counters()).toEqual([0, 0]);
  });

  test('a burst of parallel wrong passwords cannot outrun the account limit', async () => {
    const burst = 2 * LOGIN_LIMITS.account.max;
    const statuses = (await Promise.all(Array.from({ length: burst }, (_, i) => wrong(i)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_LIMITS.account.max);
    expect(statuses.filter((s) => s === 429)).toHaveLength(burst - LOGIN_LIMITS.account.max);
    expect(await counters()).toEqual([LOGIN_LIMITS.account.max, LOGIN_LIMITS.account.max]);
    // Even the right password waits for the window.
    expect((await signIn(TECH)).status).toBe(429);
  }, 60_000);
});
