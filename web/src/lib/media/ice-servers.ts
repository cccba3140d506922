// The STUN and TURN servers Loupe hands this page with its session (the Lens's
// session answers and `state`, the console's `snapshot`; src/contract/ice.ts).
// A new PeerConnection starts with the latest; the open ones get them too, so
// their next ICE restart (a new network) allocates with a credential that has
// not expired. Browsers try the direct path first and use the relay only when
// it does not connect.
import type { IceServerView } from '$contract/ice.ts';

let current: RTCIceServer[] = [];
const open = new Set<RTCPeerConnection>();

/** Takes the list from a server message; anything that is not one leaves the last list as it is. */
export function takeIceServers(list: unknown) {
	if (!Array.isArray(list)) return;
	const servers: RTCIceServer[] = (list as IceServerView[])
		.filter((s) => s && Array.isArray(s.urls) && s.urls.length > 0)
		.map((s) => ({ urls: [...s.urls], username: s.username, credential: s.credential }));
	current = servers;
	for (const pc of open) {
		try {
			pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
		} catch {
			/* closed in the meantime, or a browser that refuses the change: it keeps the old ones */
		}
	}
}

export function iceServers(): RTCIceServer[] {
	return current;
}

/** A PeerConnection with the current ICE servers, kept up to date until it is closed. */
export function peerConnection(config: RTCConfiguration): RTCPeerConnection {
	const pc = new RTCPeerConnection({ ...config, iceServers: current });
	open.add(pc);
	return pc;
}

export function closePeerConnection(pc: RTCPeerConnection) {
	open.delete(pc);
	pc.close();
}
