// Prepares a Loupe data folder before the server starts, through Loupe's own
// verbs on the same embedded PGlite the server then opens: a group, technicians,
// their sign-ins (cookies), invitations (PINs) and redeemed invitations (customer
// cookies). Runs as its own process (`bun bench/lib/seed.ts <spec.json> <out.json>`)
// because a fresh PGlite peaks near 1 GiB RSS and must be closed before Loupe opens it.
import { newNodeId } from '../../src/cluster/nodes.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createAuthSession, loadMe } from '../../src/auth/sessions.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { transaction } from '../../src/db/transaction.ts';
import { systemClock, type Deps } from '../../src/deps.ts';
import { silentLogger } from '../../src/log.ts';
import { createSession } from '../../src/sessions/create.ts';
import { redeem } from '../../src/sessions/customer.ts';
import { Events } from '../../src/sessions/events.ts';
import { createSessionInput, createGroupInput } from '../../src/contract/inputs.ts';
import { createGroup } from '../../src/technicians/groups.ts';
import { insertTechnician } from '../../src/technicians/technicians.ts';

export type SeedGroup = {
  /** Group and technician name prefix, and the key of its result. */
  name: string;
  technicians: number;
  /** The group's live-session limit (the console allows 1..100). */
  maxLive: number;
  /** Per technician: link/PIN invitations created, of which `redeem` are redeemed (customer cookies). */
  invitations: number;
  redeem: number;
  /** Per technician: sign-ins (technician cookies). */
  signIns: number;
};
/** `databaseUrl`: seed a PostgreSQL database instead of the data folder's PGlite. */
export type SeedSpec = { dataDir: string; publicUrl: string; groups: SeedGroup[]; databaseUrl?: string };
export type SeedResult = Record<string, { technicianCookies: string[]; pins: string[]; customerCookies: string[] }>;
export type SeedOutput = { result: SeedResult; ms: number };

const RIGHTS = ['start_lens_sessions', 'start_private_sessions', 'use_link_method'];

async function seed(spec: SeedSpec): Promise<SeedResult> {
  const database = await openDatabase({ url: spec.databaseUrl, dataDir: spec.dataDir });
  await database.migrate();
  const config = loadConfig({ LOUPE_PUBLIC_URL: spec.publicUrl, LOUPE_DATA_DIR: spec.dataDir });
  const deps: Deps = {
    db: database.db,
    clock: systemClock,
    log: silentLogger,
    config,
    events: new Events(),
    nodeId: newNodeId(),
  };
  const system = { type: 'system' } as const;
  // One argon2 hash for every bench technician: nobody signs in with the password.
  const passwordHash = await hashPassword('bench password 123');
  const result: SeedResult = {};
  for (const g of spec.groups) {
    const out = { technicianCookies: [] as string[], pins: [] as string[], customerCookies: [] as string[] };
    result[g.name] = out;
    const group = await createGroup(
      deps,
      system,
      createGroupInput.parse({
        name: g.name,
        rights: RIGHTS,
        settings: { maxLiveLensSessions: g.maxLive, pinLifetimeMinutes: 1440 },
      }),
    );
    for (let t = 0; t < g.technicians; t++) {
      const tech = await transaction(deps.db, (tx) =>
        insertTechnician(
          tx,
          system,
          { email: `${g.name}-${t}@bench.test`, name: `${g.name} ${t}`, groupId: group.id },
          passwordHash,
        ),
      );
      for (let s = 0; s < g.signIns; s++) {
        const { token } = await transaction(deps.db, (tx) =>
          createAuthSession(tx, deps, tech.id, { address: '127.0.0.1', userAgent: 'loupe-bench' }),
        );
        out.technicianCookies.push(token);
      }
      const me = (await loadMe(deps.db, tech.id))!;
      for (let i = 0; i < g.invitations; i++) {
        const view = await createSession(
          deps,
          me,
          createSessionInput.parse({ type: 'lens', name: `Customer ${t}.${i}`, method: 'link' }),
        );
        if (i < g.redeem)
          out.customerCookies.push((await redeem(deps, { pin: view.pin! }, { address: '127.0.0.1' })).token);
        else out.pins.push(view.pin!);
      }
    }
  }
  await database.close();
  return result;
}

if (import.meta.main) {
  const [specFile, outFile] = process.argv.slice(2);
  if (!specFile || !outFile) throw new Error('usage: bun bench/lib/seed.ts <spec.json> <out.json>');
  const started = performance.now();
  const result = await seed(JSON.parse(readFileSync(specFile, 'utf8')) as SeedSpec);
  writeFileSync(outFile, JSON.stringify({ result, ms: Math.round(performance.now() - started) } satisfies SeedOutput));
  process.exit(0);
}
