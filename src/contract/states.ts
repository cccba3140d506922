// The Lens session's states and the groups of them that the server and the
// console both reason about. No zod here: the web app imports this file and
// ships it to the phone, so it must stay a few bytes.

export const SESSION_STATES = [
  'invited',
  'connecting',
  'waiting',
  'active',
  'on_hold',
  'closed',
  'expired',
  'timed_out',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** Invited, not yet joined: the console's "Invitations". */
export const INVITATION_STATES: readonly SessionState[] = ['invited', 'connecting'];
/** The customer accepted the EULA: the console's session list, where Start is. */
export const SESSION_LIST_STATES: readonly SessionState[] = ['waiting', 'active', 'on_hold'];
/** Not ended: counts against the technician's live-session limit (`maxLiveLensSessions`). */
export const LIVE_STATES: readonly SessionState[] = ['invited', 'connecting', 'waiting', 'active', 'on_hold'];
/** Started by the technician: media may flow. */
export const MEDIA_STATES: readonly SessionState[] = ['active', 'on_hold'];
export const ENDED_STATES: readonly SessionState[] = ['closed', 'expired', 'timed_out'];

export const isInvitationState = (state: SessionState) => INVITATION_STATES.includes(state);
export const isSessionListState = (state: SessionState) => SESSION_LIST_STATES.includes(state);
export const isLiveState = (state: SessionState) => LIVE_STATES.includes(state);
export const isEndedState = (state: SessionState) => ENDED_STATES.includes(state);

export const SMS_STATUSES = ['queued', 'sent', 'delivered', 'failed'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];
