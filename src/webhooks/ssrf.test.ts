// SSRF through the real socket path (target.test.ts covers the rules with a
// fake resolver): names resolved by this machine's own resolver (/etc/hosts)
// to loopback, and a receiver's redirect, with the worker really sending.
// Every socket here is on 127.0.0.1. A trap (a TCP listener that only counts
// connections) stands where a refused delivery would have gone: it must see
// none. The redirect to the metadata address is answered only after the same
// redirect to a loopback trap was shown not followed, so no packet can ever
// leave for 169.254.169.254.
import { afterEach, describe, expect, test } from 'bun:test';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { hostname } from 'node:os';
import { asc, eq } from 'drizzle-orm';
import { webhookAttempts, webhookDeliveries } from '../db/schema.ts';
import { createSession } from '../sessions/create.ts';
import { LINK_RIGHTS, technician, type TestTechnician } from '../sessions/testing.ts';
import { harness, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { post } from './post.ts';
import { startWebhooks, type WebhookService } from './service.ts';
import { checkedLookup, targetProblem } from './target.ts';
import { startReceiver, until, type Receiver } from './testing.ts';

const SLOW = 60_000;

type Trap = { port: number; connections: number; close(): Promise<void> };

/** A listener on 127.0.0.1 that counts the connections made to it and answers none. */
async function trap(): Promise<Trap> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** This machine's own name when its resolver answers loopback only for it (here: /etc/hosts), else undefined. */
async function loopbackName(): Promise<string | undefined> {
  const name = hostname().toLowerCase();
  if (!name || /(^|\.)localhost\.?$/.test(name)) return undefined;
  const answers = await lookup(name, { all: true }).catch(() => []);
  return answers.length && answers.every((a) => a.address.startsWith('127.') || a.address === '::1') ? name : undefined;
}
const MACHINE = await loopbackName();

let traps: Trap[] = [];
let receivers: Receiver[] = [];
let service: WebhookService | undefined;
let h: Harness;
let admin: string;
let tess: TestTechnician;

afterEach(async () => {
  await service?.stop();
  service = undefined;
  for (const r of receivers) await r.stop();
  for (const t of traps) await t.close();
  receivers = [];
  traps = [];
});

async function setUp(allow: string[]) {
  h = await harness({ LOUPE_WEBHOOK_ALLOW_HTTP: allow.join(',') });
  admin = await signInAsAdmin(h);
  tess = await technician(h, { rights: LINK_RIGHTS, settings: { maxLiveLensSessions: 5 } });
  service = startWebhooks(h, { pollMs: 50 });
}

const subscribe = (url: string) =>
  h.call('POST', '/api/webhooks', { cookie: admin, body: { url, events: ['session.created'] } });
const invite = () => createSession(h, tess.me, { type: 'lens', name: 'Router', method: 'link' });

/** The attempts recorded so far, oldest first, each with its delivery's status. */
const attempts = () =>
  h.db
    .select({ statusCode: webhookAttempts.statusCode, error: webhookAttempts.error, status: webhookDeliveries.status })
    .from(webhookAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookAttempts.deliveryId))
    .orderBy(asc(webhookAttempts.id));

describe('a name that resolves to loopback', () => {
  test('localhost (127.0.0.1 by the real resolver) is refused with only the address, or nothing, allowed', async () => {
    const t = await trap();
    traps.push(t);
    for (const allow of [[], ['127.0.0.1'], [`127.0.0.1:${t.port}`]]) {
      const set = new Set(allow);
      for (const url of [`http://localhost:${t.port}/hook`, `https://localhost:${t.port}/hook`]) {
        expect({ url, allow, problem: targetProblem(url, set) }).toMatchObject({ problem: expect.any(String) });
        // At delivery too (the allow list may have changed since it was saved): not sent, not even connected.
        const outcome = await post(new URL(url), {}, '{}', { allow: set, timeoutMs: 5_000 });
        expect(outcome.statusCode).toBeNull();
        expect(outcome.error).toStartWith('Not sent: ');
        // The socket's lookup, the last guard, on the machine's resolver: the address it found is named.
        const err = await new Promise<Error | null>((resolve) =>
          checkedLookup(new URL(url), set)('localhost', { all: true }, (e) => resolve(e)),
        );
        expect(err?.message).toContain('localhost resolves to 127.0.0.1');
      }
    }
    expect(t.connections).toBe(0);
  });

  test.skipIf(!MACHINE)(
    "this machine's name over https: passes the save check (a name), refused at delivery by the socket's lookup; never connected",
    async () => {
      const t = await trap();
      traps.push(t);
      // Only the address is allowed, with and without the trap's port: a name is matched as a name.
      await setUp(['127.0.0.1', `127.0.0.1:${t.port}`]);
      const plain = await subscribe(`http://${MACHINE}:${t.port}/hook`);
      expect(plain.status).toBe(400);
      expect(await plain.text()).toContain('Only https://');
      expect((await subscribe(`https://${MACHINE}:${t.port}/hook`)).status).toBe(201);
      await invite();
      await until('the attempt recorded', async () => (await attempts()).length === 1);
      await service!.idle();
      const [attempt] = await attempts();
      expect(attempt).toMatchObject({ statusCode: null, status: 'queued' });
      expect(attempt!.error).toContain(`${MACHINE} resolves to 127.0.0.1`);
      expect(attempt!.error).toContain('not delivered');
      // The retry (after the back-off) is refused the same way.
      h.clock.advance(10 * 60_000);
      service!.wake();
      await until('the retry recorded', async () => (await attempts()).length === 2);
      expect((await attempts())[1]!.error).toContain(`${MACHINE} resolves to 127.0.0.1`);
      expect(t.connections).toBe(0);
    },
    SLOW,
  );
});

describe("a receiver's redirect", () => {
  test(
    'is not followed: 302 and 307 to a loopback trap, then 302 to the metadata address; each a failed attempt with its status',
    async () => {
      const t = await trap();
      traps.push(t);
      const stolen = `http://127.0.0.1:${t.port}/stolen`;
      const answers = [
        { status: 302, location: stolen },
        { status: 307, location: stolen },
        { status: 302, location: 'http://169.254.169.254/latest/meta-data/' },
      ];
      const r = startReceiver((n) => answers[n - 1] ?? 200);
      receivers.push(r);
      // The trap is allowed too: the redirect would be let through by the allow list; only not following stops it.
      await setUp([r.host, `127.0.0.1:${t.port}`]);
      const created = await subscribe(r.url);
      expect(created.status).toBe(201);
      r.setSecret(((await created.json()) as { secret: string }).secret);

      for (const [i, answer] of answers.entries()) {
        // Past the loopback ones only if the trap stayed silent: the metadata redirect is never followed.
        expect(t.connections).toBe(0);
        await invite();
        await until(`attempt ${i + 1} recorded`, async () => (await attempts()).length === i + 1);
        const attempt = (await attempts())[i]!;
        expect(attempt).toEqual({
          statusCode: answer.status,
          error: `The receiver answered ${answer.status}.`,
          status: 'queued',
        });
      }
      await service!.idle();
      expect(t.connections).toBe(0);
      expect(r.received.map((x) => x.status)).toEqual([302, 307, 302]);
      expect(r.unverified).toBe(0);
    },
    SLOW,
  );
});
