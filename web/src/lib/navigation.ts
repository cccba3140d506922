/**
 * Where to go after signing in: a same-site path from ?next=, else the console.
 * "//host" and "/\host" would leave the site, so only a single leading slash counts.
 */
export function safeNext(next: string | null): string {
	if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/console';
	return next;
}
