// A session's recording for whoever may see the session (docs/records.md,
// "Who sees a record"): its state, and the playable WebM streamed with Range
// support so the console's <video> seeks without loading it all. Mounted at
// /api: the routes are /api/sessions/:id/recording and /api/recordings/:id.
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { idParam } from '../contract/inputs.ts';
import { lensSessions, recordings } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError, Conflict, NotFound } from '../http/errors.ts';
import { parse } from '../http/validate.ts';
import { recordingOfSession, recordingView, type RecordingRow } from './recording-rows.ts';
import { seenSession, visibleTo, type Viewer } from './visibility.ts';
import { byteRange } from './byte-range.ts';

export function recordingRoutes(deps: Deps) {
  const auth = requireTechnician(deps);
  const me = (c: { get(k: 'signedIn'): { technician: Viewer } }) => c.get('signedIn').technician;
  return new Hono<AuthEnv>()
    .get('/sessions/:id/recording', auth, async (c) => {
      const session = await seenSession(deps.db, me(c), parse(idParam, c.req.param('id')));
      const row = await recordingOfSession(deps.db, session.id);
      return c.json({ recording: row ? recordingView(row) : null });
    })
    .get('/recordings/:id', auth, async (c) => {
      const row = await seenRecording(deps, me(c), parse(idParam, c.req.param('id')));
      const file = Bun.file(join(deps.config.dataDir, row.file!));
      if (!(await file.exists())) throw new NotFound('The recording file is missing from the data directory.');
      const size = file.size;
      const headers: Record<string, string> = {
        'content-type': 'video/webm',
        'accept-ranges': 'bytes',
        'content-disposition': `inline; filename="recording-${row.sessionId}.webm"`,
        'x-content-type-options': 'nosniff',
      };
      if (c.req.query('download') === '1')
        headers['content-disposition'] = headers['content-disposition']!.replace('inline', 'attachment');
      const range = byteRange(c.req.header('range'), size);
      if (range === 'unsatisfiable')
        throw new AppError(
          416,
          'range_not_satisfiable',
          `The recording has ${size} bytes; that range is outside it.`,
          undefined,
          {
            'content-range': `bytes */${size}`,
          },
        );
      if (!range) return c.body(file.stream(), 200, { ...headers, 'content-length': String(size) });
      return c.body(file.slice(range.start, range.end + 1).stream(), 206, {
        ...headers,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${size}`,
      });
    });
}

/**
 * The recording, if the caller may see its session (else 404, as if it did
 * not exist) and it is playable: a recording still being made or converted,
 * or one that failed, is a 409 that says which (the report shows why).
 */
async function seenRecording(deps: Deps, viewer: Viewer, id: string): Promise<RecordingRow> {
  const [found] = await deps.db
    .select({ rec: recordings })
    .from(recordings)
    .innerJoin(lensSessions, eq(lensSessions.id, recordings.sessionId))
    .where(and(eq(recordings.id, id), visibleTo(viewer)));
  if (!found) throw new NotFound('No such recording.');
  const row = found.rec;
  if (row.status === 'ready' && row.file) return row;
  const why = {
    recording: 'The session is still being recorded.',
    converting: 'The recording is being converted; try again in a minute.',
    failed: 'The recording could not be converted; its raw files are kept (see the report).',
    ready: 'The recording has no file.',
  }[row.status];
  throw new Conflict(why, 'recording_not_ready');
}
