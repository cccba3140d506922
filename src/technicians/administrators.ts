// Loupe must never lose its last enabled administrator: nobody could then
// manage technicians without editing the database by hand.
import { and, eq, sql } from 'drizzle-orm';
import { groups, technicians } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { Conflict } from '../http/errors.ts';

/** Serialises changes that can affect who is an administrator (taken at the start of such transactions). */
export async function lockAdministrators(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('loupe.administrators'))`);
}

export async function countAdministrators(tx: Tx): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(technicians)
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(and(eq(technicians.disabled, false), sql`'administer' = any(${groups.rights})`));
  return row?.n ?? 0;
}

export async function assertAnAdministratorRemains(tx: Tx): Promise<void> {
  if ((await countAdministrators(tx)) === 0) {
    throw new Conflict(
      'Loupe needs at least one enabled administrator; this change would leave none.',
      'last_administrator',
    );
  }
}
