import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { withPreparedStatements } from './pglite-prepared.ts';

const opened: PGlite[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const pg of opened.splice(0)) await pg.close().catch(() => {});
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function pair(dir?: string, max?: number) {
  const raw = new PGlite(dir);
  opened.push(raw);
  const pg = withPreparedStatements(raw, max);
  await pg.waitReady;
  await pg.exec(
    `create table if not exists t (id serial primary key, name text unique not null, tags text[], at timestamptz, n int)`,
  );
  return { raw, pg };
}

const preparedNames = async (raw: PGlite) =>
  (
    await raw.query<{ name: string }>(`select name from pg_prepared_statements where name like 'loupe_%' order by name`)
  ).rows.map((r) => r.name);

describe('PGlite with prepared statements', () => {
  test('answers exactly as PGlite itself: rows, fields, row mode, parsers, nulls, arrays, timestamps', async () => {
    const { raw, pg } = await pair();
    await pg.query(`insert into t (name, tags, at, n) values ($1, $2, $3, $4), ($5, $6, $7, $8)`, [
      'a',
      ['x', 'y'],
      new Date('2026-12-01T10:00:00Z'),
      1,
      'b',
      null,
      null,
      null,
    ]);
    const text = `select id, name, tags, at, n from t where name = any($1) order by id`;
    for (const options of [
      undefined,
      { rowMode: 'array' as const },
      { parsers: { [types.TIMESTAMPTZ]: (v: string) => `as text: ${v}` } },
    ]) {
      const mine = await pg.query(text, [['a', 'b']], options);
      const theirs = await raw.query(text, [['a', 'b']], options);
      expect(mine.rows).toEqual(theirs.rows);
      expect(mine.fields).toEqual(theirs.fields);
    }
    const update = await pg.query(`update t set n = n + 1 where name = $1`, ['a']);
    expect(update.affectedRows).toBe(1);
  });

  test("results read by Loupe's reader: long values over several output chunks, unicode, empty strings, many rows; notices fall back to PGlite's reader", async () => {
    const { raw, pg } = await pair();
    await pg.query(`insert into t (name, tags) values ($1, $2), ($3, $4)`, ['ä', ['', 'ä'], '', []]);
    for (let i = 0; i < 300; i++) await pg.query(`insert into t (name, n) values ($1, $2)`, [`row ${i}`, i]);
    // ~3 MB in the first row: PGlite hands the output over in several chunks.
    const text = `select id, name, tags, n, case when id = 1 then repeat($1, 600000) end as long from t order by id`;
    const mine = await pg.query(text, ['ü€']);
    expect(mine.rows).toEqual((await raw.query(text, ['ü€'])).rows);
    expect(mine.rows).toHaveLength(302);
    expect((mine.rows[0] as { long: string }).long).toBe('ü€'.repeat(600_000));
    // A NOTICE ("does not exist, skipping") is not a result message: PGlite's reader reads that round trip.
    const notice = `drop table if exists not_there`;
    expect(await pg.query(notice)).toEqual(await raw.query(notice));
  });

  test('prepares each text once and reuses it', async () => {
    const { raw, pg } = await pair();
    for (let i = 0; i < 5; i++) await pg.query(`select $1::int + 1 as v`, [i]);
    expect((await pg.query<{ v: number }>(`select $1::int + 1 as v`, [41])).rows).toEqual([{ v: 42 }]);
    expect(await preparedNames(raw)).toHaveLength(1);
  });

  test('keeps at most `max` statements prepared, closing the least recently used', async () => {
    const { raw, pg } = await pair(undefined, 2);
    await pg.query(`select 1 as a`);
    await pg.query(`select 2 as b`);
    await pg.query(`select 1 as a`); // used again: now the newest
    await pg.query(`select 3 as c`); // closes "select 2"
    const names = await preparedNames(raw);
    expect(names).toHaveLength(2);
    const texts = (
      await raw.query<{ statement: string }>(`select statement from pg_prepared_statements where name like 'loupe_%'`)
    ).rows
      .map((r) => r.statement)
      .sort();
    expect(texts).toEqual(['select 1 as a', 'select 3 as c']);
    expect((await pg.query<{ b: number }>(`select 2 as b`)).rows).toEqual([{ b: 2 }]);
  });

  test("a failing statement throws Postgres's error, with the query, and the database goes on", async () => {
    const { pg } = await pair();
    await pg.query(`insert into t (name) values ($1)`, ['dup']);
    const error = (await pg.query(`insert into t (name) values ($1)`, ['dup']).catch((e: unknown) => e)) as {
      code?: string;
      query?: string;
    };
    expect(error.code).toBe('23505');
    expect(error.query).toBe(`insert into t (name) values ($1)`);
    const syntax = (await pg.query(`selec 1`).catch((e: unknown) => e)) as { code?: string };
    expect(syntax.code).toBe('42601');
    expect((await pg.query(`select count(*)::int as n from t`)).rows).toEqual([{ n: 1 }]);
  });

  test('transactions: statements inside are prepared too, and a failure rolls all of them back', async () => {
    const { raw, pg } = await pair();
    await pg.transaction(async (tx) => {
      await tx.query(`insert into t (name) values ($1)`, ['in-tx']);
      expect((await tx.query(`select name from t where name = $1`, ['in-tx'])).rows).toEqual([{ name: 'in-tx' }]);
    });
    expect(await preparedNames(raw)).toHaveLength(2);
    const failed = (await pg
      .transaction(async (tx) => {
        await tx.query(`insert into t (name) values ($1)`, ['rolled-back']);
        await tx.query(`insert into t (name) values ($1)`, ['in-tx']); // unique violation
      })
      .catch((e: unknown) => e)) as { code?: string };
    expect(failed.code).toBe('23505');
    expect((await pg.query(`select name from t order by name`)).rows).toEqual([{ name: 'in-tx' }]);
    let closed: unknown;
    await pg.transaction(async (tx) => {
      await tx.rollback();
      closed = await tx.query(`select 1`).catch((e: unknown) => e);
    });
    expect(String(closed)).toContain('Transaction is closed');
  });

  // Two PGlites on disk, the first one created fresh (~5 s alone, far more on a busy machine).
  test('writes reach the data folder, inside and outside transactions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-pglite-prepared-'));
    folders.push(dir);
    const first = await pair(dir);
    await first.pg.query(`insert into t (name) values ($1)`, ['outside']);
    await first.pg.transaction(async (tx) => {
      await tx.query(`insert into t (name) values ($1)`, ['inside']);
    });
    await first.pg.close();
    const again = await pair(dir);
    expect((await again.pg.query(`select name from t order by name`)).rows).toEqual([
      { name: 'inside' },
      { name: 'outside' },
    ]);
  }, 120_000);
});
