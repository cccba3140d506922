// What the technician sees about the picture: resolution, frame rate, bitrate,
// packet loss, round-trip time and the path the media takes, from the
// receiving PeerConnection's getStats.

/** ICE candidate types (RFC 8445): a host address, one a STUN server saw (srflx) or a peer saw (prflx), a TURN relay. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/**
 * The candidate pair the media flows over: direct (host), through NAT (a
 * reflexive address) or through a TURN relay; UDP or TCP. For a relay,
 * `protocol` is the one between the browser and the TURN server (udp, tcp or tls).
 */
export type MediaPath = { local: CandidateType; remote: CandidateType; protocol: 'udp' | 'tcp' | 'tls' };

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
	/** Null until a pair is selected. */
	path: MediaPath | null;
};

type Stat = Record<string, unknown> & { id: string; type: string };

/** The selected candidate pair: the transport names it (Chromium), or the pair says so (Firefox: `selected`). */
function selectedPair(stats: Stat[]): Stat | undefined {
	const byId = new Map(stats.map((s) => [s.id, s]));
	for (const s of stats)
		if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
			const pair = byId.get(s.selectedCandidatePairId);
			if (pair) return pair;
		}
	return (
		stats.find((s) => s.type === 'candidate-pair' && s.selected === true) ??
		stats.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded')
	);
}

const TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

/** Which path the media takes, from one getStats report; null before a pair is selected. */
export function mediaPath(report: { forEach(each: (s: Stat) => void): void }): MediaPath | null {
	const stats: Stat[] = [];
	report.forEach((s) => {
		stats.push(s);
	});
	const pair = selectedPair(stats);
	if (!pair) return null;
	const local = stats.find((s) => s.id === pair.localCandidateId);
	const remote = stats.find((s) => s.id === pair.remoteCandidateId);
	const localType = String(local?.candidateType ?? '');
	const remoteType = String(remote?.candidateType ?? '');
	if (!TYPES.includes(localType) || !TYPES.includes(remoteType)) return null;
	const relayed = localType === 'relay' ? String(local?.relayProtocol ?? '') : '';
	const protocol = ['udp', 'tcp', 'tls'].includes(relayed)
		? relayed
		: String(local?.protocol ?? remote?.protocol ?? '');
	if (protocol !== 'udp' && protocol !== 'tcp' && protocol !== 'tls') return null;
	return { local: localType as CandidateType, remote: remoteType as CandidateType, protocol };
}

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
			audioPackets,
			path: mediaPath(report as unknown as { forEach(each: (s: Stat) => void): void })
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
