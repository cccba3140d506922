import { describe, expect, test } from 'bun:test';
import { asDtlsServer, withStartBitrate } from './sdp.ts';

// Shaped like Janus's answer to a phone's offer: Opus, VP8 with RTX, one
// fmtp line for Opus and RTX but none for VP8.
const ANSWER = [
	'v=0',
	'o=- 1 2 IN IP4 127.0.0.1',
	's=VideoRoom 1',
	't=0 0',
	'a=group:BUNDLE 0 1',
	'm=audio 9 UDP/TLS/RTP/SAVPF 111',
	'a=mid:0',
	'a=setup:active',
	'a=rtpmap:111 opus/48000/2',
	'a=fmtp:111 useinbandfec=1',
	'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
	'a=mid:1',
	'a=setup:active',
	'a=rtpmap:96 VP8/90000',
	'a=rtpmap:97 rtx/90000',
	'a=fmtp:97 apt=96',
	''
].join('\r\n');

describe('withStartBitrate', () => {
	test('adds an fmtp line for a video codec that has none, right after its rtpmap', () => {
		const out = withStartBitrate(ANSWER, 1000).split('\r\n');
		const at = out.indexOf('a=rtpmap:96 VP8/90000');
		expect(out[at + 1]).toBe('a=fmtp:96 x-google-start-bitrate=1000');
	});

	test('leaves audio, RTX and every other line as they were', () => {
		const out = withStartBitrate(ANSWER, 1000);
		expect(out).toContain('a=fmtp:111 useinbandfec=1\r\n');
		expect(out).toContain('a=fmtp:97 apt=96\r\n');
		expect(out.replace('a=fmtp:96 x-google-start-bitrate=1000\r\n', '')).toBe(ANSWER);
	});

	test('appends to an existing fmtp line of a video codec', () => {
		const h264 = ANSWER.replace(
			'a=rtpmap:96 VP8/90000',
			'a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1'
		);
		const out = withStartBitrate(h264, 800);
		expect(out).toContain('a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;x-google-start-bitrate=800\r\n');
		expect(out.match(/x-google-start-bitrate/g)).toHaveLength(1);
	});

	test('is idempotent and keeps \\n line endings', () => {
		const once = withStartBitrate(ANSWER, 1000);
		expect(withStartBitrate(once, 1000)).toBe(once);
		const lf = ANSWER.replaceAll('\r\n', '\n');
		expect(withStartBitrate(lf, 1000)).toBe(once.replaceAll('\r\n', '\n'));
	});

	test('an audio-only answer is unchanged', () => {
		const audio = ANSWER.slice(0, ANSWER.indexOf('m=video'));
		expect(withStartBitrate(audio, 1000)).toBe(audio);
	});
});

describe('asDtlsServer', () => {
	test('turns every a=setup:active into passive and nothing else', () => {
		const out = asDtlsServer(ANSWER);
		expect(out.match(/a=setup:passive/g)).toHaveLength(2);
		expect(out).not.toContain('a=setup:active');
		expect(out.replaceAll('a=setup:passive', 'a=setup:active')).toBe(ANSWER);
	});

	test('leaves actpass and passive alone', () => {
		const offer = ANSWER.replaceAll('a=setup:active', 'a=setup:actpass');
		expect(asDtlsServer(offer)).toBe(offer);
	});
});
