// One POST to a receiver, through node:http(s) rather than fetch because it
// takes a `lookup`: the name is resolved once, its addresses checked
// (target.ts) and exactly those handed to the socket, so DNS cannot re-point
// it between check and connect. No redirects are followed (a 3xx is a
// failure: a redirect could lead inside the network). The answer's body is
// not read beyond what arrives; only its status counts.
import http from 'node:http';
import https from 'node:https';
import { checkedLookup, RefusedTarget, targetProblem } from './target.ts';

export type PostOutcome = { statusCode: number | null; latencyMs: number; error: string | null };

export function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  opts: { allow: ReadonlySet<string>; timeoutMs: number; signal?: AbortSignal },
): Promise<PostOutcome> {
  const started = performance.now();
  const latency = () => Math.max(0, Math.round(performance.now() - started));
  // Checked again at each delivery: LOUPE_WEBHOOK_ALLOW_HTTP may have changed since it was saved.
  const problem = targetProblem(url.href, opts.allow);
  if (problem) return Promise.resolve({ statusCode: null, latencyMs: 0, error: `Not sent: ${problem}` });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<PostOutcome, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve({ ...outcome, latencyMs: latency() });
    };
    const req = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: checkedLookup(url, opts.allow) as never,
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? null;
        const ok = code !== null && code >= 200 && code < 300;
        finish({ statusCode: code, error: ok ? null : `The receiver answered ${code ?? 'nothing'}.` });
      },
    );
    const timer = setTimeout(
      () => finish({ statusCode: null, error: `No answer within ${Math.round(opts.timeoutMs / 1000)} s.` }),
      opts.timeoutMs,
    );
    const onAbort = () => finish({ statusCode: null, error: 'Cut off: Loupe was stopping.' });
    opts.signal?.addEventListener('abort', onAbort);
    req.on('error', (err: NodeJS.ErrnoException) => {
      // Only the kind of failure: a message may repeat the URL, and a URL may carry a token in its query.
      if (err instanceof RefusedTarget) finish({ statusCode: null, error: err.message });
      else finish({ statusCode: null, error: `Could not deliver (${err.code ?? err.name}).` });
    });
    req.end(body);
  });
}
