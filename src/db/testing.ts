// Test database: one per test process (bun test runs files in one process),
// truncated before each test. PGlite in memory by default; a real PostgreSQL
// server when LOUPE_TEST_DATABASE_URL is set (.ci/run does that once).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrationsFolder, openDatabase, type Database } from './client.ts';

let shared: Promise<Database> | undefined;

export function testDatabase(): Promise<Database> {
  shared ??= (async () => {
    const url = process.env.LOUPE_TEST_DATABASE_URL || undefined;
    if (url) {
      const database = await openDatabase({ url });
      await database.migrate();
      return database;
    }
    return migratedPglite();
  })();
  return shared;
}

/**
 * A fresh PGlite costs ~4 s (initdb, in WASM); loading a dump of one ~1.4 s.
 * The first test process makes a dump of the migrated database and later ones
 * load it. The file's name holds the migrations' and PGlite's versions, so a
 * new migration or upgrade makes a new one.
 */
async function migratedPglite(): Promise<Database> {
  const migrations = createHash('sha256');
  for (const name of readdirSync(migrationsFolder, { recursive: true }).map(String).sort())
    if (name.endsWith('.sql') || name.endsWith('.json'))
      migrations.update(name).update(readFileSync(join(migrationsFolder, name)));
  const pglite = JSON.parse(
    readFileSync(join(import.meta.dir, '../../node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  );
  const template = join(
    tmpdir(),
    `loupe-test-pglite-${pglite.version}-${migrations.digest('hex').slice(0, 16)}.tar.gz`,
  );
  if (existsSync(template)) {
    const database = await openDatabase({ loadDataDir: new Blob([readFileSync(template)]) });
    await database.migrate();
    return database;
  }
  const database = await openDatabase({});
  await database.migrate();
  const dump = await database.dumpDataDir!();
  // Written beside, then renamed: a parallel test process never reads half a file.
  const partial = `${template}.${process.pid}`;
  writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
  renameSync(partial, template);
  return database;
}

/** An empty database with the schema applied. */
export async function freshTestDatabase(): Promise<Database> {
  const database = await testDatabase();
  const tables = await database.db.execute<{ tablename: string }>(
    sql`select tablename from pg_tables where schemaname = 'public'`,
  );
  const names = rows<{ tablename: string }>(tables).map((r) => `"${r.tablename}"`);
  if (names.length) await database.db.execute(sql.raw(`truncate ${names.join(', ')} restart identity cascade`));
  return database;
}

/** drizzle's execute returns an array (postgres-js) or `{ rows }` (PGlite). */
export function rows<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows: T[] }).rows ?? []);
}
