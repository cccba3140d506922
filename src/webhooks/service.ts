// Webhooks' background parts, started by main.ts: the dispatcher (audit log →
// deliveries) and the worker (deliveries → receivers), the one waking the other.
import type { Deps } from '../deps.ts';
import { Dispatcher } from './dispatcher.ts';
import { Worker, type WorkerOptions } from './worker.ts';

export type WebhookService = {
  /** Sends what is due now (a resend). */
  wake(): void;
  /** Resolves when the dispatcher has read the log to its end and nothing is being sent (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
};

export function startWebhooks(deps: Deps, opts: WorkerOptions = {}): WebhookService {
  const worker = new Worker(deps, opts);
  const dispatcher = new Dispatcher(deps, () => worker.wake(), { pollMs: opts.pollMs });
  worker.start();
  dispatcher.start();
  return {
    wake: () => {
      dispatcher.wake();
      worker.wake();
    },
    idle: async () => {
      await dispatcher.idle();
      await worker.idle();
    },
    stop: async () => {
      await dispatcher.stop();
      await worker.stop();
    },
  };
}
