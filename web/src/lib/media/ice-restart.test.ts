// IceWatch's rules without a browser: a failed connection restarts its ICE at
// once, a restart that works ends "reconnecting", one Loupe refuses (or too
// that times out) gives way to a new publish, and a connection that never
// connected has nothing to restart.
import { describe, expect, test } from 'bun:test';
import { IceWatch } from './ice-restart.ts';

function watched() {
	const seen: string[] = [];
	const watch = new IceWatch(
		async () => void seen.push('restart'),
		() => seen.push('publish anew'),
		(restarting) => seen.push(restarting ? 'reconnecting' : 'reconnected')
	);
	return { watch, seen };
}

describe('IceWatch', () => {
	test('failed after being up: ICE restarted at once; connected again ends it', () => {
		const { watch, seen } = watched();
		watch.state('connected');
		watch.state('failed');
		expect(watch.restarting).toBe(true);
		watch.state('connected');
		expect(seen).toEqual(['reconnecting', 'restart', 'reconnected']);
		watch.stop();
	});

	test('a network change restarts a connection that was up; a second one during the restart does not restart twice', () => {
		const { watch, seen } = watched();
		watch.state('connected');
		watch.networkChanged();
		watch.networkChanged();
		expect(seen).toEqual(['reconnecting', 'restart']);
		watch.stop();
	});

	test('a restart Loupe refuses publishes anew', () => {
		const { watch, seen } = watched();
		watch.state('connected');
		watch.state('failed');
		watch.refused();
		expect(seen).toEqual(['reconnecting', 'restart', 'reconnected', 'publish anew']);
		expect(watch.now()).toBe(false);
	});

	test('a failure during a restart restarts nothing more; each comeback starts the count afresh', () => {
		const { watch, seen } = watched();
		watch.state('connected');
		watch.state('failed');
		watch.state('disconnected');
		watch.state('failed');
		expect(seen.filter((s) => s === 'restart')).toHaveLength(1);
		watch.state('connected');
		watch.state('failed');
		watch.state('connected');
		watch.state('failed');
		expect(seen.filter((s) => s === 'restart')).toHaveLength(3);
		expect(seen).not.toContain('publish anew');
		watch.stop();
	});

	test('never connected: nothing to restart, the caller publishes', () => {
		const { watch, seen } = watched();
		watch.state('failed');
		expect(watch.now()).toBe(false);
		expect(seen).toEqual([]);
		watch.stop();
	});
});
