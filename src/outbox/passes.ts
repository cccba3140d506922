// The loop every background worker runs (the SMS and e-mail outboxes, the
// webhook dispatcher and sender): one pass at a time, woken by an event or a
// timer; a wake during a pass runs one more right after it, never two at once.
import type { Logger } from '../log.ts';

export class Passes {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
    /** What the error line says failed, e.g. "sms outbox pass failed". */
    private readonly failure: string,
    private readonly pollMs: number,
  ) {}

  /** Polls every `pollMs` and runs a first pass now. */
  start(): void {
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.wake();
  }

  /** Runs a pass now, or right after the current one. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err) => this.log.error(this.failure, { err }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** From inside a pass: run another right after it (a full batch means more may be due). */
  runAgain(): void {
    this.again = true;
  }

  /** The pass in progress, if any. */
  get current(): Promise<void> | undefined {
    return this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** No new pass starts; the one in progress (`current`) finishes. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
