// A real webhook receiver for the tests: an HTTP server on 127.0.0.1 that
// verifies every delivery with the standardwebhooks package (the standard's
// reference implementation), as a receiver in the field would, and records it.
import { Webhook } from 'standardwebhooks';
import { webhookDeliveries } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { createWebhook } from './webhooks.ts';

export type Received = {
  id: string;
  type: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> & { session: Record<string, unknown> } };
  status: number;
};

/**
 * What the receiver answers the n-th request (from 1): a status, a redirect
 * (a status with a `location`), or `hang` (never answers).
 */
export type Behaviour = (n: number) => number | { status: number; location: string } | 'hang';

export type Receiver = {
  url: string;
  /** host:port, for LOUPE_WEBHOOK_ALLOW_HTTP. */
  host: string;
  /** Deliveries that verified, in arrival order (also the ones answered with an error status). */
  received: Received[];
  /** Requests whose signature did not verify: must stay 0. */
  unverified: number;
  setSecret(secret: string): void;
  behave(b: Behaviour): void;
  /** Answers every hanging request now (with 200), and keeps listening. */
  release(): void;
  /** Answers every hanging request (with 200) and stops. */
  stop(): Promise<void>;
};

export function startReceiver(behaviour: Behaviour = () => 200): Receiver {
  let webhook: Webhook | undefined;
  let behave = behaviour;
  let n = 0;
  const hanging: (() => void)[] = [];
  const state = { received: [] as Received[], unverified: 0 };
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = await req.text();
      const headers = Object.fromEntries(req.headers.entries());
      let payload: Received['payload'];
      try {
        if (!webhook) throw new Error('no secret yet');
        payload = webhook.verify(body, headers) as Received['payload'];
      } catch {
        state.unverified++;
        return new Response('bad signature', { status: 400 });
      }
      const behaved = behave(++n);
      const answer = typeof behaved === 'object' ? behaved.status : behaved;
      state.received.push({
        id: headers['webhook-id']!,
        type: payload.type,
        payload,
        status: answer === 'hang' ? 0 : answer,
      });
      if (answer === 'hang') {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response('late');
      }
      const redirect = typeof behaved === 'object' ? { location: behaved.location } : undefined;
      return new Response(null, { status: answer, headers: redirect });
    },
  });
  const host = `127.0.0.1:${server.port}`;
  return {
    url: `http://${host}/hook`,
    host,
    get received() {
      return state.received;
    },
    get unverified() {
      return state.unverified;
    },
    setSecret: (secret) => {
      webhook = new Webhook(secret);
    },
    behave: (b) => {
      behave = b;
    },
    release: () => {
      for (const answer of hanging.splice(0)) answer();
    },
    stop: async () => {
      for (const release of hanging.splice(0)) release();
      await server.stop(true);
    },
  };
}

/** Waits (bounded) until `check` holds; throws with `what` after `tries` × 20 ms. */
export async function until(what: string, check: () => boolean | Promise<boolean>, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await Bun.sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A receiver made as an administrator would, and optionally one failed
 * delivery of it (to resend), for tests of other parts (the authorization matrix).
 */
export async function seedWebhook(
  h: Pick<Deps, 'db' | 'clock' | 'config' | 'log' | 'events'>,
  adminId: string,
  opts: { delivery?: boolean } = {},
): Promise<{ id: string; deliveryId?: string }> {
  const { id } = await createWebhook(
    h as Deps,
    { type: 'technician', id: adminId },
    {
      url: 'https://hooks.example.com/loupe',
      events: ['session.created'],
    },
  );
  if (!opts.delivery) return { id };
  const [row] = await h.db
    .insert(webhookDeliveries)
    .values({
      webhookId: id,
      messageId: `msg_${crypto.randomUUID()}`,
      event: 'session.created',
      payload: { type: 'session.created' },
      status: 'failed',
    })
    .returning({ id: webhookDeliveries.id });
  return { id, deliveryId: row!.id };
}
