// Session descriptions and ICE candidates as real WebRTC stacks make them, for
// the tests of what Loupe relays (src/contract/sdp.ts) and of the media rules.
// The files in sdp-samples/ are stored with LF; pages send CRLF.
// - chromium-*: headless Chromium 156 (the e2e browser), captured through the
//   page API the Lens and the console use (max-bundle, sendonly transceivers
//   for the publish offers; the answer is to janus-subscribe-offer);
// - werift-*: werift 0.25 (the benchmark's simulated phones);
// - janus-*: the bundled Janus's answer to the Chromium offer, turned round
//   into the shape of its subscription offers (Janus subscribes only to a
//   publisher whose media is up, which needs ICE);
// - firefox-*: written by hand in Firefox's format (no Firefox on this machine):
//   fingerprint at session level, ICE credentials per m= line, the second m=
//   line bundle-only on port 0 (max-bundle) without ICE credentials of its own.
import { readFileSync } from 'node:fs';
import type { CandidateInit } from '../contract/sdp.ts';

const read = (name: string) =>
  readFileSync(new URL(`./sdp-samples/${name}.sdp`, import.meta.url), 'utf8').replaceAll('\n', '\r\n');

export const SDP = {
  chromiumPublishOffer: read('chromium-publish-offer'),
  chromiumVoiceOffer: read('chromium-voice-offer'),
  chromiumSubscribeAnswer: read('chromium-subscribe-answer'),
  firefoxPublishOffer: read('firefox-publish-offer'),
  firefoxSubscribeAnswer: read('firefox-subscribe-answer'),
  weriftPublishOffer: read('werift-publish-offer'),
  weriftSubscribeAnswer: read('werift-subscribe-answer'),
  janusSubscribeOffer: read('janus-subscribe-offer'),
};

/** What pages trickle: Chromium's as captured, Firefox's and others in their formats. */
export const CANDIDATES: CandidateInit[] = [
  {
    candidate: 'candidate:188303734 1 udp 2122194687 192.0.2.2 51837 typ host generation 0 ufrag fgYN network-id 1',
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'fgYN',
  },
  {
    candidate: 'candidate:206251462 1 udp 2122265343 fd00::2 41538 typ host generation 0 ufrag fgYN network-id 2',
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'fgYN',
  },
  {
    candidate:
      'candidate:1979100142 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation 0 ufrag fgYN network-id 1',
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'fgYN',
  },
  // Chromium's mDNS host candidate and a server-reflexive one with its base.
  {
    candidate:
      'candidate:3145524939 1 udp 2113937151 6b4c2a1e-8d3f-4e7a-9b10-2c3d4e5f6a7b.local 54321 typ host generation 0 ufrag fgYN network-cost 999',
    sdpMid: '0',
    sdpMLineIndex: 0,
  },
  {
    candidate:
      'candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag fgYN network-cost 999',
    sdpMid: '0',
    sdpMLineIndex: 0,
  },
  // Firefox: upper-case transport, a relay candidate, and its end-of-candidates ('').
  { candidate: 'candidate:0 1 UDP 2122252543 192.168.1.10 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
  { candidate: 'candidate:1 1 TCP 2105524479 192.168.1.10 9 typ host tcptype active', sdpMid: '0', sdpMLineIndex: 0 },
  {
    candidate: 'candidate:3 1 UDP 92217343 198.51.100.9 61500 typ relay raddr 203.0.113.7 rport 53612',
    sdpMid: '0',
    sdpMLineIndex: 0,
  },
  { candidate: '', sdpMid: '0', sdpMLineIndex: 0 },
  // werift
  {
    candidate: 'candidate:32b1715da3b0ef8ba684454eb 1 udp 2116026367 192.0.2.2 38651 typ host generation 0 ufrag 7f3c',
    sdpMid: '0',
    sdpMLineIndex: 0,
  },
];
