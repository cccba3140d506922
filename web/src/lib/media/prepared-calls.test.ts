import { describe, expect, test } from 'bun:test';
import { PreparedCalls } from './prepared-calls.ts';

/** Stands in for ConsoleCall: records what the hand-over did to it. */
class FakeCall {
	prepared = 0;
	stopped = 0;
	constructor(readonly sessionId: string) {}
	prepare() {
		this.prepared++;
	}
	stop() {
		this.stopped++;
	}
}

function desk() {
	const made: FakeCall[] = [];
	const calls = new PreparedCalls((id) => {
		const call = new FakeCall(id);
		made.push(call);
		return call;
	});
	return { calls, made };
}

describe('PreparedCalls', () => {
	test('Start takes over the call prepared while the session waited', () => {
		const { calls, made } = desk();
		calls.prepare('s1');
		const taken = calls.take('s1');
		expect(made).toEqual([taken]);
		expect(taken.prepared).toBe(1);
		// Taken: letting the waiting detail go no longer stops it.
		calls.release('s1');
		expect(taken.stopped).toBe(0);
	});

	test('a session prepared twice keeps its one call', () => {
		const { calls, made } = desk();
		calls.prepare('s1');
		calls.prepare('s1');
		expect(made.length).toBe(1);
		expect(made[0]?.prepared).toBe(1);
	});

	test('without a prepared call, take makes a new one, unprepared', () => {
		const { calls, made } = desk();
		calls.prepare('s1');
		const other = calls.take('s2');
		expect(other.sessionId).toBe('s2');
		expect(other.prepared).toBe(0);
		expect(made.length).toBe(2);
	});

	test('a prepared call not taken is stopped when released, once', () => {
		const { calls, made } = desk();
		calls.prepare('s1');
		calls.release('s1');
		calls.release('s1');
		expect(made[0]?.stopped).toBe(1);
		// Released: a later Start gets a new call.
		expect(calls.take('s1')).not.toBe(made[0]);
	});

	test('two owners do not share their calls', () => {
		const a = desk();
		const b = desk();
		a.calls.prepare('s1');
		expect(b.calls.take('s1')).not.toBe(a.made[0]);
		expect(a.calls.take('s1')).toBe(a.made[0]!);
	});
});
