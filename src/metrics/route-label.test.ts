// The metrics' route label agrees with the contract's routeKey() on every
// route, and gives nothing of a path away: an unknown path is "other".
import { describe, expect, test } from 'bun:test';
import { ROUTES, routeKey } from '../contract/routes.ts';
import { OTHER_ROUTE, RouteLabels } from './route-label.ts';

const labels = new RouteLabels();

/** A request path of a route, its parameters filled with an id-like value. */
const sample = (pattern: string, value: string) =>
  pattern
    .split('/')
    .map((s) => (s.startsWith(':') ? value : s))
    .join('/');

describe('RouteLabels', () => {
  test('matches routeKey() on every route of the contract', () => {
    for (const key of Object.keys(ROUTES)) {
      const [method, pattern] = key.split(' ') as [string, string];
      for (const value of ['3f0c2a7e-1b7d-4c1e-9a55-0d7d5f8f2b11', 'x', 'export', '']) {
        const path = sample(pattern, value);
        expect(labels.match(method, path)).toBe(routeKey(method, path) ?? OTHER_ROUTE);
      }
      // The key itself as the label of its own shape.
      expect(routeKey(method, sample(pattern, 'v'))).toBe(labels.match(method, sample(pattern, 'v')));
    }
  });

  test('a path outside the contract, another method or a longer path is "other"', () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/console/sessions'],
      ['GET', '/api/no-such-route'],
      ['GET', '/api/sessions/1/2/3/4/5'],
      ['BREW', '/api/sessions'],
      ['GET', '/api/setup'],
      ['GET', '/metrics'],
    ] as const) {
      expect(labels.match(method, path)).toBe(routeKey(method, path) ?? OTHER_ROUTE);
      expect(labels.match(method, path)).toBe(OTHER_ROUTE);
    }
  });

  test('the first matching pattern in the table wins, as in routeKey()', () => {
    const own = new RouteLabels(['GET /a/:x', 'GET /a/b', 'GET /a/:y/c']);
    expect(own.match('GET', '/a/b')).toBe('GET /a/b');
    expect(own.match('GET', '/a/z')).toBe('GET /a/:x');
    expect(own.match('GET', '/a/z/c')).toBe('GET /a/:y/c');
    expect(own.match('POST', '/a/z')).toBe(OTHER_ROUTE);
  });
});
