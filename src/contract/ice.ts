// The STUN and TURN servers a page's RTCPeerConnections use (RTCIceServer's
// shape), handed to it with its session: the Lens's `{"session"}` answers and
// `state` messages, the console's `snapshot`. A TURN credential in it is
// ephemeral where Loupe knows the relay's secret (src/media/ice-servers.ts).
import { z } from 'zod';

export const iceServerSchema = z.strictObject({
  urls: z.array(z.string().regex(/^(stun|turns?):/)).min(1),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServerView = z.output<typeof iceServerSchema>;

/** Always sent by this version (`[]` without STUN or TURN); optional so older answers still parse. */
export const iceServersField = z.array(iceServerSchema).optional();
