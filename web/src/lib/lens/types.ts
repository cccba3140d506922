// What the customer's Lens pages get from the server (/api/lens/*, /ws/lens):
// the server's contract (src/contract/), never declared again here.
export type { LensView } from '$contract/views.ts';
export { isEndedState, type SessionState } from '$contract/states.ts';
