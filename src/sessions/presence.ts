// Whether the customer's page is there: the Lens socket's comings and goings,
// kept in the database so that the console of any tab (and a restarted Loupe)
// agrees, and so that a customer gone for good ends the session as `timed_out`.
import { and, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { heldByGoneNode } from '../cluster/nodes.ts';
import { lensSessions, type SessionState } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { endDueSessions } from './end.ts';

/** After the customer opened the link and before the session ended. */
const PRESENT_STATES: SessionState[] = ['connecting', 'waiting', 'active', 'on_hold'];

/**
 * The customer's page has a socket again, here: this node now holds it. Also
 * when the customer was never marked away (its socket moved from another node
 * that has not noticed the old one close yet), so that node's late
 * customerLeft changes nothing.
 */
export async function customerArrived(deps: Deps, sessionId: string): Promise<void> {
  const changed = await deps.db
    .update(lensSessions)
    .set({ customerLeftAt: null, customerNode: deps.nodeId, updatedAt: deps.clock.now() })
    .where(
      and(
        eq(lensSessions.id, sessionId),
        inArray(lensSessions.state, PRESENT_STATES),
        or(isNotNull(lensSessions.customerLeftAt), sql`${lensSessions.customerNode} is distinct from ${deps.nodeId}`),
      ),
    )
    .returning({ technicianId: lensSessions.technicianId });
  for (const row of changed) deps.events.sessionChanged({ sessionId, technicianId: row.technicianId });
}

/** The customer's last socket on this node closed; if another node holds the customer now, nothing changes. */
export async function customerLeft(deps: Deps, sessionId: string): Promise<void> {
  const now = deps.clock.now();
  const changed = await deps.db
    .update(lensSessions)
    .set({ customerLeftAt: now, updatedAt: now })
    .where(
      and(
        eq(lensSessions.id, sessionId),
        inArray(lensSessions.state, PRESENT_STATES),
        isNull(lensSessions.customerLeftAt),
        or(isNull(lensSessions.customerNode), eq(lensSessions.customerNode, deps.nodeId)),
      ),
    )
    .returning({ technicianId: lensSessions.technicianId });
  for (const row of changed) deps.events.sessionChanged({ sessionId, technicianId: row.technicianId });
}

/**
 * Customers held by a node that is gone (killed, or this process before its
 * restart) count as away from now: their page comes back to a running node,
 * or the session times out. At start-up, and by the leader every few seconds.
 */
export async function markCustomersOfGoneNodesAway(deps: Deps): Promise<void> {
  const now = deps.clock.now();
  const changed = await deps.db
    .update(lensSessions)
    .set({ customerLeftAt: now, updatedAt: now })
    .where(
      and(
        inArray(lensSessions.state, PRESENT_STATES),
        isNull(lensSessions.customerLeftAt),
        heldByGoneNode(lensSessions.customerNode, now),
      ),
    )
    .returning({ sessionId: lensSessions.id, technicianId: lensSessions.technicianId });
  for (const row of changed) deps.events.sessionChanged(row);
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
