// `bun run audit:verify` as an operator runs it: a separate process on a
// PGlite data directory, reading LOUPE_DATA_DIR like the server. Intact: exit
// 0 with the row count; one row's action changed: exit 1 naming that row; no
// database: exit 2.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { freshTestDatabase } from '../db/testing.ts';
import { DATABASE_HOOK } from '../testing/harness.ts';
import { audit } from './audit.ts';

const SCRIPT = new URL('../../scripts/audit-verify.ts', import.meta.url).pathname;
let dir: string;

/** The data directory's database, opened as the server would (migrated from the test template when there is one). */
async function open(first = false): Promise<Database> {
  const template = first ? await (await freshTestDatabase()).dumpDataDir?.() : undefined;
  const database = await openDatabase({ dataDir: dir, loadDataDir: template });
  if (first) await database.migrate();
  return database;
}

function verify(dataDir: string) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), LOUPE_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const run = Bun.spawnSync([process.execPath, SCRIPT], { env, stdout: 'pipe', stderr: 'pipe' });
  return { code: run.exitCode, out: run.stdout.toString() + run.stderr.toString() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-audit-verify-'));
  const database = await open(true);
  for (const action of ['session.invited', 'session.opened', 'session.started', 'session.closed'])
    await database.db.transaction((tx) =>
      audit(tx, { type: 'system' }, action, { type: 'session', id: 'abc' }, { at: action }),
    );
  await database.close();
}, DATABASE_HOOK);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bun run audit:verify', () => {
  test(
    'an intact chain: exit 0 and the number of rows',
    () => {
      const { code, out } = verify(dir);
      expect(out).toContain('audit chain intact: 4 rows');
      expect(code).toBe(0);
    },
    DATABASE_HOOK,
  );

  test(
    "one row's action changed: exit 1 naming that row",
    async () => {
      const database = await open();
      await database.db.update(auditLog).set({ action: 'session.nothing' }).where(eq(auditLog.id, 3));
      await database.close();
      const { code, out } = verify(dir);
      expect(out).toContain('audit chain broken at row 3:');
      expect(code).toBe(1);
    },
    DATABASE_HOOK,
  );

  test('no database where LOUPE_DATA_DIR points: exit 2, and none is made', () => {
    const empty = join(dir, 'nothing-here');
    const { code, out } = verify(empty);
    expect(out).toContain('no Loupe database');
    expect(code).toBe(2);
    expect(existsSync(empty)).toBe(false);
  });
});
