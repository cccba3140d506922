// The outside programs a recording's conversion runs (janus-pp-rec, ffmpeg,
// ffprobe): each under `nice`, with a time limit, its stderr kept for the
// error a failed conversion reports. Only the process started here is ever
// killed, by its own handle.
import { open } from 'node:fs/promises';

/** How much of a tool's stderr a failure keeps: the end says what went wrong. */
export const STDERR_TAIL = 2_000;

/** A tool that failed (exit code, signal, time limit); `message` ends with its stderr's tail. */
export class ToolFailed extends Error {}

export type RunOptions = {
  timeoutMs: number;
  nice?: boolean;
  /** Aborted (Loupe stopping): the process is killed, and the call rejects. */
  signal?: AbortSignal;
};

/** Runs `cmd` to its end; its stdout as text. Rejects with ToolFailed (never hangs past `timeoutMs`). */
export async function runTool(cmd: string[], opts: RunOptions): Promise<string> {
  const argv = opts.nice === false ? cmd : ['nice', '-n', '10', ...cmd];
  const proc = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, opts.timeoutMs);
  const abort = () => proc.kill('SIGKILL');
  opts.signal?.addEventListener('abort', abort);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (opts.signal?.aborted) throw new ToolFailed(`${cmd[0]} was stopped: Loupe is shutting down`);
    if (timedOut) throw new ToolFailed(`${cmd[0]} did not finish within ${opts.timeoutMs / 1000} s`);
    // janus-pp-rec writes its errors to stdout; ffmpeg to stderr.
    if (code !== 0) throw new ToolFailed(`${cmd[0]} exited with ${code}: ${tail(stderr.trim() || stdout)}`);
    return stdout;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abort);
  }
}

export function tail(text: string, max = STDERR_TAIL): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colours are what is removed
  const t = text.replace(/\x1b\[[0-9;]*m/g, '').trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}

/** What a .mjr file's header says: its medium, codec and when its first packet was written (µs since the epoch). */
export type MjrHeader = { type: 'audio' | 'video' | 'data'; codec: string; firstPacketUs: number };

/**
 * Reads the JSON header Janus writes at the start of a .mjr (`MJR00002`, a
 * 16-bit length, then `{"t":"v","c":"vp8","s":…,"u":…}`), without a process.
 */
export async function readMjrHeader(path: string): Promise<MjrHeader> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(8 + 2 + 4096);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    if (bytesRead < 10 || head.toString('latin1', 0, 3) !== 'MJR')
      throw new ToolFailed(`${path.split('/').pop()} is not a Janus recording`);
    const len = head.readUInt16BE(8);
    let info: { t?: string; c?: string; s?: number; u?: number };
    try {
      info = JSON.parse(head.toString('utf8', 10, 10 + len));
    } catch {
      throw new ToolFailed(`${path.split('/').pop()} has no readable header`);
    }
    const type = info.t === 'v' ? 'video' : info.t === 'a' ? 'audio' : 'data';
    return { type, codec: String(info.c ?? ''), firstPacketUs: Number(info.u ?? info.s ?? 0) };
  } finally {
    await file.close();
  }
}
