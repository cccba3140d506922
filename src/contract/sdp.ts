// What Loupe accepts as a page's session description (rtc.offer, rtc.answer)
// and ICE candidate (rtc.candidate) before any of it goes to Janus. A page's
// garbage must be refused at once, by Loupe, with Loupe's words: relayed, it
// held the session's signalling until Janus answered (or did not, for 10 s),
// and Janus's parser text reached the page. The checks are the lines Loupe and
// WebRTC need (RFC 8866 SDP, RFC 8829 JSEP, RFC 8839 ICE, RFC 8842 DTLS), not
// a full parser: Janus still parses what passes. Real browsers' descriptions
// pass (src/media/sdp-samples/: Chromium, Firefox, werift).
//
// Characters: printable ASCII, lines ended by CRLF (or LF). RFC 8866 lets the
// session name and information (s=, i=) be UTF-8; browsers send `s=-`, but
// any printable Unicode is taken there. No control character anywhere (NUL
// included): PostgreSQL, logs and Janus's parser all choke on them.
//
// No zod here: the web app may import this file (the Lens must not carry zod).
import { CANDIDATE_MAX, SDP_MAX } from './limits.ts';

/** Why a description was refused: for Loupe's log, never shown as is to a person. */
export type SdpProblem =
  | 'too_large'
  | 'characters'
  | 'lines'
  | 'version'
  | 'origin'
  | 'session_name'
  | 'timing'
  | 'media'
  | 'media_kind'
  | 'ice'
  | 'fingerprint'
  | 'setup'
  | 'candidate';

export type MediaKind = 'audio' | 'video';
/** What a message must carry: its type (an offer or an answer) and the kinds of m= line it may have. */
export type SdpExpectation = { type: 'offer' | 'answer'; media: readonly MediaKind[] };

/**
 * What each page may send. The phone publishes its camera and microphone, the
 * console the technician's voice only; an answer is to Janus's subscription
 * offer, which carries the other side's audio and video.
 */
export function expectedSdp(side: 'customer' | 'technician', type: 'offer' | 'answer'): SdpExpectation {
  if (type === 'answer') return { type, media: ['audio', 'video'] };
  return { type, media: side === 'customer' ? ['audio', 'video'] : ['audio'] };
}

const PRINTABLE = /^[\x20-\x7e]*$/;
// Session name and information: any printable Unicode (no control, format, surrogate or private-use character).
const PRINTABLE_UNICODE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}]*$/u;
const LINE = /^[a-z]=/;
const ORIGIN = /^o=\S+ \d{1,20} \d{1,20} IN IP[46] \S+$/;
const TIMING = /^t=\d{1,20} \d{1,20}$/;
const MEDIA = /^m=(\S+) (\d{1,5})(?:\/\d{1,3})? (UDP\/TLS\/RTP\/SAVPF|TCP\/DTLS\/RTP\/SAVPF)((?: \d{1,3})+)$/;
// RFC 8839: ice-char is ALPHA / DIGIT / "+" / "/"; ufrag 4-256, pwd 22-256 characters.
const UFRAG = /^a=ice-ufrag:[A-Za-z0-9+/]{4,256}$/;
const PWD = /^a=ice-pwd:[A-Za-z0-9+/]{22,256}$/;
const FINGERPRINT =
  /^a=fingerprint:(?:sha-1|sha-224|sha-256|sha-384|sha-512) [0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){15,63}$/i;
const SETUP = /^a=setup:(actpass|active|passive|holdconn)$/;

/** The first problem with a page's session description, or undefined when Loupe relays it. */
export function sdpProblem(sdp: string, expected: SdpExpectation): SdpProblem | undefined {
  if (sdp.length > SDP_MAX) return 'too_large';
  const lines = sdp.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    lines[i] = line;
    const text = line.startsWith('s=') || line.startsWith('i=') ? PRINTABLE_UNICODE : PRINTABLE;
    // A lone CR (not before LF) is a control character too; so is a lone surrogate (\p{Cs}).
    if (!text.test(line)) return 'characters';
    if (!LINE.test(line)) return 'lines';
  }
  if (lines[0] !== 'v=0') return 'version';
  if (!ORIGIN.test(lines[1] ?? '')) return 'origin';
  if (!/^s=./.test(lines[2] ?? '')) return 'session_name';
  const firstMedia = lines.findIndex((l) => l.startsWith('m='));
  const session = firstMedia < 0 ? lines : lines.slice(0, firstMedia);
  if (!session.some((l) => TIMING.test(l))) return 'timing';
  if (firstMedia < 0) return 'media';
  return mediaProblem(lines.slice(firstMedia), expected) ?? transportProblem(lines, expected);
}

/** Every m= line well formed, of a kind the message may carry, with RTP payload types. */
function mediaProblem(lines: string[], expected: SdpExpectation): SdpProblem | undefined {
  for (const line of lines) {
    if (!line.startsWith('m=')) continue;
    const kind = line.slice(2).split(' ')[0]!;
    if (!(expected.media as readonly string[]).includes(kind)) return 'media_kind';
    const m = MEDIA.exec(line);
    if (
      !m ||
      Number(m[2]) > 65_535 ||
      m[4]!
        .trim()
        .split(' ')
        .some((pt) => Number(pt) > 127)
    )
      return 'media';
  }
  return undefined;
}

/**
 * ICE credentials and a DTLS fingerprint at session or media level (WebRTC
 * has no unencrypted media), the DTLS role that says offer or answer (RFC
 * 8842: an offer is `actpass`, an answer `active` or `passive`: an answer
 * sent as an offer is refused here), and any candidates in it well formed.
 */
function transportProblem(lines: string[], expected: SdpExpectation): SdpProblem | undefined {
  const present = (prefix: string, valid: RegExp) => {
    const found = lines.filter((l) => l.startsWith(prefix));
    return found.length > 0 && found.every((l) => valid.test(l));
  };
  if (!present('a=ice-ufrag:', UFRAG) || !present('a=ice-pwd:', PWD)) return 'ice';
  if (!present('a=fingerprint:', FINGERPRINT)) return 'fingerprint';
  const roles = lines.filter((l) => l.startsWith('a=setup:')).map((l) => SETUP.exec(l)?.[1]);
  const allowed = expected.type === 'offer' ? ['actpass'] : ['active', 'passive'];
  if (roles.length === 0 || roles.some((r) => !r || !allowed.includes(r))) return 'setup';
  for (const line of lines) if (line.startsWith('a=candidate:') && !validCandidate(line.slice(2))) return 'candidate';
  return undefined;
}

/** An ICE candidate as a page sends it (RTCIceCandidateInit); `candidate: ''` marks the end of a generation. */
export type CandidateInit = {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
};

// RFC 5888 identification-tag = token (RFC 8866).
const MID = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]{1,64}$/;
const USERNAME_FRAGMENT = /^[A-Za-z0-9+/]{4,256}$/;

/** True when Loupe relays the candidate: grammar of RFC 8839, and a mid or line index that can name an m= line. */
export function candidateAcceptable(c: CandidateInit): boolean {
  if (c.candidate.length > CANDIDATE_MAX) return false;
  if (c.sdpMid != null && !MID.test(c.sdpMid)) return false;
  if (c.usernameFragment != null && !USERNAME_FRAGMENT.test(c.usernameFragment)) return false;
  if (c.sdpMid == null && c.sdpMLineIndex == null) return false;
  return c.candidate === '' || validCandidate(c.candidate);
}

// candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> [<name> <value>]…
const CANDIDATE =
  /^candidate:[A-Za-z0-9+/]{1,32} (\d{1,3}) (?:udp|tcp) (\d{1,10}) ([0-9A-Za-z][0-9A-Za-z.:-]{0,254}) (\d{1,5}) typ (?:host|srflx|prflx|relay)((?: [\x21-\x7e]+ [\x21-\x7e]+)*)$/i;

function validCandidate(value: string): boolean {
  const c = CANDIDATE.exec(value);
  if (!c) return false;
  const component = Number(c[1]);
  return component >= 1 && component <= 256 && Number(c[2]) <= 2 ** 32 - 1 && Number(c[4]) <= 65_535;
}
