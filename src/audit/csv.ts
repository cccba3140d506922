// The audit export as CSV (RFC 4180: CRLF lines, a cell with a comma, quote
// or line break quoted, quotes doubled), streamed page by page. A cell a
// spreadsheet would run as a formula (=, +, -, @ first) gets a leading
// apostrophe: an audit row holds text people typed (names, group names).
import { PAGE_MAX } from '../contract/limits.ts';
import type { AuditRow } from '../contract/records.ts';
import type { Db } from '../db/client.ts';
import { type AuditFilters, auditCondition, auditRows } from './query.ts';

export const CSV_COLUMNS = [
  'id',
  'at',
  'actor_type',
  'actor_id',
  'actor_name',
  'action',
  'subject_type',
  'subject_id',
  'details',
  'redacted',
  'details_sha256',
  'prev_hash',
  'hash',
] as const;

export function csvCell(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: (string | number | boolean | null)[]) => `${cells.map(csvCell).join(',')}\r\n`;

function rowLine(r: AuditRow): string {
  return csvLine([
    r.id,
    r.at,
    r.actor.type,
    r.actor.id,
    r.actor.name,
    r.action,
    r.subject?.type ?? null,
    r.subject?.id ?? null,
    r.details === null ? null : JSON.stringify(r.details),
    r.redacted,
    r.detailsSha256,
    r.prevHash,
    r.hash,
  ]);
}

/**
 * Every row matching the filters, newest first, as a stream of UTF-8 CSV:
 * one page of rows is read each time the reader wants more, so an export of
 * years of rows never sits in memory. It starts with a byte-order mark, so
 * spreadsheet programs read the names as UTF-8.
 */
export function auditCsv(db: Db, filters: AuditFilters): ReadableStream<Uint8Array> {
  const condition = auditCondition(filters);
  const encoder = new TextEncoder();
  let before: number | undefined;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`\uFEFF${csvLine([...CSV_COLUMNS])}`));
        return;
      }
      const rows = await auditRows(db, condition, PAGE_MAX, before);
      if (rows.length) controller.enqueue(encoder.encode(rows.map(rowLine).join('')));
      if (rows.length < PAGE_MAX) controller.close();
      else before = rows.at(-1)!.id;
    },
  });
}
