import { and, asc, eq, ne } from 'drizzle-orm';
import type { Technician as TechnicianView } from '../contract/views.ts';
import { audit, type Actor } from '../audit/audit.ts';
import { hashPassword } from '../auth/passwords.ts';
import { authSessions, groups, technicians } from '../db/schema.ts';
import { FOREIGN_KEY_VIOLATION, pgErrorCode, transaction, UNIQUE_VIOLATION, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, Invalid, NotFound } from '../http/errors.ts';
import { assertAnAdministratorRemains, lockAdministrators } from './administrators.ts';
import type { CreateTechnicianInput, UpdateTechnicianInput } from '../contract/inputs.ts';

export type { TechnicianView };

const viewColumns = {
  id: technicians.id,
  email: technicians.email,
  name: technicians.name,
  groupId: technicians.groupId,
  groupName: groups.name,
  disabled: technicians.disabled,
  createdAt: technicians.createdAt,
  lastLoginAt: technicians.lastLoginAt,
};

function toView(
  row: { createdAt: Date; lastLoginAt: Date | null } & Omit<TechnicianView, 'createdAt' | 'lastLoginAt'>,
): TechnicianView {
  return { ...row, createdAt: row.createdAt.toISOString(), lastLoginAt: row.lastLoginAt?.toISOString() ?? null };
}

export async function listTechnicians(deps: Pick<Deps, 'db'>): Promise<TechnicianView[]> {
  const rows = await deps.db
    .select(viewColumns)
    .from(technicians)
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .orderBy(asc(technicians.name), asc(technicians.email));
  return rows.map(toView);
}

async function technicianView(tx: Tx, id: string): Promise<TechnicianView> {
  const [row] = await tx
    .select(viewColumns)
    .from(technicians)
    .innerJoin(groups, eq(groups.id, technicians.groupId))
    .where(eq(technicians.id, id));
  if (!row) throw new NotFound('No such technician.');
  return toView(row);
}

function explainWriteError(err: unknown, email: string | undefined): never {
  const code = pgErrorCode(err);
  if (code === UNIQUE_VIOLATION)
    throw new Conflict(`A technician with the email ${email} already exists.`, 'duplicate_email');
  if (code === FOREIGN_KEY_VIOLATION)
    throw new Invalid('No such group.', [{ path: 'groupId', message: 'No such group.' }]);
  throw err;
}

/** Used by the setup flow too, inside its own transaction. */
export async function insertTechnician(
  tx: Tx,
  actor: Actor,
  input: Omit<CreateTechnicianInput, 'password'>,
  passwordHash: string,
) {
  const [row] = await tx
    .insert(technicians)
    .values({ email: input.email, name: input.name, groupId: input.groupId, passwordHash })
    .returning({ id: technicians.id })
    .catch((e) => explainWriteError(e, input.email));
  await audit(
    tx,
    actor,
    'technician.created',
    { type: 'technician', id: row!.id },
    { email: input.email, groupId: input.groupId },
  );
  return technicianView(tx, row!.id);
}

export async function createTechnician(
  deps: Pick<Deps, 'db'>,
  actor: Actor,
  input: CreateTechnicianInput,
): Promise<TechnicianView> {
  // Hash before the transaction: argon2 takes a few hundred ms and must not hold locks.
  const passwordHash = await hashPassword(input.password);
  return transaction(deps.db, (tx) => insertTechnician(tx, actor, input, passwordHash));
}

export async function updateTechnician(
  deps: Pick<Deps, 'db' | 'events'>,
  actor: Actor,
  id: string,
  input: UpdateTechnicianInput,
): Promise<TechnicianView> {
  let disabledNow = false;
  const view = await transaction(deps.db, async (tx) => {
    const affectsAdministrators = input.disabled !== undefined || input.groupId !== undefined;
    if (affectsAdministrators) await lockAdministrators(tx);
    const [current] = await tx.select().from(technicians).where(eq(technicians.id, id)).for('update');
    if (!current) throw new NotFound('No such technician.');
    await tx
      .update(technicians)
      .set({
        email: input.email,
        name: input.name,
        groupId: input.groupId,
        disabled: input.disabled,
        updatedAt: new Date(),
      })
      .where(eq(technicians.id, id))
      .catch((e) => explainWriteError(e, input.email));
    if (affectsAdministrators) await assertAnAdministratorRemains(tx);
    // A disabled technician is signed out everywhere at once: here for REST, by the event below for open sockets.
    disabledNow = !!input.disabled && !current.disabled;
    if (disabledNow) await tx.delete(authSessions).where(eq(authSessions.technicianId, id));
    await audit(tx, actor, 'technician.updated', { type: 'technician', id }, { ...input });
    return technicianView(tx, id);
  });
  // Other changes (name, email, group) leave the sign-ins: what a console socket
  // shows and accepts depends on who the technician is, not on their rights.
  if (disabledNow) deps.events.signedOut({ technicianId: id, reason: 'disabled' });
  return view;
}

/**
 * Sets a new password and ends the technician's sign-ins, with their console
 * sockets, except `keepAuthSessionId` (an administrator resetting their own
 * password stays signed in where they did it).
 */
export async function resetPassword(
  deps: Pick<Deps, 'db' | 'events'>,
  actor: Actor,
  id: string,
  password: string,
  keepAuthSessionId?: string,
): Promise<void> {
  const passwordHash = await hashPassword(password);
  await transaction(deps.db, async (tx) => {
    const [row] = await tx
      .update(technicians)
      .set({ passwordHash, updatedAt: new Date() })
      .where(eq(technicians.id, id))
      .returning({ id: technicians.id });
    if (!row) throw new NotFound('No such technician.');
    await tx
      .delete(authSessions)
      .where(
        and(eq(authSessions.technicianId, id), keepAuthSessionId ? ne(authSessions.id, keepAuthSessionId) : undefined),
      );
    await audit(tx, actor, 'technician.password_reset', { type: 'technician', id });
  });
  deps.events.signedOut({
    technicianId: id,
    reason: 'password_reset',
    ...(keepAuthSessionId ? { keptAuthSessionId: keepAuthSessionId } : {}),
  });
}
