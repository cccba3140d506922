// The send window: at most `size` submit_sm awaiting a response, granted first
// come first served, and the pause an SMSC's throttling asks for.

export class SendWindow {
  private inUse = 0;
  private readonly waiters: Array<(granted: boolean) => void> = [];
  private whenIdle: (() => void) | undefined;
  /** No slot is granted before this (ms since the epoch): the SMSC throttled. */
  private pausedUntil = 0;
  private throttleMs = 0;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly size: number,
    /** Whether a link is bound to send on. */
    private readonly linkReady: () => boolean,
    private readonly throttle: { minMs: number; maxMs: number },
  ) {}

  /** How long submits stay paused for throttling; 0 or less when they are not. */
  pausedFor(): number {
    return this.pausedUntil - Date.now();
  }

  /** Hands free slots to waiters, in order. */
  pump(): void {
    while (this.waiters.length > 0 && this.canSend()) {
      this.inUse++;
      this.waiters.shift()!(true);
    }
  }

  /** True with a slot taken, false when none came within `timeoutMs` (or the gateway is closing). */
  take(timeoutMs: number, closing: boolean): Promise<boolean> {
    if (this.waiters.length === 0 && this.canSend()) {
      this.inUse++;
      return Promise.resolve(true);
    }
    if (timeoutMs <= 0 || closing) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (granted: boolean) => {
        clearTimeout(timer);
        resolve(granted);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  release(): void {
    this.inUse--;
    if (this.inUse === 0) this.whenIdle?.();
    this.pump();
  }

  /**
   * ESME_RTHROTTLED: pauses every submit, and returns how long for. Responses
   * to a full window arrive together: the pause grows only when throttling outlasts it.
   */
  throttled(): number {
    if (Date.now() >= this.pausedUntil) {
      this.throttleMs = this.throttleMs ? Math.min(this.throttle.maxMs, this.throttleMs * 2) : this.throttle.minMs;
      this.pause(this.throttleMs);
    }
    return this.pausedUntil - Date.now();
  }

  /** A submit went through: once any pause is over, the next throttling starts from the minimum again. */
  accepted(): void {
    if (Date.now() >= this.pausedUntil) this.throttleMs = 0;
  }

  /** Refuses every waiter, then waits (at most `timeoutMs`) for the slots in use to be released. */
  async close(timeoutMs: number): Promise<void> {
    clearTimeout(this.pauseTimer);
    for (const waiter of this.waiters.splice(0)) waiter(false);
    if (this.inUse === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.whenIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private canSend(): boolean {
    return this.linkReady() && this.inUse < this.size && Date.now() >= this.pausedUntil;
  }

  private pause(ms: number): void {
    this.pausedUntil = Date.now() + ms;
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.pump(), ms);
  }
}
