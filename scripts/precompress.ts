// Last step of the web build: writes a .br and a .gz beside every text file in
// web/build, so the server sends phones compressed bytes without compressing on
// each request (a phone on a poor link downloads the Lens in about a third of
// the bytes). Runs after pwa-build.ts, which rewrites service-worker.js.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { BUILD } from './lens-budget.ts';

const TEXT = /\.(html|js|mjs|css|json|webmanifest|svg|txt|xml)$/;
// Below this, compression saves less than the headers it costs.
const MIN_BYTES = 512;

let files = 0;
let raw = 0;
let brotli = 0;
for (const name of readdirSync(BUILD, { recursive: true, encoding: 'utf8' })) {
  if (!TEXT.test(name)) continue;
  const path = join(BUILD, name);
  if (!statSync(path).isFile() || statSync(path).size < MIN_BYTES) continue;
  const body = readFileSync(path);
  const br = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
  files += 1;
  raw += body.length;
  brotli += br.length;
}
console.log(
  `precompress: ${files} files, ${raw.toLocaleString('en-US')} bytes → ${brotli.toLocaleString('en-US')} bytes brotli (and .gz beside)`,
);
