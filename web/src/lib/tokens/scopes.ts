// API token scopes in the words the UI uses for them (in the console's language),
// and which ones a technician's rights allow (SCOPE_RIGHTS, checked by the server too).
import { m } from '#lib/paraglide/messages.js';
import { SCOPE_RIGHTS, SCOPES, type Scope } from '$contract/org.ts';

export const SCOPE_TEXTS: Record<Scope, { label: () => string; description: () => string }> = {
	'sessions:write': { label: m.scope_sessions_write, description: m.scope_sessions_write_description },
	'sessions:read': { label: m.scope_sessions_read, description: m.scope_sessions_read_description },
	'reports:read': { label: m.scope_reports_read, description: m.scope_reports_read_description },
	'webhooks:manage': { label: m.scope_webhooks_manage, description: m.scope_webhooks_manage_description }
};

/** The scopes a personal token of a technician with `rights` may have; a service token may have all. */
export function allowedScopes(rights: readonly string[] | 'service'): Scope[] {
	if (rights === 'service') return [...SCOPES];
	return SCOPES.filter((s) => SCOPE_RIGHTS[s].every((r) => rights.includes(r)));
}
