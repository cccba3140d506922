// GET /api/docs: Scalar's API reference reading /api/openapi.json, from
// Loupe's own files: the reader's script is copied from the
// @scalar/api-reference devDependency into the web build (web/vite.config.ts),
// so no CDN is asked and the strict CSP (src/http/security.ts) holds. The page
// has no inline script: Scalar reads its configuration from the data
// attributes of an empty <script type="application/json"> (a data block, never run).

/** Where the web build keeps the reader's script (web/vite.config.ts writes it). */
export const SCALAR_SCRIPT = '/api-reference/standalone.js';
export const DOCUMENT_URL = '/api/openapi.json';

/**
 * What the reader may do: no fonts from fonts.scalar.com, no telemetry, no
 * "open in Scalar's client", agent or developer tools (all of which call
 * scalar.com), the document as JSON to download.
 */
export const SCALAR_CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: true,
  showDeveloperTools: 'never',
  agent: { disabled: true },
  documentDownloadType: 'json',
  metaData: { title: 'Loupe API' },
} as const;

const attribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Loupe API</title>
    <link rel="icon" href="/favicon.svg">
  </head>
  <body>
    <noscript>The reference needs JavaScript. The document itself is <a href="${DOCUMENT_URL}">${DOCUMENT_URL}</a>.</noscript>
    <script id="api-reference" type="application/json" data-url="${DOCUMENT_URL}" data-configuration="${attribute(JSON.stringify(SCALAR_CONFIGURATION))}"></script>
    <script src="${SCALAR_SCRIPT}"></script>
  </body>
</html>
`;
}
