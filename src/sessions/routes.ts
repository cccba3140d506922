// Technician API for Lens sessions, mounted at /api/sessions. Rights are checked in the verbs.
import { Hono } from 'hono';
import { requireTechnician, type AuthEnv } from '../auth/middleware.ts';
import type { SignedIn } from '../auth/sessions.ts';
import type { Deps } from '../deps.ts';
import { jsonBody, parse } from '../http/validate.ts';
import { idParam, createSessionInput } from '../contract/inputs.ts';
import { createSession } from './create.ts';
import { endSession } from './end.ts';
import { resendInvitation } from './resend.ts';
import { holdSession, startSession, type StartParts } from './live.ts';
import { listEveryonesSessions, listOwnSessions, ownSession } from './read.ts';
import { sessionStarter } from '../tokens/acting.ts';
import { seenChatTranscript } from '../tools/chat.ts';
import { listSnapshots, requestSnapshot } from '../tools/snapshots.ts';

export function sessionRoutes(deps: Deps, start: StartParts) {
  const me = (c: { get(k: 'signedIn'): SignedIn }) => c.get('signedIn').technician;
  const id = (c: { req: { param(name: 'id'): string } }) => parse(idParam, c.req.param('id'));

  return new Hono<AuthEnv>()
    .use(requireTechnician(deps))
    .post('/', async (c) => {
      const input = await jsonBody(c, createSessionInput);
      const { via } = c.get('signedIn');
      const starter = await sessionStarter(deps, c.get('signedIn'), input.technicianId);
      return c.json(await createSession(deps, starter, input, { tokenId: via?.tokenId }), 201);
    })
    .get('/', async (c) =>
      c.json({
        sessions:
          c.get('signedIn').via?.kind === 'service'
            ? await listEveryonesSessions(deps)
            : await listOwnSessions(deps, me(c).id),
      }),
    )
    .get('/:id', async (c) => c.json(await ownSession(deps, me(c).id, id(c))))
    .post('/:id/start', async (c) => c.json(await startSession(deps, start, me(c).id, id(c))))
    .post('/:id/hold', async (c) => c.json(await holdSession(deps, me(c).id, id(c), true)))
    .post('/:id/resume', async (c) => c.json(await holdSession(deps, me(c).id, id(c), false)))
    .post('/:id/end', async (c) => c.json(await endSession(deps, me(c).id, id(c))))
    .post('/:id/resend', async (c) => c.json(await resendInvitation(deps, me(c), id(c))))
    .get('/:id/messages', async (c) => c.json(await seenChatTranscript(deps, me(c), id(c))))
    .post('/:id/snapshots', async (c) => c.json({ snapshot: await requestSnapshot(deps, me(c).id, id(c)) }, 202))
    .get('/:id/snapshots', async (c) => c.json({ snapshots: await listSnapshots(deps, me(c), id(c)) }));
}
