// What the technician sees about the picture: resolution, frame rate, bitrate,
// packet loss and round-trip time, from the receiving PeerConnection's getStats.

export type MediaStats = {
	width: number;
	height: number;
	fps: number;
	/** Video and audio together, kbit/s over the last interval. */
	kbps: number;
	/** Percentage of video and audio packets lost over the last interval. */
	lossPercent: number;
	/** Round-trip time to Janus, ms; null until measured. */
	rttMs: number | null;
	/** The video's interarrival jitter, ms; null until measured. */
	jitterMs: number | null;
	framesDecoded: number;
	audioPackets: number;
};

type Sample = { at: number; bytes: number; packets: number; lost: number };

export class StatsReader {
	#last: Sample | null = null;

	async read(pc: RTCPeerConnection): Promise<MediaStats> {
		const report = await pc.getStats();
		let width = 0,
			height = 0,
			fps = 0,
			framesDecoded = 0,
			audioPackets = 0;
		let bytes = 0,
			packets = 0,
			lost = 0;
		let rttMs: number | null = null;
		let jitterMs: number | null = null;
		report.forEach((s) => {
			if (s.type === 'inbound-rtp') {
				bytes += s.bytesReceived ?? 0;
				packets += s.packetsReceived ?? 0;
				lost += Math.max(0, s.packetsLost ?? 0);
				if (s.kind === 'video') {
					width = s.frameWidth ?? width;
					height = s.frameHeight ?? height;
					fps = s.framesPerSecond ?? fps;
					framesDecoded = s.framesDecoded ?? framesDecoded;
					if (typeof s.jitter === 'number') jitterMs = Math.round(s.jitter * 1000);
				} else if (s.kind === 'audio') {
					audioPackets = s.packetsReceived ?? audioPackets;
				}
			} else if (
				s.type === 'candidate-pair' &&
				s.nominated &&
				s.state === 'succeeded' &&
				typeof s.currentRoundTripTime === 'number'
			) {
				rttMs = Math.round(s.currentRoundTripTime * 1000);
			}
		});
		const now = performance.now();
		const last = this.#last;
		this.#last = { at: now, bytes, packets, lost };
		const seconds = last ? (now - last.at) / 1000 : 0;
		const kbps = last && seconds > 0 ? Math.max(0, ((bytes - last.bytes) * 8) / 1000 / seconds) : 0;
		const dPackets = last ? packets - last.packets : packets;
		const dLost = last ? lost - last.lost : lost;
		const lossPercent = dPackets + dLost > 0 ? (100 * Math.max(0, dLost)) / (dPackets + Math.max(0, dLost)) : 0;
		return {
			width,
			height,
			fps: Math.round(fps),
			kbps: Math.round(kbps),
			lossPercent: Math.round(lossPercent * 10) / 10,
			rttMs,
			jitterMs,
			framesDecoded,
			audioPackets
		};
	}
}

/** The stats as the report keeps them (`stats.sample`, src/contract/socket.ts): zeros before the picture are unknowns. */
export function qualitySample(stats: MediaStats) {
	const seen = stats.framesDecoded > 0;
	return {
		bitrateKbps: stats.kbps,
		fps: seen ? stats.fps : null,
		width: seen && stats.width ? stats.width : null,
		height: seen && stats.height ? stats.height : null,
		rttMs: stats.rttMs,
		lossPercent: Math.min(100, stats.lossPercent),
		jitterMs: stats.jitterMs
	};
}
