// The one way the UI talks to the Loupe server: same-origin JSON over fetch.
// Error bodies ({ error: { code, message, details } }) become an ApiError
// whose message is the server's own words, ready to show next to a form.

export type ErrorDetail = { path: string; message: string };

export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly details: ErrorDetail[] = []
	) {
		super(message);
		this.name = 'ApiError';
	}
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<T = void>(
	method: Method,
	path: string,
	body?: unknown,
	fetcher: typeof fetch = fetch
): Promise<T> {
	let response: Response;
	try {
		response = await fetcher(path, {
			method,
			credentials: 'same-origin',
			headers:
				body === undefined
					? { accept: 'application/json' }
					: { accept: 'application/json', 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	} catch {
		throw new ApiError(0, 'network', 'Loupe cannot be reached. Check your connection and try again.');
	}

	if (response.status === 204) return undefined as T;

	const payload: unknown = await response.json().catch(() => undefined);
	if (response.ok) return payload as T;

	const error = (payload as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
	const message =
		typeof error?.message === 'string' && error.message
			? error.message
			: `The server answered ${response.status}. Try again.`;
	const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
	const details = Array.isArray(error?.details) ? (error.details as ErrorDetail[]) : [];
	throw new ApiError(response.status, code, message, details);
}

/** A message to show for anything a request threw. */
export function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : 'Something went wrong. Try again.';
}
