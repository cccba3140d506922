// GET /api/openapi.json and GET /api/docs, public (access.ts: anyone). The
// document is built once per app, at its first request: it depends only on
// the contract and LOUPE_PUBLIC_URL, neither of which changes while Loupe runs.
import { Hono } from 'hono';
import packageJson from '../../package.json' with { type: 'json' };
import { publicBase } from '../config.ts';
import type { Deps } from '../deps.ts';
import { buildDocument } from './document.ts';
import { docsPage } from './docs-page.ts';

export function openApiRoutes(deps: Pick<Deps, 'config'>) {
  let json: string | undefined;
  const page = docsPage();
  return (
    new Hono()
      .get('/openapi.json', (c) => {
        json ??= JSON.stringify(buildDocument({ version: packageJson.version, server: publicBase(deps.config) }));
        return c.body(json, 200, { 'content-type': 'application/json; charset=utf-8' });
      })
      // The contract's html type exactly (c.html would say charset=UTF-8).
      .get('/docs', (c) => c.body(page, 200, { 'content-type': 'text/html; charset=utf-8' }))
  );
}
