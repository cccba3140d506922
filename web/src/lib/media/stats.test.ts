// Which path the media takes, read from getStats reports shaped as Chromium and
// Firefox give them (the e2e live-session test reads the real one in Chromium).
import { describe, expect, test } from 'bun:test';
import { mediaPath } from './stats.ts';

type Stat = Record<string, unknown> & { id: string; type: string };
const report = (...stats: Stat[]) => ({ forEach: (each: (s: Stat) => void) => stats.forEach(each) });
const candidate = (id: string, type: 'local-candidate' | 'remote-candidate', extra: Record<string, unknown>) => ({
	id,
	type,
	...extra
});

describe('mediaPath', () => {
	test("Chromium: the transport's selected pair, host to host over UDP", () => {
		const r = report(
			{ id: 'T1', type: 'transport', selectedCandidatePairId: 'P2' },
			// A pair that is not the selected one, even though it succeeded.
			{
				id: 'P1',
				type: 'candidate-pair',
				localCandidateId: 'L1',
				remoteCandidateId: 'R1',
				state: 'succeeded',
				nominated: true
			},
			{ id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', state: 'succeeded' },
			candidate('L1', 'local-candidate', { candidateType: 'relay', protocol: 'udp', relayProtocol: 'tcp' }),
			candidate('L2', 'local-candidate', { candidateType: 'host', protocol: 'udp' }),
			candidate('R1', 'remote-candidate', { candidateType: 'host', protocol: 'udp' })
		);
		expect(mediaPath(r)).toEqual({ local: 'host', remote: 'host', protocol: 'udp' });
	});

	test('a relay says how the browser reaches the TURN server (TCP, TLS), not the relayed UDP', () => {
		for (const relayProtocol of ['tcp', 'tls', 'udp'] as const) {
			const r = report(
				{ id: 'T1', type: 'transport', selectedCandidatePairId: 'P1' },
				{ id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1' },
				candidate('L1', 'local-candidate', { candidateType: 'relay', protocol: 'udp', relayProtocol }),
				candidate('R1', 'remote-candidate', { candidateType: 'host', protocol: 'udp' })
			);
			expect(mediaPath(r)).toEqual({ local: 'relay', remote: 'host', protocol: relayProtocol });
		}
	});

	test('Firefox: no transport stats, the pair marked selected; a server-reflexive address over TCP', () => {
		const r = report(
			{ id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', selected: false },
			{ id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', selected: true },
			candidate('L1', 'local-candidate', { candidateType: 'host', protocol: 'udp' }),
			candidate('L2', 'local-candidate', { candidateType: 'srflx', protocol: 'tcp' }),
			candidate('R1', 'remote-candidate', { candidateType: 'prflx', protocol: 'tcp' })
		);
		expect(mediaPath(r)).toEqual({ local: 'srflx', remote: 'prflx', protocol: 'tcp' });
	});

	test('nothing selected yet, a missing candidate or an unknown type: no path', () => {
		expect(mediaPath(report())).toBeNull();
		expect(
			mediaPath(
				report({
					id: 'P1',
					type: 'candidate-pair',
					localCandidateId: 'L1',
					remoteCandidateId: 'R1',
					state: 'in-progress'
				})
			)
		).toBeNull();
		expect(
			mediaPath(
				report(
					{ id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R9', selected: true },
					candidate('L1', 'local-candidate', { candidateType: 'host', protocol: 'udp' })
				)
			)
		).toBeNull();
		expect(
			mediaPath(
				report(
					{ id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', selected: true },
					candidate('L1', 'local-candidate', { candidateType: 'mystery', protocol: 'udp' }),
					candidate('R1', 'remote-candidate', { candidateType: 'host', protocol: 'udp' })
				)
			)
		).toBeNull();
	});
});
