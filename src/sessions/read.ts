// The technician's reads of their own sessions, as verbs: the REST routes call
// these; the console socket reads through view.ts directly.
import type { Deps } from '../deps.ts';
import { NotFound } from '../http/errors.ts';
import { everyonesSessions, ownSessionView, technicianSessions, type SessionView } from './view.ts';

/** The technician's live sessions and recent history, as the console's list shows them. */
export function listOwnSessions(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  technicianId: string,
): Promise<SessionView[]> {
  return technicianSessions(deps.db, deps.config, technicianId, deps.clock.now());
}

/** A service token's list: everyone's live sessions and recent history. */
export function listEveryonesSessions(deps: Pick<Deps, 'db' | 'config' | 'clock'>): Promise<SessionView[]> {
  return everyonesSessions(deps.db, deps.config, deps.clock.now());
}

/** One of the technician's sessions; another technician's is as unknown as a missing one. */
export async function ownSession(
  deps: Pick<Deps, 'db' | 'config'>,
  technicianId: string,
  id: string,
): Promise<SessionView> {
  const view = await ownSessionView(deps.db, deps.config, technicianId, id);
  if (!view) throw new NotFound('No such session.');
  return view;
}
