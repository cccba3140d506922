// Whether the customer's page is there: the Lens socket's comings and goings,
// kept in the database so that the console of any tab (and a restarted Loupe)
// agrees, and so that a customer gone for good ends the session as `timed_out`.
import { and, eq, inArray, isNotNull, isNull, lte } from 'drizzle-orm';
import { lensSessions, type SessionState } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { endDueSessions } from './end.ts';

/** After the customer opened the link and before the session ended. */
const PRESENT_STATES: SessionState[] = ['connecting', 'waiting', 'active', 'on_hold'];

async function mark(deps: Deps, sessionId: string, leftAt: Date | null): Promise<void> {
  const changed = await deps.db
    .update(lensSessions)
    .set({ customerLeftAt: leftAt, updatedAt: deps.clock.now() })
    .where(
      and(
        eq(lensSessions.id, sessionId),
        inArray(lensSessions.state, PRESENT_STATES),
        leftAt ? isNull(lensSessions.customerLeftAt) : isNotNull(lensSessions.customerLeftAt),
      ),
    )
    .returning({ technicianId: lensSessions.technicianId });
  for (const row of changed) deps.events.sessionChanged({ sessionId, technicianId: row.technicianId });
}

/** The customer's page has a socket again. */
export const customerArrived = (deps: Deps, sessionId: string) => mark(deps, sessionId, null);

/** The customer's last socket closed. */
export const customerLeft = (deps: Deps, sessionId: string) => mark(deps, sessionId, deps.clock.now());

/** At start-up no page is connected yet: every present customer counts as gone from now. */
export async function markAllCustomersAway(deps: Deps): Promise<void> {
  await deps.db
    .update(lensSessions)
    .set({ customerLeftAt: deps.clock.now() })
    .where(and(inArray(lensSessions.state, PRESENT_STATES), isNull(lensSessions.customerLeftAt)));
}

/** Sessions whose customer has been gone longer than the timeout end as `timed_out`. Run by the housekeeping timer. */
export async function timeOutAbsentCustomers(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.config.customerTimeoutMs);
  const due = and(inArray(lensSessions.state, PRESENT_STATES), lte(lensSessions.customerLeftAt, cutoff));
  return endDueSessions(deps, now, due, {
    state: 'timed_out',
    reason: 'customer_gone',
    logMessage: 'sessions timed out: customer gone',
  });
}
