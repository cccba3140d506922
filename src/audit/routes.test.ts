// GET /api/audit and /api/audit/export as an administrator: newest first with
// the acting technician's name, each filter, keyset pages that neither repeat
// nor skip, a redacted row's details withheld, bad parameters refused (400),
// and the CSV: its headers, RFC 4180 quoting, the formula guard, every
// matching row across many pages.
import { beforeEach, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { AuditRow } from '../contract/records.ts';
import { PAGE_MAX } from '../contract/limits.ts';
import { DATABASE_HOOK, errorOf, harness, signIn, signInAsAdmin, type Harness } from '../testing/harness.ts';
import { audit } from './audit.ts';

let h: Harness;
let admin: string;
let adminId: string;
const SESSION = '22222222-2222-4222-8222-222222222222';

type Page = { rows: AuditRow[]; nextCursor: string | null };
async function page(query = '', cookie = admin): Promise<Page> {
  const res = await h.call('GET', `/api/audit${query}`, { cookie });
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as Page;
}
const write = (action: string, at: string, details?: Record<string, unknown>, actor = adminId) =>
  h.db.transaction((tx) =>
    audit(tx, { type: 'technician', id: actor }, action, { type: 'session', id: SESSION }, details, {
      at: new Date(at),
    }),
  );

beforeEach(async () => {
  h = await harness();
  admin = await signInAsAdmin(h);
  adminId = (await (await h.call('GET', '/api/auth/me', { cookie: admin })).json()).technician.id;
}, DATABASE_HOOK);

describe('GET /api/audit', () => {
  test('newest first, with the technician actor named and the chain fields', async () => {
    await write('session.started', '2026-11-20T10:00:00Z');
    const { rows, nextCursor } = await page();
    expect(nextCursor).toBeNull();
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => b - a));
    const started = rows[0]!;
    expect(started).toMatchObject({
      action: 'session.started',
      actor: { type: 'technician', id: adminId, name: expect.any(String) },
      subject: { type: 'session', id: SESSION },
      redacted: false,
    });
    expect(started.prevHash).toBe(rows[1]!.hash);
    const system = rows.find((r) => r.actor.type === 'system');
    expect(system?.actor).toEqual({ type: 'system', id: null, name: null });
  });

  test('filters: actor, session, kind exact or by prefix, a date range whose `to` day is included', async () => {
    const other = '33333333-3333-4333-8333-333333333333';
    await write('session.started', '2026-11-20T10:00:00Z');
    await write('session.closed', '2026-11-21T23:59:59.999Z');
    await write('session.sessionless', '2026-11-22T00:00:00Z', undefined, other);
    const actions = async (q: string) => (await page(q)).rows.map((r) => r.action);
    expect(await actions(`?actorId=${other}`)).toEqual(['session.sessionless']);
    expect(await actions(`?sessionId=${SESSION}&actorId=${adminId}`)).toEqual(['session.closed', 'session.started']);
    expect(await actions('?kind=session.started')).toEqual(['session.started']);
    expect(await actions('?kind=session.')).toEqual(['session.sessionless', 'session.closed', 'session.started']);
    // `_` is a letter here, not a LIKE wildcard.
    expect(await actions('?kind=session.s_')).toEqual([]);
    expect(await actions('?kind=session.&from=2026-11-21&to=2026-11-21')).toEqual(['session.closed']);
    expect(await actions('?kind=session.&from=2026-11-20T10:00:00.001Z')).toEqual([
      'session.sessionless',
      'session.closed',
    ]);
  });

  test('keyset pages: each row once, in order, and the last page has no cursor', async () => {
    for (let i = 0; i < 7; i++) await write(`paging.row_${i}`, '2026-11-20T10:00:00Z');
    const all = (await page('?limit=100')).rows.map((r) => r.id);
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const p: Page = await page(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.rows.map((r) => r.id));
      // A row written meanwhile is newer: it never shifts the pages still to come.
      await write('paging.meanwhile', '2026-11-20T10:00:00Z');
      cursor = p.nextCursor;
    }
    expect(seen).toEqual(all);
  });

  test('a redacted row is shown without its details, and flagged', async () => {
    const id = await write('session.invited', '2026-11-20T10:00:00Z', { phone: '+31612345678' });
    await h.db.execute(sql`update audit_log set details = null, redacted_at = now() where id = ${id}`);
    const row = (await page('?kind=session.invited')).rows[0]!;
    expect(row).toMatchObject({ id, details: null, redacted: true });
  });

  test('bad parameters are a 400 naming the parameter', async () => {
    for (const q of ['?limit=abc', '?limit=0', '?sessionId=nope', '?kind=Session', '?from=yesterday', '?colour=red']) {
      const res = await h.call('GET', `/api/audit${q}`, { cookie: admin });
      expect(`${q} ${res.status}`).toBe(`${q} 400`);
    }
    const forged = Buffer.from('not an id').toString('base64url');
    for (const path of ['/api/audit', '/api/audit/export']) {
      const res = await h.call('GET', `${path}?cursor=${forged}`, { cookie: admin });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain('cursor');
    }
  });

  test('any query string: 200 or a 400 error, never a server error, for both routes', async () => {
    const key = fc.constantFrom('actorId', 'sessionId', 'kind', 'from', 'to', 'cursor', 'limit', 'other');
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom('session.', 'session.started', SESSION, '2026-11-20', '2026-13-45', '-1', '1e3', 'a%00b', 'YTE'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 4 }), fc.boolean(), async (pairs, csv) => {
        const query = new URLSearchParams(pairs).toString();
        const res = await h.call('GET', `/api/audit${csv ? '/export' : ''}?${query}`, { cookie: admin });
        await res.arrayBuffer();
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 60 },
    );
  });

  test('a technician without administer is refused', async () => {
    const group = await (
      await h.call('POST', '/api/groups', { cookie: admin, body: { name: 'Field', rights: [] } })
    ).json();
    const body = { email: 'tess@example.test', name: 'Tess', password: 'tech password 123', groupId: group.id };
    expect((await h.call('POST', '/api/technicians', { cookie: admin, body })).status).toBe(201);
    const tess = await signIn(h, body.email, body.password);
    expect((await h.call('GET', '/api/audit', { cookie: tess })).status).toBe(403);
    expect((await h.call('GET', '/api/audit/export', { cookie: tess })).status).toBe(403);
    expect((await h.call('GET', '/api/audit')).status).toBe(401);
  });
});

/** RFC 4180 cells back from the text: quoted cells with doubled quotes, CRLF lines. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (quoted) cell += ch;
    else if (ch === ',') endCell();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell();
      out.push(row);
      row = [];
      i++;
    } else cell += ch;
  }
  return out;
}

describe('GET /api/audit/export', () => {
  test('CSV with its headers; quoting and the formula guard survive a round trip', async () => {
    await write('session.notes', '2026-11-20T10:00:00Z', { text: 'said "hi", then\r\nleft', f: 1 });
    await write('session.formula', '2026-11-20T10:00:01Z', undefined, '=HYPERLINK("x")');
    const res = await h.call('GET', `/api/audit/export?sessionId=${SESSION}`, { cookie: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // The fake clock's day.
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="loupe-audit-2026-11-25.csv"');
    const text = await res.text();
    expect(text.startsWith('id,at,actor_type,actor_id,actor_name,action,')).toBe(true);
    const [head, formula, notes, ...rest] = parseCsv(text);
    expect(rest).toEqual([]);
    expect(head).toHaveLength(13);
    expect(formula![3]).toBe(`'=HYPERLINK("x")`);
    expect(JSON.parse(notes![8]!)).toEqual({ text: 'said "hi", then\r\nleft', f: 1 });
    expect(notes![12]).toMatch(/^[0-9a-f]{64}$/);
  });

  test('every matching row, newest first, across many pages', async () => {
    const n = PAGE_MAX * 2 + 5;
    await h.db.transaction(async (tx) => {
      for (let i = 0; i < n; i++)
        await audit(tx, { type: 'system' }, 'bulk.row', { type: 'session', id: SESSION }, { i });
    });
    const res = await h.call('GET', '/api/audit/export?kind=bulk.row&limit=1', { cookie: admin });
    const [, ...rows] = parseCsv(await res.text());
    expect(rows.map((r) => JSON.parse(r[8]!).i)).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
  });
});
