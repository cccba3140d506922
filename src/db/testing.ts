// Test database: one per test process (bun test runs files in one process),
// truncated before each test. PGlite in memory by default; a real PostgreSQL
// server when LOUPE_TEST_DATABASE_URL is set (.ci/run does that once).
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from './client.ts';

let shared: Promise<Database> | undefined;

export function testDatabase(): Promise<Database> {
  shared ??= (async () => {
    const database = await openDatabase({ url: process.env.LOUPE_TEST_DATABASE_URL || undefined });
    await database.migrate();
    return database;
  })();
  return shared;
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
