// The evidence routes: the bundle of a session (GET /api/sessions/:id/export,
// for whoever sees the session's record) and the public key that signs it
// (GET /api/evidence-key, anyone: a recipient checks a bundle without an account).
import { Hono } from 'hono';
import { type AuthEnv, requireTechnician } from '../auth/middleware.ts';
import { idParam } from '../contract/inputs.ts';
import type { Deps } from '../deps.ts';
import { parse } from '../http/validate.ts';
import { exportBundle, type ReportSource } from './bundle-sources.ts';
import { type EvidenceKeyPair, loadEvidenceKey } from './evidence-key.ts';

/** The key as main.ts loaded it at start, or (tests) loaded from the data directory the first time it is asked for. */
export type EvidenceParts = { report: ReportSource; key?: EvidenceKeyPair };

export function evidenceRoutes(deps: Deps, parts: EvidenceParts) {
  let loading: Promise<EvidenceKeyPair> | undefined;
  const key = () => {
    if (parts.key) return Promise.resolve(parts.key);
    loading ??= loadEvidenceKey(deps.config.dataDir);
    return loading;
  };
  // Mounted at /api/sessions before the sessions router: sign-in is checked here, once, for this route alone.
  const exportRoute = new Hono<AuthEnv>().get('/:id/export', requireTechnician(deps), async (c) => {
    const id = parse(idParam, c.req.param('id'));
    const signing = { report: parts.report, key: await key() };
    const { body, filename } = await exportBundle(deps, signing, c.get('signedIn').technician, id);
    return c.body(body, 200, {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${filename}"`,
      'x-content-type-options': 'nosniff',
    });
  });
  const keyRoute = new Hono().get('/', async (c) => c.json((await key()).view));
  return { exportRoute, keyRoute };
}
