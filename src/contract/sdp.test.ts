// What Loupe relays of a page's descriptions and candidates: real browsers'
// pass, each kind of garbage is refused with the problem Loupe logs.
import { describe, expect, test } from 'bun:test';
import { CANDIDATES, SDP } from '../media/sdp-samples.ts';
import { SDP_MAX } from './limits.ts';
import { candidateAcceptable, expectedSdp, sdpProblem } from './sdp.ts';

const customerOffer = expectedSdp('customer', 'offer');
const technicianOffer = expectedSdp('technician', 'offer');
const answer = expectedSdp('customer', 'answer');
/** The console's answer after its DTLS-role rewrite (web/src/lib/media/sdp.ts asDtlsServer). */
const passive = (sdp: string) => sdp.replace(/^a=setup:active$/gm, 'a=setup:passive');
const lf = (sdp: string) => sdp.replaceAll('\r\n', '\n');
/** The sample with `line` (a regular expression over one whole line) replaced. */
const edit = (sdp: string, line: RegExp, by: string) => sdp.replace(new RegExp(line.source, 'gm'), by);

describe('session descriptions real browsers send pass', () => {
  const cases: [string, string, ReturnType<typeof expectedSdp>][] = [
    ['Chromium publish offer (phone)', SDP.chromiumPublishOffer, customerOffer],
    ['Chromium voice offer (console)', SDP.chromiumVoiceOffer, technicianOffer],
    ['Chromium voice offer from the phone', SDP.chromiumVoiceOffer, customerOffer],
    ['Chromium subscription answer', SDP.chromiumSubscribeAnswer, answer],
    ['Chromium subscription answer as the pages send it (passive)', passive(SDP.chromiumSubscribeAnswer), answer],
    ['Firefox publish offer', SDP.firefoxPublishOffer, customerOffer],
    ['Firefox subscription answer', SDP.firefoxSubscribeAnswer, answer],
    ['werift publish offer', SDP.weriftPublishOffer, customerOffer],
    ['werift subscription answer', SDP.weriftSubscribeAnswer, answer],
  ];
  for (const [name, sdp, expected] of cases)
    test(name, () => {
      expect(sdpProblem(sdp, expected)).toBeUndefined();
      // LF line ends are taken as well (RFC 8866 asks parsers to).
      expect(sdpProblem(lf(sdp), expected)).toBeUndefined();
    });
});

describe('garbage is refused, with the problem named', () => {
  const offer = SDP.chromiumPublishOffer;
  const cases: [string, string, ReturnType<typeof expectedSdp>, string][] = [
    ['larger than SDP_MAX', offer + 'a=x\r\n'.repeat(SDP_MAX / 5), customerOffer, 'too_large'],
    ['a NUL', offer.replace('s=-', 's=-\u0000'), customerOffer, 'characters'],
    ['a tab', offer.replace('t=0 0', 't=0\t0'), customerOffer, 'characters'],
    ['a lone CR', offer.replace('t=0 0\r\n', 't=0 0\r'), customerOffer, 'characters'],
    ['non-ASCII outside the session name', offer.replace('a=mid:0', 'a=mid:é'), customerOffer, 'characters'],
    ['an empty line inside', offer.replace('t=0 0\r\n', 't=0 0\r\n\r\n'), customerOffer, 'lines'],
    ['a line that is no SDP line', offer.replace('t=0 0\r\n', 't=0 0\r\nhello\r\n'), customerOffer, 'lines'],
    ['no v= line', offer.replace('v=0\r\n', ''), customerOffer, 'version'],
    ['v=1', offer.replace('v=0', 'v=1'), customerOffer, 'version'],
    ['a bad o= line', edit(offer, /^o=.*$/, 'o=- x 2 IN IP4 127.0.0.1'), customerOffer, 'origin'],
    ['no s= line', offer.replace('s=-\r\n', ''), customerOffer, 'session_name'],
    ['no t= line', offer.replace('t=0 0\r\n', ''), customerOffer, 'timing'],
    ['no m= line', offer.slice(0, offer.indexOf('m=')), customerOffer, 'media'],
    [
      'a data channel',
      edit(offer, /^m=video .*$/, 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel'),
      customerOffer,
      'media_kind',
    ],
    ['video from the console', SDP.chromiumPublishOffer, technicianOffer, 'media_kind'],
    [
      'plain RTP (no DTLS-SRTP)',
      edit(offer, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF/, 'm=audio 9 RTP/AVP'),
      customerOffer,
      'media',
    ],
    ['a port out of range', edit(offer, /^m=audio 9/, 'm=audio 70000'), customerOffer, 'media'],
    ['no ICE username fragment', edit(offer, /^a=ice-ufrag:.*\r\n/, ''), customerOffer, 'ice'],
    ['an ICE password too short', edit(offer, /^a=ice-pwd:.*$/, 'a=ice-pwd:short'), customerOffer, 'ice'],
    ['no DTLS fingerprint', edit(offer, /^a=fingerprint:.*\r\n/, ''), customerOffer, 'fingerprint'],
    [
      'a fingerprint that is not hex',
      edit(offer, /^a=fingerprint:.*$/, 'a=fingerprint:sha-256 zz'),
      customerOffer,
      'fingerprint',
    ],
    ['no DTLS role', edit(offer, /^a=setup:.*\r\n/, ''), customerOffer, 'setup'],
    ['an answer sent as an offer', SDP.chromiumSubscribeAnswer, customerOffer, 'setup'],
    ['an offer sent as an answer', SDP.chromiumPublishOffer, answer, 'setup'],
    [
      'a bad candidate in it',
      offer.replace('a=mid:0\r\n', 'a=mid:0\r\na=candidate:1 1 udp x\r\n'),
      customerOffer,
      'candidate',
    ],
    ['not an SDP at all', 'hello there, not an SDP', customerOffer, 'lines'],
  ];
  for (const [name, sdp, expected, problem] of cases)
    test(name, () => expect(sdpProblem(sdp, expected)).toBe(problem as never));

  test('the session name may be UTF-8 (RFC 8866), but not a control or format character', () => {
    expect(sdpProblem(SDP.chromiumPublishOffer.replace('s=-', 's=Caméra ✓'), customerOffer)).toBeUndefined();
    expect(sdpProblem(SDP.chromiumPublishOffer.replace('s=-', 's=a\u202eb'), customerOffer)).toBe('characters');
    expect(sdpProblem(SDP.chromiumPublishOffer.replace('s=-', 's=a\ud800'), customerOffer)).toBe('characters');
  });
});

describe('ICE candidates', () => {
  test('the ones browsers trickle pass', () => {
    for (const c of CANDIDATES) expect({ c, ok: candidateAcceptable(c) }).toEqual({ c, ok: true });
  });

  const base = CANDIDATES[0]!;
  const bad: [string, Partial<typeof base>][] = [
    ['not a candidate', { candidate: 'x' }],
    ['a NUL', { candidate: `${base.candidate}\u0000` }],
    ['no typ', { candidate: 'candidate:1 1 udp 2122194687 192.0.2.2 51837' }],
    ['an unknown type', { candidate: 'candidate:1 1 udp 2122194687 192.0.2.2 51837 typ bogus' }],
    ['an unknown transport', { candidate: 'candidate:1 1 sctp 2122194687 192.0.2.2 51837 typ host' }],
    ['component 0', { candidate: 'candidate:1 0 udp 2122194687 192.0.2.2 51837 typ host' }],
    ['a priority beyond 32 bits', { candidate: 'candidate:1 1 udp 9999999999 192.0.2.2 51837 typ host' }],
    ['a port beyond 65535', { candidate: 'candidate:1 1 udp 2122194687 192.0.2.2 65536 typ host' }],
    ['an extension without a value', { candidate: `${base.candidate} generation` }],
    ['too long', { candidate: `${base.candidate} ${'x '.repeat(600)}x` }],
    ['an sdpMid that is no token', { sdpMid: 'a b' }],
    ['neither sdpMid nor sdpMLineIndex', { sdpMid: null, sdpMLineIndex: null }],
    ['a username fragment with a control character', { usernameFragment: 'fg\nYN' }],
  ];
  for (const [name, change] of bad)
    test(`refused: ${name}`, () => expect(candidateAcceptable({ ...base, ...change })).toBe(false));
});
