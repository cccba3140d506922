import { expect, test } from 'bun:test';
import { playoutDelay } from './service.ts';

// The live-session e2e test checks the default end to end (Janus reports the
// delay on the technician's video stream); this is the switch itself.
test('immediate playout asks Janus for playout delay 0; smooth leaves the browser its jitter buffer', () => {
  expect(playoutDelay('immediate')).toEqual({ min_delay: 0, max_delay: 0 });
  expect(playoutDelay('smooth')).toEqual({});
});
