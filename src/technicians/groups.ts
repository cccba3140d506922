import { asc, eq, sql } from 'drizzle-orm';
import type { Group as GroupView } from '../contract/views.ts';
import { audit, type Actor } from '../audit/audit.ts';
import { groups } from '../db/schema.ts';
import {
  FOREIGN_KEY_VIOLATION,
  pgErrorCode,
  RESTRICT_VIOLATION,
  transaction,
  UNIQUE_VIOLATION,
  type Tx,
} from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, NotFound } from '../http/errors.ts';
import { assertAnAdministratorRemains, lockAdministrators } from './administrators.ts';
import { assertNameLooksUnlikeOthers } from './group-names.ts';
import { DEFAULT_GROUP_SETTINGS } from '../contract/rights.ts';
import type { CreateGroupInput, UpdateGroupInput } from '../contract/inputs.ts';

// Written out: drizzle drops table qualifiers from columns in a single-table select,
// which would make this correlated subquery compare technicians with themselves.
const technicianCount = sql<number>`(select count(*)::int from technicians t where t.group_id = "groups"."id")`;

const viewColumns = {
  id: groups.id,
  name: groups.name,
  rights: groups.rights,
  settings: groups.settings,
  technicianCount,
  createdAt: groups.createdAt,
};

function toView(row: { createdAt: Date } & Omit<GroupView, 'createdAt'>): GroupView {
  return { ...row, settings: { ...DEFAULT_GROUP_SETTINGS, ...row.settings }, createdAt: row.createdAt.toISOString() };
}

export async function listGroups(deps: Pick<Deps, 'db'>): Promise<GroupView[]> {
  const rows = await deps.db.select(viewColumns).from(groups).orderBy(asc(groups.name));
  return rows.map(toView);
}

async function groupView(tx: Tx, id: string): Promise<GroupView> {
  const [row] = await tx.select(viewColumns).from(groups).where(eq(groups.id, id));
  if (!row) throw new NotFound('No such group.');
  return toView(row);
}

function nameTaken(err: unknown, name: string | undefined): never {
  if (pgErrorCode(err) === UNIQUE_VIOLATION)
    throw new Conflict(`A group named "${name}" already exists.`, 'duplicate_name');
  throw err;
}

export async function createGroup(deps: Pick<Deps, 'db'>, actor: Actor, input: CreateGroupInput): Promise<GroupView> {
  return transaction(deps.db, async (tx) => {
    const settings = { ...DEFAULT_GROUP_SETTINGS, ...input.settings };
    await assertNameLooksUnlikeOthers(tx, input.name);
    const [row] = await tx
      .insert(groups)
      .values({ name: input.name, rights: input.rights, settings })
      .returning({ id: groups.id })
      .catch((e) => nameTaken(e, input.name));
    await audit(
      tx,
      actor,
      'group.created',
      { type: 'group', id: row!.id },
      { name: input.name, rights: input.rights, settings },
    );
    return groupView(tx, row!.id);
  });
}

export async function updateGroup(
  deps: Pick<Deps, 'db'>,
  actor: Actor,
  id: string,
  input: UpdateGroupInput,
): Promise<GroupView> {
  return transaction(deps.db, async (tx) => {
    if (input.rights) await lockAdministrators(tx);
    const [current] = await tx.select().from(groups).where(eq(groups.id, id)).for('update');
    if (!current) throw new NotFound('No such group.');
    // Only a new name is checked: the admin dialog sends the name unchanged with every edit.
    if (input.name !== undefined && input.name !== current.name) await assertNameLooksUnlikeOthers(tx, input.name, id);
    const settings = input.settings ? { ...DEFAULT_GROUP_SETTINGS, ...current.settings, ...input.settings } : undefined;
    await tx
      .update(groups)
      .set({ name: input.name, rights: input.rights, settings, updatedAt: new Date() })
      .where(eq(groups.id, id))
      .catch((e) => nameTaken(e, input.name));
    if (input.rights) await assertAnAdministratorRemains(tx);
    await audit(tx, actor, 'group.updated', { type: 'group', id }, { ...input });
    return groupView(tx, id);
  });
}

export async function deleteGroup(deps: Pick<Deps, 'db'>, actor: Actor, id: string): Promise<void> {
  await transaction(deps.db, async (tx) => {
    const view = await groupView(tx, id);
    if (view.technicianCount > 0) {
      throw new Conflict(
        `The group "${view.name}" still has ${view.technicianCount} technician(s); move them first.`,
        'group_not_empty',
      );
    }
    await tx
      .delete(groups)
      .where(eq(groups.id, id))
      .catch((e) => {
        // A technician added to the group meanwhile: the foreign key refuses the delete.
        if ([FOREIGN_KEY_VIOLATION, RESTRICT_VIOLATION].includes(pgErrorCode(e) ?? ''))
          throw new Conflict(`The group "${view.name}" still has technicians.`, 'group_not_empty');
        throw e;
      });
    await audit(tx, actor, 'group.deleted', { type: 'group', id }, { name: view.name });
  });
}
