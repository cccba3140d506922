// What the customer's Lens pages get from the server (/api/lens/*, /ws/lens).
import type { SessionState } from '../types.ts';

export type { SessionState };

export type LensView = {
	state: SessionState;
	/** The session's name as the technician typed it. */
	name: string;
	technicianName: string;
	language: 'en' | 'nl';
	/** The EULA in `language`. */
	eula: string;
	/** The EULA in every language (the page follows the customer's language switch). */
	eulas?: Record<'en' | 'nl', string>;
	pinExpiresAt: string;
};

export const ENDED: readonly SessionState[] = ['closed', 'expired', 'timed_out'];

export const isEndedState = (state: SessionState) => ENDED.includes(state);
