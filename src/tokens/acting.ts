// Whom a request acts for where the body names a technician: POST
// /api/sessions' `technicianId` (docs/integrations.md, "API tokens").
import { eq } from 'drizzle-orm';
import { loadMe, type Me, type SignedIn } from '../auth/sessions.ts';
import { technicians } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { Forbidden, Invalid } from '../http/errors.ts';

/**
 * A service token must name the technician it starts the session for, whose
 * rights and live-session limit then decide; anyone else may name only
 * themselves (or no one).
 */
export async function sessionStarter(
  deps: Pick<Deps, 'db'>,
  signedIn: SignedIn,
  technicianId: string | undefined,
): Promise<Me> {
  if (signedIn.via?.kind !== 'service') {
    if (technicianId !== undefined && technicianId !== signedIn.technician.id) {
      throw new Forbidden('You start sessions of your own only: leave "technicianId" out or give your own id.');
    }
    return signedIn.technician;
  }
  if (technicianId === undefined) {
    throw new Invalid('A service token names the technician the session is for: give "technicianId".', [
      { path: 'technicianId', message: 'Required with a service token.' },
    ]);
  }
  const [row] = await deps.db
    .select({ disabled: technicians.disabled })
    .from(technicians)
    .where(eq(technicians.id, technicianId));
  const me = row && !row.disabled ? await loadMe(deps.db, technicianId) : undefined;
  if (!me) {
    throw new Invalid('No technician can take this session: "technicianId" is unknown or disabled.', [
      { path: 'technicianId', message: 'Unknown or disabled technician.' },
    ]);
  }
  return me;
}
