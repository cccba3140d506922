// What Janus prints: relayed line by line to Loupe's log, and the newest
// process's last lines kept to quote when it fails to start or dies.
import type { Logger } from '../log.ts';
import type { JanusProcess } from './janus-process.ts';

const ERROR_LINE = /^\[(ERR|FATAL)\]|\b(error|failed|fatal)\b/i;
const KEPT_LINES = 20;

export class JanusOutput {
  private readonly tail: string[] = [];
  private tailOf: JanusProcess | undefined;

  constructor(private readonly log: Logger) {}

  /** Reads the process's output from now on; settles when both pipes have been read to the end. */
  follow(proc: JanusProcess): Promise<void> {
    this.tailOf = proc;
    this.tail.length = 0;
    return Promise.all([this.relay(proc, proc.stdout), this.relay(proc, proc.stderr)]).then(() => {});
  }

  /** The newest process's last n lines. */
  last(n: number): string[] {
    return this.tail.slice(-n);
  }

  /** For an error message: its last ten lines, or nothing when it printed none. */
  lastLines(): string {
    return this.tail.length ? `. Janus's last lines:\n${this.tail.slice(-10).join('\n')}` : '';
  }

  private async relay(proc: JanusProcess, stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let rest = '';
    const emit = (raw: string) => {
      const line = raw.trimEnd();
      if (!line) return;
      // The tail belongs to the newest process, even after it exited.
      if (proc === this.tailOf) {
        this.tail.push(line);
        if (this.tail.length > KEPT_LINES) this.tail.shift();
      }
      // Janus is chatty: its lines are debug, except the ones that look like errors.
      if (ERROR_LINE.test(line)) this.log.warn(`janus: ${line}`, { pid: proc.pid });
      else this.log.debug(`janus: ${line}`, { pid: proc.pid });
    };
    try {
      for await (const chunk of stream) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        lines.forEach(emit);
      }
    } catch {
      // The pipe broke because the process is gone; its exit is handled elsewhere.
    }
    emit(rest);
  }
}
