// The Lens session's state machine (docs/architecture.md, "The Lens session").
// Verbs change `state` only through `assertTransition`, so an illegal change
// is refused before anything is written. The states and their groups are in
// the contract shared with the web app.
import { ENDED_STATES, isLiveState, LIVE_STATES, MEDIA_STATES, type SessionState } from '../contract/states.ts';
import { Conflict } from '../http/errors.ts';

export { ENDED_STATES, LIVE_STATES, MEDIA_STATES, type SessionState };

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

export const isLive = isLiveState;

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
