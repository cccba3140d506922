// bun run evidence:verify FILE.zip [--key KEY]
// Checks a Loupe evidence bundle (docs/records.md, "The evidence bundle").
// KEY: the signing key's public half, base64url, as GET /api/evidence-key
// gives it in `publicKey`, or a file holding that answer (or the key alone).
// Exit 0: intact. 1: a line names each changed, added or missing file, or the
// bad signature or wrong key. 2: the bundle or the key could not be read.
import { readFileSync } from 'node:fs';
import { UnreadableBundle, verifyBundle } from '../src/records/bundle-verify.ts';

const RAW_KEY = /^[\w-]{43}$/;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function keyOf(value: string): string {
  if (RAW_KEY.test(value)) return value;
  let text: string;
  try {
    text = readFileSync(value, 'utf8').trim();
  } catch {
    fail(`--key ${value}: neither a base64url public key nor a file that can be read`);
  }
  if (RAW_KEY.test(text)) return text;
  try {
    const key = (JSON.parse(text) as { publicKey?: unknown }).publicKey;
    if (typeof key === 'string' && RAW_KEY.test(key)) return key;
  } catch {}
  fail(`--key ${value}: the file holds neither the /api/evidence-key answer nor a base64url public key`);
}

function parseArgs(argv: string[]): { file: string; key?: string } {
  const args = [...argv];
  let key: string | undefined;
  const at = args.findIndex((a) => a === '--key' || a.startsWith('--key='));
  if (at >= 0) {
    const [flag] = args.splice(at, 1) as [string];
    const value = flag.includes('=') ? flag.slice(6) : args.splice(at, 1)[0];
    if (!value) fail('--key needs a value');
    key = keyOf(value);
  }
  if (args.length !== 1 || args[0]!.startsWith('-')) fail('usage: bun run evidence:verify FILE.zip [--key KEY]');
  return { file: args[0]!, key };
}

const { file, key } = parseArgs(process.argv.slice(2));
try {
  const verdict = await verifyBundle(file, key);
  for (const note of verdict.notes) console.log(note);
  if (verdict.problems.length) {
    for (const problem of verdict.problems) console.log(problem);
    console.log(`${file}: NOT intact (${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'})`);
    process.exit(1);
  }
  const m = verdict.manifest!;
  console.log(`${file}: intact: session ${m.sessionId}, ${m.files.length} files, made ${m.createdAt}`);
} catch (err) {
  // Anything else that stops the check is also "could not be read", never a verdict on the bundle.
  fail(err instanceof UnreadableBundle ? err.message : `${file}: ${String(err)}`);
}
