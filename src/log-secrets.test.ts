// No secret reaches the log (issue 18, finding 1): a whole scenario runs
// through the real routes with the log captured at debug level by the real
// logger, database errors provoked where the driver's text would carry a PIN
// and an argon2 hash, and then no password, hash, cookie, PIN, token or link
// of the scenario may appear anywhere in the log, except the setup link in its
// one line (src/log.ts, setupLink).
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { ensureFirstAdministrator } from './auth/setup.ts';
import { authSessions, lensSessions, setupTokens, technicians } from './db/schema.ts';
import { rows } from './db/testing.ts';
import { createLogger, SETUP_LINK_MESSAGE } from './log.ts';
import type { SessionView } from './sessions/view.ts';
import { createConsoleGateway } from './sms/console-gateway.ts';
import type { SmsGateway } from './sms/gateway.ts';
import { Outbox } from './sms/outbox.ts';
import { createSmppGateway } from './sms/smpp-gateway.ts';
import { startTestSmsc, type TestSmsc } from './sms/test-smsc.ts';
import { DATABASE_HOOK, harness, sessionCookie, type Harness } from './testing/harness.ts';

let lines: string[];
let h: Harness;
/** Constraints a test added to provoke an error, dropped after it whatever happened. */
const added: { table: string; name: string }[] = [];

beforeEach(async () => {
  lines = [];
  h = await harness({ LOUPE_TRUST_PROXY: 'true' }, { log: createLogger('debug', (l) => lines.push(l)) });
}, DATABASE_HOOK);

afterEach(async () => {
  for (const { table, name } of added.splice(0))
    await h.db.execute(sql.raw(`alter table ${table} drop constraint if exists ${name}`));
});

/** Makes the database itself refuse a write (a check constraint): the error reaches the 500 handler. */
async function refuseWrites(table: string, name: string, check: string) {
  added.push({ table, name });
  await h.db.execute(sql.raw(`alter table ${table} add constraint ${name} check (${check}) not valid`));
}
async function allowWrites(table: string, name: string) {
  await h.db.execute(sql.raw(`alter table ${table} drop constraint ${name}`));
}

async function ok<T>(res: Promise<Response>, status = 200): Promise<{ body: T; res: Response }> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`);
  return { body: (r.status === 204 ? undefined : await r.json()) as T, res: r };
}
const cookieValue = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);
const lensCookie = (res: Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('loupe_lens='))!
    .split(';')[0]!;
const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

/** Every line that holds `secret`; a PIN only as a number of its own (a UUID may hold six digits). */
function linesWith(secret: string): string[] {
  const pattern = /^\d+$/.test(secret) ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`) : undefined;
  return lines.filter((l) => (pattern ? pattern.test(l) : l.includes(secret)));
}
function expectNoneOf(secrets: Record<string, string[]>) {
  const found: string[] = [];
  for (const [what, values] of Object.entries(secrets))
    for (const v of values) {
      expect(v.length).toBeGreaterThan(0);
      for (const l of linesWith(v)) found.push(`${what} in: ${l}`);
    }
  // What a driver's message looks like: none may come through, with or without a known secret in it.
  for (const l of lines)
    if (/\$argon2|Failed query|params:|Failing row|Key \(/.test(l)) found.push(`driver text or a hash in: ${l}`);
  expect(found).toEqual([]);
}

async function dbSecrets(): Promise<string[]> {
  const hashes = await h.db.select({ v: technicians.passwordHash }).from(technicians);
  const sessions = await h.db.select({ v: authSessions.tokenHash }).from(authSessions);
  const setup = await h.db.select({ v: setupTokens.tokenHash }).from(setupTokens);
  const lens = await h.db
    .select({ link: lensSessions.linkTokenHash, customer: lensSessions.customerTokenHash })
    .from(lensSessions);
  return [
    ...hashes.map((r) => r.v),
    ...sessions.map((r) => r.v),
    ...setup.map((r) => r.v),
    ...lens.flatMap((r) => [r.link, r.customer ?? '']).filter(Boolean),
  ];
}

async function sendQueuedTexts(gateway: SmsGateway) {
  const outbox = new Outbox(h, gateway, { pollMs: 20 });
  outbox.start();
  try {
    for (let i = 0; i < 500; i++) {
      const [row] = rows<{ n: number }>(
        await h.db.execute(sql`select count(*)::int as n from sms_messages where status in ('queued', 'sending')`),
      );
      if (row?.n === 0) return;
      await Bun.sleep(20);
    }
    throw new Error('the outbox did not send the texts');
  } finally {
    await outbox.stop();
  }
}

const ADMIN = { email: 'ada@example.test', name: 'Ada Admin', password: 'ada admin password 1' };
const TECH = { email: 'tess@example.test', name: 'Tess Tech', password: 'tess tech password 2' };
const PROVOKED = { email: 'pat@example.test', name: 'Provoked Failure', password: 'pat never saved pass 3' };
const WRONG_PASSWORD = 'not adas password 4';
const SMS_RIGHTS = ['start_lens_sessions', 'start_private_sessions', 'use_sms_method', 'use_link_method'];

const credentials = (who: { email: string; password: string }) => ({ email: who.email, password: who.password });

/** Setup through the link, sign-ins, a group, a technician, an SMS invitation. Returns what it learnt. */
async function setUpAndInvite() {
  const startup = await ensureFirstAdministrator(h);
  if (startup.outcome !== 'setup_link') throw new Error(`no setup link: ${startup.outcome}`);
  h.log.setupLink(startup.url); // as src/main.ts does
  const setupToken = new URL(startup.url).searchParams.get('token')!;
  await ok(h.call('GET', `/api/setup/${setupToken}`));
  const setup = await ok(h.call('POST', '/api/setup', { body: { token: setupToken, ...ADMIN } }), 201);
  const admin = sessionCookie((await ok(h.call('POST', '/api/auth/login', { body: credentials(ADMIN) }))).res);
  const group = await ok<{ id: string }>(
    h.call('POST', '/api/groups', { cookie: admin, body: { name: 'Helpdesk', rights: SMS_RIGHTS } }),
    201,
  );
  await ok(h.call('POST', '/api/technicians', { cookie: admin, body: { ...TECH, groupId: group.body.id } }), 201);
  const tech = sessionCookie((await ok(h.call('POST', '/api/auth/login', { body: credentials(TECH) }))).res);
  const invitation = await ok<SessionView>(
    h.call('POST', '/api/sessions', {
      cookie: tech,
      body: { type: 'lens', name: 'Router', method: 'sms', phone: '+31612345678' },
    }),
    201,
  );
  const { pin, link } = invitation.body;
  if (!pin || !link) throw new Error('the invitation has no PIN or link');
  return {
    setupUrl: startup.url,
    setupToken,
    groupId: group.body.id,
    cookies: { setup: sessionCookie(setup.res), admin, tech },
    pin,
    link,
    linkToken: link.split('/l/')[1]!,
  };
}

describe('the log of a whole scenario', () => {
  test('holds no password, hash, cookie, PIN, token or link, and the setup link only in its own line', async () => {
    const s = await setUpAndInvite();
    await sendQueuedTexts(createConsoleGateway(h.log));

    // A database error in the redeem statement, whose parameters hold the PIN.
    await refuseWrites('lens_sessions', 'log_test_no_redeem', "state <> 'connecting'");
    expect((await h.call('POST', '/api/lens/redeem', { body: { pin: s.pin } })).status).toBe(500);
    await allowWrites('lens_sessions', 'log_test_no_redeem');
    const redeemed = await ok(h.call('POST', '/api/lens/redeem', { body: { pin: s.pin } }));
    const lens = lensCookie(redeemed.res);
    await ok(h.call('POST', '/api/lens/eula', { cookie: lens, body: { accept: true } }));

    // A database error in the insert of a technician, whose parameters and detail hold the new argon2 hash.
    await refuseWrites('technicians', 'log_test_no_technician', `name <> '${PROVOKED.name}'`);
    const provoked = await h.call('POST', '/api/technicians', {
      cookie: s.cookies.admin,
      body: { ...PROVOKED, groupId: s.groupId },
    });
    expect(provoked.status).toBe(500);
    expect(await provoked.text()).not.toContain('log_test');

    // A wrong password, and a password typed into the email box.
    expect(
      (await h.call('POST', '/api/auth/login', { body: { email: ADMIN.email, password: WRONG_PASSWORD } })).status,
    ).toBe(401);
    expect((await h.call('POST', '/api/auth/login', { body: { email: TECH.password, password: 'x' } })).status).toBe(
      401,
    );
    const stored = await dbSecrets();
    await ok(h.call('POST', '/api/auth/logout', { cookie: s.cookies.admin }), 204);
    await ok(h.call('POST', '/api/auth/logout', { cookie: s.cookies.tech }), 204);

    // The log did record the scenario, errors included, so its silence about secrets means something.
    const logged = parsed();
    const errors = lines.filter((l) => JSON.parse(l).msg === 'unhandled error');
    expect(errors).toHaveLength(2);
    expect(logged.filter((l) => l.msg === 'login failed')).toHaveLength(2);
    expect(logged.some((l) => l.msg === 'SMS (console gateway, not sent)')).toBe(true);

    // The setup link in its one line, whole; then no secret in any line but that one.
    const setupLines = logged.filter((l) => l.msg === SETUP_LINK_MESSAGE);
    expect(setupLines).toEqual([expect.objectContaining({ level: 'warn', setupUrl: s.setupUrl })]);
    lines = lines.filter((l) => JSON.parse(l).msg !== SETUP_LINK_MESSAGE);
    expectNoneOf({
      password: [ADMIN.password, TECH.password, PROVOKED.password, WRONG_PASSWORD],
      'stored hash': stored,
      cookie: [...Object.values(s.cookies), lens].map(cookieValue),
      PIN: [s.pin],
      'link token': [s.linkToken, s.link],
      'setup token': [s.setupToken],
    });

    // What the errors and requests are written as instead: class, SQLSTATE and names; the route's shape.
    expect(errors.map((l) => JSON.parse(l).err.message)).toEqual([
      expect.stringContaining('23514 (check_violation) on table lens_sessions, constraint log_test_no_redeem'),
      expect.stringContaining('23514 (check_violation) on table technicians, constraint log_test_no_technician'),
    ]);
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'request', path: '/api/setup/:value', status: 200 }));
  }, 60_000);
});

describe('the log of an SMPP gateway', () => {
  let smsc: TestSmsc | undefined;
  afterEach(async () => {
    await smsc?.stop();
    smsc = undefined;
  });

  test('holds neither the SMPP password (also of a refused bind) nor the text', async () => {
    const password = 'smppPw42';
    smsc = await startTestSmsc({ systemId: 'loupe', password });
    const wrong = createSmppGateway({ ...smsc.settings(), password: 'wrongPw9' }, h.log, { reconnectMinMs: 20 });
    for (let i = 0; i < 200 && !lines.some((l) => l.includes('rejected the SMPP bind')); i++) await Bun.sleep(10);
    await wrong.close();
    const s = await setUpAndInvite();
    const gateway = createSmppGateway(smsc.settings(), h.log);
    await sendQueuedTexts(gateway);
    await gateway.close();
    const text = (await smsc.waitForMessage()).text;
    expect(text).toContain(s.pin);

    expect(lines.some((l) => l.includes('rejected the SMPP bind'))).toBe(true);
    expect(lines.some((l) => l.includes('SMS accepted by the SMSC'))).toBe(true);
    lines = lines.filter((l) => !l.includes(SETUP_LINK_MESSAGE));
    expectNoneOf({ 'SMPP password': [password, 'wrongPw9'], PIN: [s.pin], link: [s.linkToken], text: [text] });
  }, 60_000);
});
