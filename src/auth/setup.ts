// The first administrator: created from LOUPE_ADMIN_EMAIL/PASSWORD at start-up
// (Docker, scripted installs), or by a person through a one-time setup link
// that the server logs while no enabled administrator exists.
import { and, eq, isNull } from 'drizzle-orm';
import { audit, type Actor } from '../audit/audit.ts';
import { publicBase } from '../config.ts';
import { groups, setupTokens, technicians } from '../db/schema.ts';
import { transaction, type Tx } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { Conflict, NotFound } from '../http/errors.ts';
import { countAdministrators, lockAdministrators } from '../technicians/administrators.ts';
import { DEFAULT_GROUP_SETTINGS, RIGHTS } from '../contract/rights.ts';
import { insertTechnician } from '../technicians/technicians.ts';
import { hashPassword } from './passwords.ts';
import { createAuthSession, loadMe, type Me } from './sessions.ts';
import { newToken, tokenHash } from './tokens.ts';

export const ADMINISTRATORS_GROUP = 'Administrators';
const system: Actor = { type: 'system' };

/** The group holding every right, created on first use. */
async function administratorsGroup(tx: Tx, actor: Actor): Promise<string> {
  const [existing] = await tx.select().from(groups).where(eq(groups.name, ADMINISTRATORS_GROUP));
  if (existing) {
    await tx
      .update(groups)
      .set({ rights: [...RIGHTS] })
      .where(eq(groups.id, existing.id));
    return existing.id;
  }
  const [row] = await tx
    .insert(groups)
    .values({ name: ADMINISTRATORS_GROUP, rights: [...RIGHTS], settings: DEFAULT_GROUP_SETTINGS })
    .returning({ id: groups.id });
  await audit(
    tx,
    actor,
    'group.created',
    { type: 'group', id: row!.id },
    { name: ADMINISTRATORS_GROUP, rights: RIGHTS },
  );
  return row!.id;
}

export type StartupAdministrator =
  | { outcome: 'present' }
  | { outcome: 'created' | 'restored'; email: string }
  | { outcome: 'setup_link'; url: string };

/** Run at start-up: makes sure an administrator exists or there is a way to create one. */
export async function ensureFirstAdministrator(deps: Deps): Promise<StartupAdministrator> {
  const admin = deps.config.admin;
  const passwordHash = admin ? await hashPassword(admin.password) : undefined;
  return transaction(deps.db, async (tx): Promise<StartupAdministrator> => {
    await lockAdministrators(tx);
    if ((await countAdministrators(tx)) > 0) {
      await tx.delete(setupTokens);
      return { outcome: 'present' };
    }
    if (admin && passwordHash) {
      const email = admin.email.trim().toLowerCase();
      const groupId = await administratorsGroup(tx, system);
      const [existing] = await tx.select().from(technicians).where(eq(technicians.email, email));
      if (existing) {
        // Recovery path: every administrator was disabled or demoted; the
        // operator sets the variables and restarts to get back in.
        await tx
          .update(technicians)
          .set({ groupId, disabled: false, passwordHash })
          .where(eq(technicians.id, existing.id));
        await audit(tx, system, 'technician.restored_as_administrator', { type: 'technician', id: existing.id });
        return { outcome: 'restored', email };
      }
      await insertTechnician(tx, system, { email, name: 'Administrator', groupId }, passwordHash);
      return { outcome: 'created', email };
    }
    // A new link at every start: an old one from a log file stops working.
    await tx.delete(setupTokens);
    const token = newToken();
    await tx.insert(setupTokens).values({ tokenHash: tokenHash(token), createdAt: deps.clock.now() });
    return { outcome: 'setup_link', url: `${publicBase(deps.config)}/setup?token=${token}` };
  });
}

const SETUP_LINK_UNUSABLE = 'This setup link is invalid or was already used. Restart Loupe to get a new one.';

/** Throws NotFound unless the setup link's token is known and unused (the setup page asks before showing its form). */
export async function checkSetupToken(deps: Pick<Deps, 'db'>, token: string): Promise<void> {
  if (!(await isSetupTokenValid(deps, token))) throw new NotFound(SETUP_LINK_UNUSABLE);
}

export async function isSetupTokenValid(deps: Pick<Deps, 'db'>, token: string): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const [row] = await deps.db
    .select()
    .from(setupTokens)
    .where(and(eq(setupTokens.tokenHash, tokenHash(token)), isNull(setupTokens.usedAt)));
  return !!row;
}

export type SetupInput = {
  token: string;
  name: string;
  email: string;
  password: string;
  address: string;
  userAgent: string;
};

export async function completeSetup(
  deps: Deps,
  input: SetupInput,
): Promise<{ token: string; expiresAt: Date; technician: Me }> {
  // Anyone can post here: a made-up token is refused before the hash (~200 ms and 64 MiB of argon2id
  // each, unthrottled). The transaction below claims the token again, so a race still has one winner.
  await checkSetupToken(deps, input.token);
  const passwordHash = await hashPassword(input.password);
  const result = await transaction(deps.db, async (tx) => {
    await lockAdministrators(tx);
    const [used] = await tx
      .update(setupTokens)
      .set({ usedAt: deps.clock.now() })
      .where(and(eq(setupTokens.tokenHash, tokenHash(input.token)), isNull(setupTokens.usedAt)))
      .returning({ tokenHash: setupTokens.tokenHash });
    if (!used) throw new NotFound(SETUP_LINK_UNUSABLE);
    if ((await countAdministrators(tx)) > 0)
      throw new Conflict('An administrator already exists; sign in instead.', 'already_set_up');
    const groupId = await administratorsGroup(tx, system);
    const created = await insertTechnician(tx, system, { email: input.email, name: input.name, groupId }, passwordHash);
    const session = await createAuthSession(tx, deps, created.id, input);
    await audit(tx, { type: 'technician', id: created.id }, 'setup.completed', { type: 'technician', id: created.id });
    return { token: session.token, expiresAt: session.expiresAt, technician: (await loadMe(tx, created.id))! };
  });
  deps.log.info('first administrator created through the setup link', { email: input.email });
  return result;
}
