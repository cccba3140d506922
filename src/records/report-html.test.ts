// report.html: everything of the report is on the page, in both languages,
// and nothing from the record can become markup, a script or a link.
import { describe, expect, test } from 'bun:test';
import type { EvidenceKey } from '../contract/records.ts';
import { reportFixture } from './report-fixture.ts';
import { escapeHtml, reportHtml } from './report-html.ts';
import { transcriptText } from './transcript.ts';

const key: EvidenceKey = {
  algorithm: 'Ed25519',
  publicKey: 'A'.repeat(43),
  fingerprint: 'f'.repeat(64),
  createdAt: '2026-11-01T00:00:00.000Z',
};
const none = { snapshots: new Map<string, string>(), recording: null };

/** Every element the page itself writes; any other would have come from the record. */
const PAGE_TAGS = new Set(
  'html head meta title style body nav a section h1 h2 h3 table thead tbody tr th td code i p br svg rect polyline div figure img figcaption ol li span footer'.split(
    ' ',
  ),
);

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  'javascript:alert(1)',
  'https://evil.example/phish',
  'abc\u202Edcba',
  '</style><style>body{display:none}',
  '<!-- x --><svg onload=alert(1)>',
];

describe('report.html', () => {
  test('escapes every hostile text: no tag, attribute or link is made from it', () => {
    const snapshot = {
      id: '1a2b3c4d-0000-4000-8000-000000000201',
      takenAt: '2026-11-25T09:00:30.000Z',
      width: 4,
      height: 3,
      bytes: 10,
      sha256: 'a'.repeat(64),
      contentType: 'image/jpeg' as const,
      annotated: true,
      sourceId: '1a2b3c4d-0000-4000-8000-000000000200',
      frozen: true,
    };
    for (const hostile of HOSTILE) {
      const report = reportFixture({
        name: hostile,
        chat: [hostile, `see ${hostile}`],
        notes: hostile,
        userAgent: hostile,
        snapshots: [snapshot],
      });
      report.timeline.push({
        at: report.generatedAt,
        kind: 'tool.used',
        actor: report.timeline[0]!.actor,
        details: { tool: hostile },
      });
      const html = reportHtml(report, key, { snapshots: new Map([[snapshot.id, 'snapshots/x.jpg']]), recording: null });
      // The only markup is the page's own: no script, no handler, no link anywhere but the language switch.
      const tags = [...html.matchAll(/<([a-z][a-z0-9]*)\b([^>]*)>/gi)];
      expect(tags.map((t) => t[1]!.toLowerCase()).filter((name) => !PAGE_TAGS.has(name))).toEqual([]);
      expect(tags.filter((t) => /\son\w+\s*=/i.test(t[2]!)).map((t) => t[0])).toEqual([]);
      expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual(['#en', '#nl']);
      expect([...html.matchAll(/<img [^>]*>/g)].map((m) => m[0].match(/src="([^"]*)"/)![1])).toEqual([
        'snapshots/x.jpg',
        'snapshots/x.jpg',
      ]);
      expect(html).not.toContain('\u202E');
      expect(html.match(/<style>/g)).toHaveLength(1);
      expect(html).toContain(escapeHtml(hostile));
    }
  });

  test('escapeHtml turns markup into text and shows bidirectional controls by their code', () => {
    expect(escapeHtml('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml('ab\u202Ecd\u2066')).toBe('ab[U+202E]cd[U+2066]');
    expect(escapeHtml('a\u0000b\u0007')).toBe('a\ufffdb\ufffd');
    expect(escapeHtml(null)).toBe('');
  });

  test('holds the whole report in English and in Dutch, with no script or outside address', () => {
    const report = reportFixture();
    const html = reportHtml(report, key, none);
    expect(html.indexOf('<section id="en"')).toBeLessThan(html.indexOf('<section id="nl"'));
    for (const words of [
      ['Session report', 'Timeline', 'Connection quality', 'Photos', 'Chat', 'Technician&#39;s notes', 'Recording'],
      ['Sessieverslag', 'Tijdlijn', 'Verbindingskwaliteit', 'Foto&#39;s', 'Notities van de technicus', 'Opname'],
    ])
      for (const word of words) expect(html).toContain(word);
    for (const fact of [
      'Boiler in the attic',
      'CLAIM-42',
      'Tess Technician',
      'Field service',
      'Chrome 131 on Android 14',
      'Hello, can you show me the meter?',
      'Meter reads 1234.',
      '2026-11-25 09:00:10 UTC',
      '0:40',
      key.fingerprint,
    ])
      expect(html).toContain(fact);
    // The chart: one line per measure, drawn from the samples.
    expect(html.match(/<polyline/g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|https?:\/\/|src="\/\//);
  });

  test('a photo whose file is gone is listed without a picture', () => {
    const report = reportFixture({
      snapshots: [
        {
          id: '1a2b3c4d-0000-4000-8000-000000000201',
          takenAt: '2026-11-25T09:00:30.000Z',
          width: 4,
          height: 3,
          bytes: 10,
          sha256: 'a'.repeat(64),
          contentType: 'image/png',
          annotated: false,
          sourceId: null,
          frozen: false,
        },
      ],
    });
    const html = reportHtml(report, key, none);
    expect(html).not.toContain('<img');
    expect(html).toContain('The file is no longer kept.');
    expect(html).toContain('Het bestand wordt niet meer bewaard.');
  });
});

describe('transcript.txt', () => {
  test('one line per message with its UTC time; a line break in a message cannot forge another', () => {
    const text = transcriptText(reportFixture({ chat: ['first', 'two\n2026-11-25 09:00:59 UTC  Technician: forged'] }));
    expect(text).toContain('2026-11-25 09:00:20 UTC  Technician (Tess Technician): first\n');
    expect(text).toContain('2026-11-25 09:00:21 UTC  Customer: two\n    2026-11-25 09:00:59 UTC  Technician: forged\n');
  });
});
