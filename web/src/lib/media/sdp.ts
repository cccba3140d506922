// Two small rewrites of session descriptions that make the picture appear
// sooner after Start. Both are allowed by the standards (or, for the start
// rate, ignored by browsers that do not know it); tests are in sdp.test.ts.

/**
 * Chromium starts sending video at 300 kbit/s and paces its packets to that,
 * so the keyframe a new viewer waits for trickles out over tens of
 * milliseconds. Chromium reads a start rate from the x-google-start-bitrate
 * parameter of the send codec, which comes from the remote description (here
 * Janus's answer). Congestion control still lowers the rate within a second on
 * a slower link. Applied to video codecs only; RTX and RED entries are left alone.
 */
export function withStartBitrate(sdp: string, kbps: number): string {
	const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
	const lines = sdp.split(eol);
	const withFmtp = new Set(lines.filter((l) => l.startsWith('a=fmtp:')).map((l) => l.slice(7).split(' ')[0]));
	const param = `x-google-start-bitrate=${kbps}`;
	const out: string[] = [];
	let video = false;
	const videoCodecs = new Set<string>();
	for (const line of lines) {
		if (line.startsWith('m=')) video = line.startsWith('m=video');
		const codec = video ? /^a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\//i.exec(line) : null;
		if (codec) videoCodecs.add(codec[1]);
		const fmtp = video ? /^a=fmtp:(\d+) /.exec(line) : null;
		if (fmtp && videoCodecs.has(fmtp[1]) && !line.includes('x-google-start-bitrate')) out.push(`${line};${param}`);
		else out.push(line);
		if (codec && !withFmtp.has(codec[1])) out.push(`a=fmtp:${codec[1]} ${param}`);
	}
	return out.join(eol);
}

/**
 * Our answer takes the DTLS server role (a=setup:passive). Janus, the DTLS
 * client then, sends its hello as soon as its side of ICE is up. As the client,
 * the browser sent its hello as soon as *its* side was up, often before Janus's,
 * and Janus dropped it: the retry came about 50 ms later.
 */
export function asDtlsServer(sdp: string): string {
	return sdp.replace(/^a=setup:active$/gm, 'a=setup:passive');
}
