// The Lens session's state machine (shared/DESIGN.md, "The Lens session").
// Verbs change `state` only through `assertTransition`, so an illegal change
// is refused before anything is written.
import type { SessionState } from '../db/schema.ts';
import { Conflict } from '../http/errors.ts';

export type { SessionState };

const NEXT: Record<SessionState, readonly SessionState[]> = {
  invited: ['connecting', 'closed', 'expired'],
  connecting: ['waiting', 'closed', 'timed_out'],
  waiting: ['active', 'closed', 'timed_out'],
  active: ['on_hold', 'closed', 'timed_out'],
  on_hold: ['active', 'closed', 'timed_out'],
  closed: [],
  expired: [],
  timed_out: [],
};

/** States in which a session counts against the technician's live-session limit. */
export const LIVE_STATES: readonly SessionState[] = ['invited', 'connecting', 'waiting', 'active', 'on_hold'];
export const ENDED_STATES: readonly SessionState[] = ['closed', 'expired', 'timed_out'];

export const isLive = (state: SessionState) => LIVE_STATES.includes(state);

export function canTransition(from: SessionState, to: SessionState): boolean {
  return NEXT[from].includes(to);
}

const HUMAN: Record<SessionState, string> = {
  invited: 'invited',
  connecting: 'opened by the customer',
  waiting: 'waiting for you',
  active: 'active',
  on_hold: 'on hold',
  closed: 'closed',
  expired: 'expired',
  timed_out: 'timed out',
};

export function assertTransition(from: SessionState, to: SessionState): void {
  if (!canTransition(from, to)) {
    throw new Conflict(`This session is ${HUMAN[from]}; it cannot become ${HUMAN[to]}.`, 'invalid_state');
  }
}

export const ALL_TRANSITIONS = NEXT;
