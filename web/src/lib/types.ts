// The shapes of the JSON the Loupe API returns: the server's contract
// (src/contract/), never declared again here.
export type { Group, Me, SessionView, SmsView as SessionSms, Technician, Eula } from '$contract/views.ts';
export type { GroupSettings } from '$contract/rights.ts';
export type { SessionState, SmsStatus } from '$contract/states.ts';
