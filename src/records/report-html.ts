// report.html of an evidence bundle: the report (reportSchema) as one page a
// recipient opens from the unpacked ZIP, offline. No script, no external URL,
// all CSS inline; photos by their relative path in the bundle. English first,
// Dutch second; the links at the top switch with CSS `:target` (no JS; a
// browser without `:has` shows both). Printed, both languages.
// Every text from the record is escaped: names, chat and notes are what a
// customer or technician typed, and this page is opened on someone else's computer.
import type { EvidenceKey, QualitySample, Report } from '../contract/records.ts';
import { KINDS, type Language, TEXT, type Words } from './report-html-text.ts';
import { utc } from './transcript.ts';

/** What the bundle holds beside the report: the photos' file names (the ones kept), the recording's. */
export type HtmlFiles = {
  snapshots: ReadonlyMap<string, string>;
  recording: { path: string; sha256: string | null; bytes: number | null } | null;
};

// Bidirectional controls would reorder what is shown around them: shown as their code instead.
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters taken out
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** HTML-escapes `value` for text and for a quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(CONTROL, '\ufffd')
    .replace(BIDI, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
const e = escapeHtml;
const time = (iso: string | null | undefined, w: Words) => (iso ? utc(iso) : w.none);

export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return hms[0]
    ? `${hms[0]}:${String(hms[1]).padStart(2, '0')}:${String(hms[2]).padStart(2, '0')}`
    : `${hms[1]}:${String(hms[2]).padStart(2, '0')}`;
}

const row = (label: string, value: string) => `<tr><th scope="row">${e(label)}</th><td>${value}</td></tr>`;

function header(r: Report, w: Words): string {
  const s = r.session;
  const phone = s.phoneRemoved ? `<i>${e(w.phoneRemoved)}</i>` : e(s.phone ?? w.none);
  return `<h2>${e(s.name)}</h2><table class="facts">${[
    row(w.reference, e(s.reference ?? w.none)),
    row(w.technician, e(s.technician.name)),
    row(w.group, e(s.groupName)),
    row(w.phone, phone),
    row(w.method, e(w.methods[s.method])),
    row(w.created, e(time(s.createdAt, w))),
    row(w.opened, e(time(s.openedAt, w))),
    row(w.eula, e(time(s.eulaAcceptedAt, w))),
    row(w.started, e(time(s.startedAt, w))),
    row(w.ended, e(time(s.endedAt, w))),
    row(w.state, e(s.state)),
    row(w.reason, e(s.endReason ?? w.none)),
    row(w.live, e(duration(s.liveSeconds))),
    row(w.recorded, e(s.recorded ? w.yes : w.no)),
    row('Session id', `<code>${e(s.id)}</code>`),
  ].join('')}</table>`;
}

function device(r: Report, w: Words): string {
  return `<h3>${e(w.device)}</h3><table class="facts">${row(w.device, e(r.device.summary ?? w.none))}${row(
    w.userAgent,
    `<code>${e(r.device.userAgent ?? w.none)}</code>`,
  )}</table>`;
}

const detailsText = (details: Record<string, unknown>) =>
  Object.entries(details)
    .map(([k, v]) => `${e(k)}: ${e(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('<br>');

function timeline(r: Report, w: Words, lang: Language): string {
  const rows = r.timeline.map((t) => {
    const who = t.actor.type === 'technician' ? (t.actor.name ?? t.actor.id ?? w.none) : w.actors[t.actor.type];
    return `<tr><td>${e(utc(t.at))}</td><td>${e(KINDS[lang][t.kind] ?? t.kind)}</td><td>${e(who)}</td><td>${detailsText(t.details)}</td></tr>`;
  });
  const head = `<tr><th>${e(w.time)}</th><th>${e(w.event)}</th><th>${e(w.actor)}</th><th>${e(w.details)}</th></tr>`;
  return `<h3>${e(w.timeline)}</h3><table class="list"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

const METRICS = [
  ['bitrateKbps', 'kbit/s'],
  ['fps', 'fps'],
  ['rttMs', 'ms RTT'],
  ['lossPercent', '% loss'],
  ['jitterMs', 'ms jitter'],
] as const;

/** Lowest, average and highest of each measure, and a small chart of bitrate and round trip. */
function quality(r: Report, w: Words): string {
  if (!r.quality.length) return `<h3>${e(w.quality)}</h3><p>${e(w.noQuality)}</p>`;
  const rows = METRICS.map(([key, unit]) => {
    const values = r.quality.map((q) => q[key]).filter((v): v is number => v !== null);
    if (!values.length) return '';
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const cells = [Math.min(...values), mean, Math.max(...values)].map((v) => `<td>${e(v.toFixed(1))}</td>`);
    return `<tr><th scope="row">${e(unit)}</th>${cells.join('')}</tr>`;
  });
  const head = `<tr><th>${e(w.metric)}</th><th>${e(w.min)}</th><th>${e(w.mean)}</th><th>${e(w.max)}</th></tr>`;
  return `<h3>${e(w.quality)}</h3><p>${r.quality.length} ${e(w.samples)}, ${e(utc(r.quality[0]!.at))} – ${e(
    utc(r.quality.at(-1)!.at),
  )}</p><table class="list"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>${chart(r.quality, w)}`;
}

const WIDTH = 600;
const HEIGHT = 120;

function line(samples: QualitySample[], value: (q: QualitySample) => number | null, colour: string): string {
  const start = Date.parse(samples[0]!.at);
  const span = Math.max(1, Date.parse(samples.at(-1)!.at) - start);
  const max = Math.max(1, ...samples.map((q) => value(q) ?? 0));
  const points = samples.flatMap((q) => {
    const v = value(q);
    if (v === null) return [];
    const x = ((Date.parse(q.at) - start) / span) * WIDTH;
    return [`${x.toFixed(1)},${(HEIGHT - (v / max) * (HEIGHT - 4) - 2).toFixed(1)}`];
  });
  return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points.join(' ')}"/>`;
}

function chart(samples: QualitySample[], w: Words): string {
  // Only numbers from the samples go into the drawing; the title is escaped like any text.
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${e(
    w.chart,
  )}"><title>${e(w.chart)}</title><rect width="${WIDTH}" height="${HEIGHT}" fill="#f6f7f9"/>${line(
    samples,
    (q) => q.bitrateKbps,
    '#1f6feb',
  )}${line(samples, (q) => q.rttMs, '#d97706')}</svg><p class="muted">${e(w.chart)}</p>`;
}

function snapshots(r: Report, w: Words, files: HtmlFiles): string {
  if (!r.snapshots.length) return `<h3>${e(w.snapshots)}</h3><p>${e(w.noSnapshots)}</p>`;
  const items = r.snapshots.map((s) => {
    const file = files.snapshots.get(s.id);
    const marks = [s.annotated ? w.annotated : '', s.frozen ? w.frozen : ''].filter(Boolean).join(', ');
    const picture = file
      ? `<img src="${e(file)}" alt="${e(`${w.taken} ${utc(s.takenAt)}`)}">`
      : `<p>${e(w.missing)}</p>`;
    return `<figure>${picture}<figcaption>${e(w.taken)} ${e(utc(s.takenAt))} · ${s.width}×${s.height}${
      marks ? ` · ${e(marks)}` : ''
    }<br><code>${e(file ?? s.id)}</code><br><code class="hash">sha256 ${e(s.sha256)}</code></figcaption></figure>`;
  });
  return `<h3>${e(w.snapshots)}</h3><div class="photos">${items.join('')}</div>`;
}

function chat(r: Report, w: Words): string {
  if (!r.messages.length) return `<h3>${e(w.chat)}</h3><p>${e(w.noChat)}</p>`;
  // Text only: a link a customer typed stays words on the page, never an <a>.
  const items = r.messages.map(
    (m) =>
      `<li class="${m.from}"><span class="meta">${e(utc(m.sentAt))} · ${e(w.from[m.from])}</span><p>${e(m.text)}</p></li>`,
  );
  return `<h3>${e(w.chat)}</h3><ol class="chat">${items.join('')}</ol>`;
}

function notes(r: Report, w: Words): string {
  const n = r.notes;
  const by = n.updatedAt
    ? `<p class="muted">${e(w.editedBy)}: ${e(utc(n.updatedAt))} ${e(n.updatedBy?.name ?? '')}</p>`
    : '';
  return `<h3>${e(w.notes)}</h3>${n.text ? `<p class="notes">${e(n.text)}</p>${by}` : `<p>${e(w.noNotes)}</p>`}`;
}

function recording(r: Report, w: Words, files: HtmlFiles): string {
  const rec = r.recording;
  if (!rec) return `<h3>${e(w.recording)}</h3><p>${e(w.noRecording)}</p>`;
  const file = files.recording;
  return `<h3>${e(w.recording)}</h3><table class="facts">${[
    row(w.status, e(rec.status)),
    row(w.duration, e(duration(rec.durationSeconds))),
    row(w.file, file ? `<code>${e(file.path)}</code>` : e(w.none)),
    row('SHA-256', `<code class="hash">${e(rec.sha256 ?? w.none)}</code>`),
    ...(rec.error ? [row('Error', `<code>${e(rec.error)}</code>`)] : []),
  ].join('')}</table>`;
}

function section(r: Report, key: EvidenceKey, files: HtmlFiles, lang: Language): string {
  const w = TEXT[lang];
  return `<section id="${lang}" lang="${lang}"><h1>${e(w.title)}</h1>${[
    header(r, w),
    device(r, w),
    timeline(r, w, lang),
    quality(r, w),
    snapshots(r, w, files),
    chat(r, w),
    notes(r, w),
    recording(r, w, files),
  ].join('')}<footer><p>${e(w.signed)}:<br><code class="hash">${e(key.fingerprint)}</code></p><p>${e(
    w.verify,
  )}</p><p class="muted">${e(w.generated)}: ${e(utc(r.generatedAt))}</p></footer></section>`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1b1f24}
nav{display:flex;gap:1rem;border-bottom:1px solid #d0d7de;padding-bottom:.5rem}
#nl{display:none}#nl:target{display:block}body:has(#nl:target) #en{display:none}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{text-align:left;vertical-align:top;padding:.2rem .6rem .2rem 0}
table.list{width:100%}table.list td,table.list th{border-bottom:1px solid #eaeef2}table.facts th{font-weight:600;white-space:nowrap}
code{font:13px ui-monospace,monospace;overflow-wrap:anywhere}.hash{font-size:12px}.muted{color:#57606a;font-size:13px}
.photos{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;max-width:18rem}figure img{max-width:100%;border:1px solid #d0d7de}
figcaption{font-size:13px}ol.chat{list-style:none;padding:0}ol.chat li{margin:.4rem 0;padding:.4rem .6rem;border-radius:6px;background:#f6f8fa}
ol.chat li.technician{background:#ddf4ff}ol.chat p,.notes{margin:.1rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
footer{border-top:1px solid #d0d7de;margin-top:2rem}
@media print{nav{display:none}#nl,#en{display:block!important}#nl{break-before:page}}`;

/** The whole page. `files` names what the bundle holds, so the page points only at files that are there. */
export function reportHtml(report: Report, key: EvidenceKey, files: HtmlFiles): string {
  const title = `${TEXT.en.title} · ${report.session.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'">
<title>${e(title)}</title><style>${STYLE}</style></head>
<body><nav><a href="#en">${e(TEXT.en.language)}</a><a href="#nl">${e(TEXT.nl.language)}</a></nav>
${section(report, key, files, 'en')}
${section(report, key, files, 'nl')}
</body></html>
`;
}
