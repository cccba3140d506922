// Shapes of the JSON the Loupe API returns.

export type Me = {
	id: string;
	email: string;
	name: string;
	groupId: string;
	groupName: string;
	rights: string[];
};

export type GroupSettings = {
	maxLiveLensSessions: number;
	pinLifetimeMinutes: number;
};

export type Group = {
	id: string;
	name: string;
	rights: string[];
	settings: GroupSettings;
	technicianCount: number;
	createdAt: string;
};

export type Technician = {
	id: string;
	email: string;
	name: string;
	groupId: string;
	groupName: string;
	disabled: boolean;
	createdAt: string;
	lastLoginAt: string | null;
};

// Lens sessions, as the technician sees them (GET /api/sessions and /ws/console).

export type SessionState =
	| 'invited'
	| 'connecting'
	| 'waiting'
	| 'active'
	| 'on_hold'
	| 'closed'
	| 'expired'
	| 'timed_out';

export type SmsStatus = 'queued' | 'sent' | 'delivered' | 'failed';

export type SessionSms = {
	status: SmsStatus;
	error: string | null;
	/** 'console' means no SMS gateway is configured: the text only went to the server log. */
	gateway: 'smpp' | 'console';
	updatedAt: string;
	resendAvailableAt: string | null;
};

export type SessionView = {
	id: string;
	type: 'lens';
	name: string;
	state: SessionState;
	method: 'sms' | 'link';
	/** E.164, e.g. "+31612345678". */
	phone: string | null;
	language: 'en' | 'nl';
	/** Six digits, only while the state is 'invited'. */
	pin: string | null;
	pinExpiresAt: string;
	/** The customer's link, only while the state is 'invited'. */
	link: string | null;
	createdAt: string;
	/** When the customer redeemed the PIN or link. */
	openedAt: string | null;
	eulaAcceptedAt: string | null;
	startedAt: string | null;
	endedAt: string | null;
	endReason: string | null;
	sms: SessionSms | null;
	/** The customer's page: connected, or since when it is gone, when that counts as offline, when the session times out. */
	customer: { connected: boolean; leftAt: string | null; offlineAt: string | null; timesOutAt: string | null };
};

export type Eula = { en: string; nl: string };
