// The console's recovery without a browser: a picture that stops while the
// phone says it sends is stalled (and one paused by design is not), and the
// console's own receiving connection, failed by its network, asks Loupe for an
// ICE restart on its subscription, takes Janus's new offer on the same
// connection, and is made anew only when the restart is refused.
import { describe, expect, test } from 'bun:test';
import { PictureWatch, ReceiveRestart, STALL_MS } from './recovery.ts';

describe('PictureWatch', () => {
	test('frames that stop while expected are a stall; the next frame ends it', () => {
		const watch = new PictureWatch();
		expect(watch.sample(10, 0, true)).toBe(false);
		expect(watch.sample(30, 1_000, true)).toBe(false);
		expect(watch.sample(30, 1_000 + STALL_MS - 1, true)).toBe(false);
		expect(watch.sample(30, 1_000 + STALL_MS, true)).toBe(true);
		expect(watch.sample(30, 5_000, true)).toBe(true);
		expect(watch.sample(31, 5_500, true)).toBe(false);
	});

	test('no frames expected (camera off, background, hold): no stall, and the clock starts afresh when they are', () => {
		const watch = new PictureWatch();
		watch.sample(40, 0, true);
		expect(watch.sample(40, 10_000, false)).toBe(false);
		expect(watch.sample(40, 10_000 + STALL_MS - 1, true)).toBe(false);
		expect(watch.sample(40, 10_000 + STALL_MS, true)).toBe(true);
	});

	test('a picture that never showed a frame is connecting, not stalled; a new connection counts afresh', () => {
		const watch = new PictureWatch();
		expect(watch.sample(0, 0, true)).toBe(false);
		expect(watch.sample(0, 10_000, true)).toBe(false);
		watch.sample(50, 11_000, true);
		watch.reset();
		expect(watch.sample(50, 11_000 + STALL_MS, true)).toBe(false);
	});
});

function restarted() {
	const sent: Record<string, unknown>[] = [];
	const seen: string[] = [];
	const restart = new ReceiveRestart(
		(message) => sent.push(message),
		() => seen.push('made anew'),
		(restarting) => seen.push(restarting ? 'reconnecting' : 'reconnected')
	);
	return { restart, sent, seen };
}

describe('ReceiveRestart', () => {
	test('a receiving connection failed after being up: rtc.restart on its subscription; the new offer goes to it', () => {
		const { restart, sent, seen } = restarted();
		restart.follow(7);
		restart.state('connected');
		restart.state('failed');
		expect(restart.restarting).toBe(true);
		expect(sent).toEqual([{ type: 'rtc.restart', subscription: 7 }]);
		// An offer for another subscription is a new one (the phone published anew), not the restart's.
		expect(restart.takesOffer(8)).toBe(false);
		expect(restart.takesOffer(7)).toBe(true);
		// Taken once: a later offer on the same subscription is not the restart's any more.
		expect(restart.takesOffer(7)).toBe(false);
		restart.state('connected');
		expect(restart.restarting).toBe(false);
		expect(seen).toEqual(['reconnecting', 'reconnected']);
		restart.stop();
	});

	test("the console's network changed: restarted at once", () => {
		const { restart, sent } = restarted();
		restart.follow(3);
		restart.state('connected');
		restart.networkChanged();
		expect(sent).toEqual([{ type: 'rtc.restart', subscription: 3 }]);
		restart.stop();
	});

	test('a restart Loupe refuses (restart_failed) makes the connection anew', () => {
		const { restart, seen } = restarted();
		restart.follow(4);
		restart.state('connected');
		restart.state('failed');
		restart.refused();
		expect(seen).toEqual(['reconnecting', 'reconnected', 'made anew']);
		expect(restart.takesOffer(4)).toBe(false);
	});

	test('never connected, or replaced by a new connection: nothing is restarted', () => {
		const { restart, sent, seen } = restarted();
		restart.follow(5);
		restart.state('failed');
		expect(sent).toEqual([]);
		restart.state('connected');
		restart.follow(6);
		// The old connection's watch is gone: its failure restarts nothing, the new one was never up.
		restart.state('failed');
		expect(sent).toEqual([]);
		expect(seen).toEqual([]);
		restart.stop();
	});
});
