// The technician's snapshot routes, mounted at /api/snapshots: the photo's
// bytes, and the console's annotated copy. Asking for a photo and the list are
// under /api/sessions (src/sessions/routes.ts); the phone's upload under /api/lens.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import { idParam } from '../contract/inputs.ts';
import type { Deps } from '../deps.ts';
import { parse } from '../http/validate.ts';
import { storeAnnotated, type Upload } from './snapshot-upload.ts';
import { openSnapshot } from './snapshots.ts';

/** The request's body, unread, for a verb that streams it to disk. */
export const uploadOf = (c: Context): Upload => ({
  body: c.req.raw.body,
  contentLength: c.req.header('content-length'),
});

export function snapshotRoutes(deps: Deps) {
  const me = (c: Context<AuthEnv>) => c.get('signedIn').technician;
  return new Hono<AuthEnv>()
    .use(requireTechnician(deps))
    .get('/:id', async (c) => {
      const { file, view, filename } = await openSnapshot(deps, me(c), parse(idParam, c.req.param('id')));
      // inline: the gallery and a new tab show it; ?download=1: the browser saves it.
      const disposition = c.req.query('download') === '1' ? 'attachment' : 'inline';
      return c.body(file.stream(), 200, {
        'content-type': view.contentType,
        'content-length': String(view.bytes),
        'content-disposition': `${disposition}; filename="${filename}"`,
        // The type is the one the bytes were checked to be: no browser may guess another (HTML, script).
        'x-content-type-options': 'nosniff',
      });
    })
    .post('/:id/annotated', async (c) => {
      const source = parse(idParam, c.req.param('id'));
      return c.json({ snapshot: await storeAnnotated(deps, me(c).id, source, uploadOf(c)) }, 201);
    });
}
