// The audit chain: what audit() writes verifies, and each kind of tampering
// (a changed field, changed or removed details, a deleted row, reordered rows)
// is named at the first row it breaks; a redaction does not break it; rows
// from before the chain are sealed; concurrent writers still form one chain.
import { beforeEach, describe, expect, test } from 'bun:test';
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { freshTestDatabase } from '../db/testing.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { audit, sealAuditChain } from './audit.ts';
import { canonicalJson, GENESIS } from './chain.ts';
import { verifyAuditChain } from './verify.ts';

let database: Database;
const db = () => database.db;
const tech = { type: 'technician', id: '11111111-1111-4111-8111-111111111111' } as const;

beforeEach(async () => {
  database = await freshTestDatabase();
}, DATABASE_HOOK);

/** Five rows, each in its own transaction, as verbs write them. */
async function fiveRows() {
  for (let i = 1; i <= 5; i++)
    await db().transaction((tx) =>
      audit(tx, tech, `thing.step_${i}`, { type: 'session', id: `s${i}` }, { n: i, phone: '+31612345678' }),
    );
}
const chain = () => db().select().from(auditLog).orderBy(asc(auditLog.id));

describe('canonical JSON', () => {
  test('sorts keys at every depth and drops undefined, so key order never changes a hash', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('the chain audit() writes', () => {
  test('links every row to the one before it, from 64 zeros, and verifies', async () => {
    await fiveRows();
    const rows = await chain();
    expect(rows[0]!.prevHash).toBe(GENESIS);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash!);
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 5 });
  });

  test('an empty table is an intact chain', async () => {
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 0 });
  });

  test('keeps the time the caller gives, to the millisecond', async () => {
    const at = new Date('2026-11-25T09:00:00.123Z');
    await db().transaction((tx) => audit(tx, { type: 'system' }, 'clock.given', undefined, undefined, { at }));
    expect((await chain())[0]!.at.toISOString()).toBe(at.toISOString());
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  test('concurrent transactions still form one chain', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db().transaction(async (tx) => {
          await audit(tx, tech, 'race.first', undefined, { i });
          await audit(tx, tech, 'race.second', undefined, { i });
        }),
      ),
    );
    const rows = await chain();
    expect(rows).toHaveLength(16);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(16);
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 16 });
  });

  test('a rolled-back transaction leaves no link behind', async () => {
    await fiveRows();
    await db()
      .transaction(async (tx) => {
        await audit(tx, tech, 'thing.undone');
        throw new Error('roll back');
      })
      .catch(() => {});
    await fiveRows();
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 10 });
  });
});

describe('tampering breaks the chain at the first row it touches', () => {
  test('a changed field', async () => {
    await fiveRows();
    await db().update(auditLog).set({ action: 'thing.innocent' }).where(eq(auditLog.id, 3));
    const verdict = await verifyAuditChain(db());
    expect(verdict).toMatchObject({ ok: false, rowId: 3 });
    expect(verdict.ok || verdict.reason).toContain('field was changed');
  });

  test('a changed time', async () => {
    await fiveRows();
    await db()
      .update(auditLog)
      .set({ at: new Date('2020-01-01T00:00:00Z') })
      .where(eq(auditLog.id, 2));
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, rowId: 2 });
  });

  test('changed details', async () => {
    await fiveRows();
    await db()
      .update(auditLog)
      .set({ details: { n: 99, phone: '+31612345678' } })
      .where(eq(auditLog.id, 4));
    const verdict = await verifyAuditChain(db());
    expect(verdict).toMatchObject({ ok: false, rowId: 4 });
    expect(verdict.ok || verdict.reason).toContain('details were changed');
  });

  test('details removed without a redaction', async () => {
    await fiveRows();
    await db().update(auditLog).set({ details: null }).where(eq(auditLog.id, 2));
    const verdict = await verifyAuditChain(db());
    expect(verdict).toMatchObject({ ok: false, rowId: 2 });
    expect(verdict.ok || verdict.reason).toContain('without a redaction');
  });

  test('a deleted row: the next one names the gap', async () => {
    await fiveRows();
    await db().delete(auditLog).where(eq(auditLog.id, 3));
    const verdict = await verifyAuditChain(db());
    expect(verdict).toMatchObject({ ok: false, rowId: 4 });
    expect(verdict.ok || verdict.reason).toContain("row 2's hash");
  });

  test('the first row deleted', async () => {
    await fiveRows();
    await db().delete(auditLog).where(eq(auditLog.id, 1));
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, rowId: 2 });
  });

  test('two rows swapped: ids exchanged, each keeping its own hash', async () => {
    await fiveRows();
    for (const [from, to] of [
      [2, 1000],
      [3, 2],
      [1000, 3],
    ])
      await db().update(auditLog).set({ id: to }).where(eq(auditLog.id, from!));
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, rowId: 2 });
  });

  test('two rows swapped, their hashes removed: sealing does not adopt them', async () => {
    await fiveRows();
    const [two, three] = (await chain()).slice(1, 3);
    await db().update(auditLog).set({ action: three!.action }).where(eq(auditLog.id, 2));
    await db().update(auditLog).set({ action: two!.action }).where(eq(auditLog.id, 3));
    await db().update(auditLog).set({ hash: null, prevHash: null, detailsSha256: null }).where(sql`id in (2, 3)`);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, rowId: 2 });
    // Sealing adopts only rows from before the chain, not a gap in it.
    expect(await sealAuditChain(db())).toBe(0);
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, rowId: 2 });
  });

  test('a break past the first page is found (paged reading)', async () => {
    await fiveRows();
    await db().update(auditLog).set({ subjectId: 'other' }).where(eq(auditLog.id, 5));
    expect(await verifyAuditChain(db(), { pageSize: 2 })).toMatchObject({ ok: false, rowId: 5 });
    await db().update(auditLog).set({ subjectId: 's5' }).where(eq(auditLog.id, 5));
    expect(await verifyAuditChain(db(), { pageSize: 2 })).toEqual({ ok: true, rows: 5 });
  });
});

describe('redaction and sealing', () => {
  test('a redacted row (details removed, redacted_at set) still verifies through its details_sha256', async () => {
    await fiveRows();
    // Exactly what retention and erasure do.
    await db().execute(sql`update audit_log set details = null, redacted_at = now() where id in (2, 5)`);
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 5 });
  });

  test('rows written before the chain are sealed in id order, and audit() chains on after them', async () => {
    for (const action of ['legacy.one', 'legacy.two', 'legacy.three'])
      await db()
        .insert(auditLog)
        .values({ actorType: 'system', action, details: { b: 2, a: 1 } });
    expect(await verifyAuditChain(db())).toMatchObject({ ok: false, rowId: 1 });
    expect(await sealAuditChain(db())).toBe(3);
    expect(await sealAuditChain(db())).toBe(0);
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 3 });
    await fiveRows();
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 8 });
  });

  test('audit() seals rows left unsealed before it writes', async () => {
    await db().insert(auditLog).values({ actorType: 'system', action: 'legacy.one' });
    await fiveRows();
    expect(await verifyAuditChain(db())).toEqual({ ok: true, rows: 6 });
  });
});
