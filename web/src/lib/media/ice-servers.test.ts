// The page's ICE servers as Loupe hands them: the latest list wins; anything
// that is not a list leaves it as it was (an older server sends none). The
// e2e TURN test sees a real Chromium relay through them.
import { describe, expect, test } from 'bun:test';
import { iceServers, takeIceServers } from './ice-servers.ts';

const relay = {
	urls: ['turn:turn.example.org:3478?transport=udp', 'turn:turn.example.org:3478?transport=tcp'],
	username: '1764806400:page',
	credential: 'c2VjcmV0'
};

describe('takeIceServers', () => {
	test('the latest list is the one new connections get', () => {
		takeIceServers([{ urls: ['stun:stun.example.org:3478'] }, relay]);
		expect(iceServers()).toEqual([
			{ urls: ['stun:stun.example.org:3478'], username: undefined, credential: undefined },
			relay
		]);
		takeIceServers([]);
		expect(iceServers()).toEqual([]);
	});

	test('no list, or entries without URLs: the last good list stays, the bad entries go', () => {
		takeIceServers([relay]);
		takeIceServers(undefined);
		takeIceServers('turn:evil');
		expect(iceServers()).toEqual([relay]);
		takeIceServers([{ urls: [] }, null, relay]);
		expect(iceServers()).toEqual([relay]);
	});
});
