// Checks the audit hash chain (docs/records.md, "The audit chain") of the
// database the server uses: LOUPE_DATA_DIR (PGlite) or DATABASE_URL
// (PostgreSQL), read as the server reads them. It opens the database only:
// no migration, nothing written. PGlite allows one process, so run it while
// the server is stopped; on PostgreSQL it runs beside the server.
//
//   bun run audit:verify   exit 0: intact; 1: broken (the first broken row is named); 2: cannot open or read
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAuditChain } from '../src/audit/verify.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';

function fail(message: string): never {
  console.error(`audit:verify: ${message}`);
  process.exit(2);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) fail(`invalid configuration: ${err.message}`);
  throw err;
}
// PGlite would make an empty database where there is none: say so instead.
if (!config.databaseUrl && !existsSync(join(config.dataDir, 'pglite', 'PG_VERSION')))
  fail(`no Loupe database in ${config.dataDir} (set LOUPE_DATA_DIR or DATABASE_URL as for the server)`);

const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }).catch((err) =>
  fail(`cannot open the database: ${err instanceof Error ? err.message : String(err)}`),
);
const where = database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : config.dataDir;
try {
  const verdict = await verifyAuditChain(database.db);
  if (verdict.ok) console.log(`audit chain intact: ${verdict.rows} rows (${where})`);
  else console.log(`audit chain broken at row ${verdict.rowId}: ${verdict.reason} (${where})`);
  await database.close();
  process.exit(verdict.ok ? 0 : 1);
} catch (err) {
  await database.close().catch(() => {});
  fail(`cannot read the audit log: ${err instanceof Error ? err.message : String(err)}`);
}
