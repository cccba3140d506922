// The media settings the Janus tests start from: the defaults of a bundled
// Janus, with what each test changes given as overrides.
import type { MediaSettings } from '../config.ts';

export function testMediaSettings(overrides: Partial<MediaSettings> = {}): MediaSettings {
  return {
    janusBin: '/usr/bin/janus',
    janusUrl: undefined,
    janusApiSecret: undefined,
    rtpPorts: { min: 20000, max: 20199 },
    publicIp: undefined,
    stunServer: undefined,
    turn: undefined,
    iceTcp: false,
    iceInterface: undefined,
    janusAdminApi: false,
    videoPlayout: 'immediate',
    ...overrides,
  };
}
