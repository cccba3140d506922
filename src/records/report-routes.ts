// The session report and the technician's notes, at /api/sessions/:id/report
// and /:id/notes (mounted before the session routes, so its sign-in check is
// the one that runs for these paths). The report is for whoever sees the
// session (visibility.ts); the notes are the owner's to write.
import { Hono } from 'hono';
import { requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { idParam } from '../contract/inputs.ts';
import { notesInput } from '../contract/records.ts';
import type { Deps } from '../deps.ts';
import { jsonBody, parse } from '../http/validate.ts';
import { editNotes } from './notes.ts';
import { buildReport } from './report.ts';
import { seenSession } from './visibility.ts';

export function reportRoutes(deps: Deps) {
  const signedIn = requireTechnician(deps);
  return new Hono<AuthEnv>()
    .use('/:id/report', signedIn)
    .use('/:id/notes', signedIn)
    .get('/:id/report', async (c) => {
      const id = parse(idParam, c.req.param('id'));
      await seenSession(deps.db, c.get('signedIn').technician, id);
      return c.json(await buildReport(deps, id));
    })
    .put('/:id/notes', async (c) => {
      const id = parse(idParam, c.req.param('id'));
      const { text } = await jsonBody(c, notesInput);
      return c.json({ notes: await editNotes(deps, c.get('signedIn').technician, id, text) });
    });
}
