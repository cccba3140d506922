// Technician API for Lens sessions. Rights are checked in the verbs.
import { Hono } from 'hono';
import { requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import type { SignedIn } from '../auth/sessions.ts';
import type { Deps } from '../deps.ts';
import { NotFound, Unavailable } from '../http/errors.ts';
import type { MediaService } from '../media/service.ts';
import { jsonBody, parse } from '../http/validate.ts';
import { idParam } from '../technicians/schemas.ts';
import { createSession, resendSms } from './create.ts';
import { endSession } from './end.ts';
import { holdSession, startSession } from './live.ts';
import { createSessionInput } from './schemas.ts';
import { ownSessionView, technicianSessions } from './view.ts';

export function sessionRoutes(deps: Deps, media?: MediaService) {
  const app = new Hono<AuthEnv>();
  app.use('/api/sessions', requireTechnician(deps));
  app.use('/api/sessions/*', requireTechnician(deps));
  const me = (c: { get(k: 'signedIn'): SignedIn }) => c.get('signedIn').technician;

  return app
    .post('/api/sessions', async (c) => {
      const input = await jsonBody(c, createSessionInput);
      return c.json(await createSession(deps, me(c), input), 201);
    })
    .get('/api/sessions', async (c) =>
      c.json({ sessions: await technicianSessions(deps.db, deps.config, me(c).id, deps.clock.now()) }),
    )
    .get('/api/sessions/:id', async (c) => {
      const view = await ownSessionView(deps.db, deps.config, me(c).id, parse(idParam, c.req.param('id')));
      if (!view) throw new NotFound('No such session.');
      return c.json(view);
    })
    .post('/api/sessions/:id/start', async (c) => {
      const id = parse(idParam, c.req.param('id'));
      if (!media) throw new Unavailable('Media is not available on this server.', 'media_unavailable');
      return c.json(await startSession(deps, media, me(c).id, id));
    })
    .post('/api/sessions/:id/hold', async (c) =>
      c.json(await holdSession(deps, me(c).id, parse(idParam, c.req.param('id')), true)),
    )
    .post('/api/sessions/:id/resume', async (c) =>
      c.json(await holdSession(deps, me(c).id, parse(idParam, c.req.param('id')), false)),
    )
    .post('/api/sessions/:id/end', async (c) =>
      c.json(await endSession(deps, me(c).id, parse(idParam, c.req.param('id')))),
    )
    .post('/api/sessions/:id/resend', async (c) =>
      c.json(await resendSms(deps, me(c), parse(idParam, c.req.param('id')))),
    );
}
