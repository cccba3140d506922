// Calls made ready for sessions waiting for Start, by session id. The session's
// detail owns one of these: it prepares a call while its session waits, and its
// live view takes that call over on Start (or the detail lets it go when it
// shows something else). Plain TypeScript with the call made by the owner, so
// the hand-over is tested without a browser (prepared-calls.test.ts).

/** What the hand-over needs of a call (ConsoleCall). */
export type PreparableCall = { prepare(): void; stop(): void };

export class PreparedCalls<Call extends PreparableCall> {
	#calls = new Map<string, Call>();

	/** `make` makes a session's call, unprepared. */
	constructor(private readonly make: (sessionId: string) => Call) {}

	/** Makes the session's call and connects its receiving side ahead (once per session until taken or released). */
	prepare(sessionId: string): void {
		if (this.#calls.has(sessionId)) return;
		const call = this.make(sessionId);
		this.#calls.set(sessionId, call);
		call.prepare();
	}

	/** The prepared call for the session, now the caller's to start and stop; or a new one. */
	take(sessionId: string): Call {
		const call = this.#calls.get(sessionId);
		this.#calls.delete(sessionId);
		return call ?? this.make(sessionId);
	}

	/** Lets a prepared call go, unless a live view took it. */
	release(sessionId: string): void {
		const call = this.#calls.get(sessionId);
		this.#calls.delete(sessionId);
		call?.stop();
	}
}
