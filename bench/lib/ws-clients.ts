// Idle WebSocket clients for the memory benchmark, in their own process so their
// memory is not counted with the server's. Driven over IPC by bench/sockets.ts:
//   {cmd:'open', url, origin, cookies[], concurrency} → {cmd:'opened', ok, failed, firstBytes, error?}
//   {cmd:'status'} → {cmd:'status', open}
//   {cmd:'close'} → {cmd:'closed'}
// A socket counts as open once its first message (snapshot or state) arrived.
export type ClientCommand =
  | { cmd: 'open'; url: string; origin: string; cookies: string[]; concurrency: number; timeoutMs: number }
  | { cmd: 'status' }
  | { cmd: 'close' };
export type ClientReply =
  | { cmd: 'opened'; ok: number; failed: number; firstBytes: number; error?: string }
  | { cmd: 'status'; open: number }
  | { cmd: 'closed' };

const sockets: WebSocket[] = [];
// Loupe's server closes sockets idle for 120 s; the Lens and console ping now and then too.
setInterval(() => {
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
}, 50_000);

function openOne(
  url: string,
  origin: string,
  cookie: string,
  timeoutMs: number,
): Promise<{ ok: boolean; bytes: number; error?: string }> {
  return new Promise((resolve) => {
    // Bun's WebSocket takes request headers (the cookie, and Origin as a browser sends it).
    const ws = new WebSocket(url, { headers: { cookie, origin } } as unknown as string[]);
    const timer = setTimeout(() => {
      ws.close();
      resolve({ ok: false, bytes: 0, error: 'no first message in time' });
    }, timeoutMs);
    ws.onmessage = (event) => {
      clearTimeout(timer);
      ws.onmessage = null;
      sockets.push(ws);
      resolve({ ok: true, bytes: typeof event.data === 'string' ? Buffer.byteLength(event.data) : 0 });
    };
    ws.onerror = () => {
      clearTimeout(timer);
      resolve({ ok: false, bytes: 0, error: 'socket error' });
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      resolve({ ok: false, bytes: 0, error: `closed ${event.code}` });
    };
  });
}

process.on('message', async (message: ClientCommand) => {
  if (message.cmd === 'open') {
    let ok = 0,
      failed = 0,
      firstBytes = 0,
      error: string | undefined;
    let next = 0;
    const worker = async () => {
      while (next < message.cookies.length) {
        const cookie = message.cookies[next++]!;
        const r = await openOne(message.url, message.origin, cookie, message.timeoutMs);
        if (r.ok) {
          ok++;
          firstBytes = Math.max(firstBytes, r.bytes);
        } else {
          failed++;
          error ??= r.error;
        }
      }
    };
    await Promise.all(Array.from({ length: message.concurrency }, worker));
    process.send!({ cmd: 'opened', ok, failed, firstBytes, ...(error ? { error } : {}) } satisfies ClientReply);
  } else if (message.cmd === 'status') {
    process.send!({
      cmd: 'status',
      open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length,
    } satisfies ClientReply);
  } else if (message.cmd === 'close') {
    for (const ws of sockets) ws.close(1000);
    sockets.length = 0;
    process.send!({ cmd: 'closed' } satisfies ClientReply);
  }
});
process.send!({ cmd: 'status', open: 0 } satisfies ClientReply);
