// A group is picked by its name (the technician dialog's group list): a new or
// renamed group may not look like another group, e.g. "Аdministrators" with a
// Cyrillic А beside the real one. The rule is in docs/text-input.md.
import { sql } from 'drizzle-orm';
import { looksAlike } from '../contract/text.ts';
import { groups } from '../db/schema.ts';
import type { Tx } from '../db/transaction.ts';
import { Conflict } from '../http/errors.ts';

/** Throws Conflict (409 duplicate_name) when `name` looks like another group's name. */
export async function assertNameLooksUnlikeOthers(tx: Tx, name: string, groupId?: string): Promise<void> {
  // Serialises group names being written, so two look-alikes made at once cannot both pass.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('loupe.group_names'))`);
  const others = await tx.select({ id: groups.id, name: groups.name }).from(groups);
  // The same name is left to the unique index (its own message); this is for names that only look the same.
  const clash = others.find((g) => g.id !== groupId && g.name !== name && looksAlike(g.name, name));
  if (clash)
    throw new Conflict(
      `"${name}" looks too much like the group "${clash.name}": choose a name that is clearly different.`,
      'duplicate_name',
    );
}
