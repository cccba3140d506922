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
