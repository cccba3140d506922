// POST/GET/DELETE /api/tokens on a real database: who may make which token,
// shown once and kept hashed, listed without the secret, revoked; every bad
// request refused with a clear 4xx and nothing written.
import { describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { tokenHash } from '../auth/tokens.ts';
import { TOKEN_NAME_MAX, TOKENS_MAX } from '../contract/org.ts';
import type { TokenView } from '../contract/org-schemas.ts';
import { apiTokens, auditLog } from '../db/schema.ts';
import { LINK_RIGHTS, technician } from '../sessions/testing.ts';
import { DATABASE_HOOK, errorOf, harness, type Harness, signInAsAdmin, tableCounts } from '../testing/harness.ts';

const ALL = ['sessions:write', 'sessions:read', 'reports:read', 'webhooks:manage'];

async function setUp() {
  const h = await harness();
  const admin = await signInAsAdmin(h);
  const tech = await technician(h, { rights: LINK_RIGHTS });
  const plain = await technician(h, { rights: [] });
  return { h, admin, tech, plain };
}

const create = (h: Harness, cookie: string, body: unknown) => h.call('POST', '/api/tokens', { cookie, body });
const list = async (h: Harness, cookie: string) =>
  ((await (await h.call('GET', '/api/tokens', { cookie })).json()) as { tokens: TokenView[] }).tokens;

describe('API tokens', () => {
  test(
    'a service token is shown once, kept as its SHA-256 and prefix, listed without the secret, audited',
    async () => {
      const { h, admin } = await setUp();
      const res = await create(h, admin, { name: 'Ticket system', scopes: ['sessions:write', 'sessions:read'] });
      expect(res.status).toBe(201);
      const { token, tokenInfo } = (await res.json()) as { token: string; tokenInfo: TokenView };
      expect(token).toMatch(/^loupe_[\w-]{43}$/);
      expect(tokenInfo).toMatchObject({ kind: 'service', technicianId: null, prefix: token.slice(0, 10) });

      const rows = await h.db.select().from(apiTokens);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.tokenHash).toBe(tokenHash(token));
      // Nowhere in the database: not in the token's row, not in the audit log.
      const dump = JSON.stringify([rows, await h.db.select().from(auditLog)]);
      expect(dump).not.toContain(token.slice(10));

      const listed = await list(h, admin);
      expect(listed).toEqual([tokenInfo]);
      expect(JSON.stringify(listed)).not.toContain(token.slice(10));
      const [created] = await h.db.select().from(auditLog).where(eq(auditLog.action, 'token.created'));
      expect(created!.details).toMatchObject({ kind: 'service', scopes: ['sessions:write', 'sessions:read'] });
    },
    DATABASE_HOOK,
  );

  test(
    'a technician makes personal tokens within their rights and sees only their own',
    async () => {
      const { h, admin, tech, plain } = await setUp();
      const own = await create(h, tech.cookie, {
        name: 'Mine',
        scopes: ['sessions:write', 'reports:read'],
        technicianId: tech.id,
      });
      expect(own.status).toBe(201);
      const again = { name: 'Mine 2', scopes: ['sessions:read', 'sessions:read'], technicianId: tech.id };
      expect(
        ((await (await create(h, tech.cookie, again)).json()) as { tokenInfo: TokenView }).tokenInfo.scopes,
      ).toEqual(['sessions:read']);
      // An administrator makes one for anyone, within that technician's rights.
      expect(
        (await create(h, admin, { name: 'For plain', scopes: ['reports:read'], technicianId: plain.id })).status,
      ).toBe(201);
      expect((await create(h, admin, { name: 'Service', scopes: ALL })).status).toBe(201);

      expect((await list(h, tech.cookie)).map((t) => t.name).sort()).toEqual(['Mine', 'Mine 2']);
      expect((await list(h, plain.cookie)).map((t) => t.name)).toEqual(['For plain']);
      expect(await list(h, admin)).toHaveLength(4);
    },
    DATABASE_HOOK,
  );

  test(
    'refuses bad requests with a clear 4xx and writes nothing',
    async () => {
      const { h, admin, tech, plain } = await setUp();
      const before = await tableCounts(h);
      const cases: [string, unknown, number, RegExp][] = [
        [admin, { name: 'x', scopes: 'sessions:read' }, 400, /scopes/],
        [admin, { name: 5, scopes: ['sessions:read'] }, 400, /name/],
        [admin, { name: '', scopes: ['sessions:read'] }, 400, /name/],
        [admin, { name: 'x'.repeat(TOKEN_NAME_MAX + 1), scopes: ['sessions:read'] }, 400, /At most/],
        [admin, { name: 'x', scopes: [] }, 400, /at least one scope/],
        [admin, { name: 'x', scopes: ['sessions:delete'] }, 400, /A scope is one of/],
        [admin, { name: 'x', scopes: ['sessions:read'], extra: 1 }, 400, /Unknown field/],
        [admin, { name: 'x', scopes: ['sessions:read'], technicianId: 'nope' }, 400, /technicianId/],
        [admin, { name: 'x', scopes: ['sessions:read'], technicianId: crypto.randomUUID() }, 404, /No such technician/],
        [admin, { name: 'x', scopes: ['sessions:write'], technicianId: plain.id }, 403, /start_lens_sessions/],
        [tech.cookie, { name: 'x', scopes: ['sessions:read'] }, 403, /Only an administrator/],
        [tech.cookie, { name: 'x', scopes: ['sessions:read'], technicianId: plain.id }, 403, /for yourself/],
        [tech.cookie, { name: 'x', scopes: ['webhooks:manage'], technicianId: tech.id }, 403, /administer/],
        [plain.cookie, { name: 'x', scopes: ['sessions:write'], technicianId: plain.id }, 403, /start_lens_sessions/],
      ];
      for (const [cookie, body, status, message] of cases) {
        const res = await create(h, cookie, body);
        expect({ body, status: res.status }).toEqual({ body, status });
        expect((await errorOf(res)).message).toMatch(message);
      }
      // Not JSON, and no sign-in.
      expect(
        (
          await h.call('POST', '/api/tokens', {
            cookie: admin,
            raw: '{',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(400);
      expect((await h.call('POST', '/api/tokens', { body: { name: 'x', scopes: ['sessions:read'] } })).status).toBe(
        401,
      );
      expect(await tableCounts(h)).toEqual(before);
    },
    DATABASE_HOOK,
  );

  test(
    'revoking: one’s own or any for an administrator; another’s is 404; again changes nothing',
    async () => {
      const { h, admin, tech, plain } = await setUp();
      const made = async (cookie: string, body: unknown) =>
        ((await (await create(h, cookie, body)).json()) as { tokenInfo: TokenView }).tokenInfo;
      const mine = await made(tech.cookie, { name: 'Mine', scopes: ['sessions:read'], technicianId: tech.id });
      const service = await made(admin, { name: 'Service', scopes: ['sessions:read'] });
      const before = await tableCounts(h);
      for (const [cookie, id] of [
        [plain.cookie, mine.id],
        [tech.cookie, service.id],
        [tech.cookie, crypto.randomUUID()],
      ] as const) {
        const res = await h.call('DELETE', `/api/tokens/${id}`, { cookie });
        expect(res.status).toBe(404);
      }
      expect((await h.call('DELETE', '/api/tokens/not-an-id', { cookie: tech.cookie })).status).toBe(400);
      expect(await tableCounts(h)).toEqual(before);

      expect((await h.call('DELETE', `/api/tokens/${mine.id}`, { cookie: tech.cookie })).status).toBe(204);
      expect((await h.call('DELETE', `/api/tokens/${service.id}`, { cookie: admin })).status).toBe(204);
      const afterRevoke = await tableCounts(h);
      expect((await h.call('DELETE', `/api/tokens/${mine.id}`, { cookie: admin })).status).toBe(204);
      expect(await tableCounts(h)).toEqual(afterRevoke);
      expect((await list(h, tech.cookie))[0]!.revokedAt).toBe(h.clock.now().toISOString());
      const revoked = await h.db.select().from(auditLog).where(eq(auditLog.action, 'token.revoked'));
      expect(revoked.map((r) => r.subjectId).sort()).toEqual([mine.id, service.id].sort());
    },
    DATABASE_HOOK,
  );

  test(
    `at most ${TOKENS_MAX} live tokens per technician and ${TOKENS_MAX} service tokens: then 409`,
    async () => {
      const { h, admin, tech } = await setUp();
      const ids: string[] = [];
      for (let i = 0; i < TOKENS_MAX; i++) {
        const res = await create(h, tech.cookie, { name: `T${i}`, scopes: ['sessions:read'], technicianId: tech.id });
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as { tokenInfo: TokenView }).tokenInfo.id);
      }
      const over = await create(h, tech.cookie, { name: 'One more', scopes: ['sessions:read'], technicianId: tech.id });
      expect(over.status).toBe(409);
      expect((await errorOf(over)).code).toBe('too_many_tokens');
      // Service tokens count apart; a revoked token frees its place.
      expect((await create(h, admin, { name: 'Service', scopes: ['sessions:read'] })).status).toBe(201);
      await h.call('DELETE', `/api/tokens/${ids[0]}`, { cookie: tech.cookie });
      expect(
        (await create(h, tech.cookie, { name: 'One more', scopes: ['sessions:read'], technicianId: tech.id })).status,
      ).toBe(201);
    },
    DATABASE_HOOK,
  );
});
