// What the live-tools benchmark watches in the pages, from outside the
// product (no hook in Loupe's code): the console's pointer events (a
// capturing listener), the phone's overlay canvas read on each animation
// frame at the spots the next points must land on, the console's presented
// video frames (requestVideoFrameCallback) and its gallery. Every time is
// epoch milliseconds (performance.timeOrigin + the page's clock), so the two
// pages' times compare: they run in one browser on one machine.
import type { Page } from 'playwright-core';

type Win = Window & { __benchTools?: Record<string, unknown> };

/** Console: the time of every pointermove/pointerdown on the page, with where it was. */
export function watchPointer(console_: Page): Promise<void> {
  return console_.evaluate(() => {
    const w = window as Win;
    const moves: { t: number; x: number; y: number }[] = [];
    w.__benchTools = { ...w.__benchTools, moves };
    const record = (e: PointerEvent) =>
      moves.push({ t: performance.timeOrigin + e.timeStamp, x: e.clientX, y: e.clientY });
    window.addEventListener('pointermove', record, { capture: true });
    window.addEventListener('pointerdown', record, { capture: true });
  });
}

export const pointerMoves = (console_: Page) =>
  console_.evaluate(() => ((window as Win).__benchTools?.moves ?? []) as { t: number; x: number; y: number }[]);

/**
 * Phone: watches `targets` (CSS pixels of the page) on the overlay canvas; on
 * each animation frame, the first time a target's 3×3 pixels have ink there,
 * records that frame's time. `stop()` via stopWatchOverlay.
 */
export function watchOverlay(phone: Page, selector: string, targets: { x: number; y: number }[]): Promise<void> {
  return phone.evaluate(
    ({ selector, targets }) => {
      const w = window as Win;
      const canvas = document.querySelector<HTMLCanvasElement>(selector)!;
      const scratch = document.createElement('canvas');
      scratch.width = 3;
      scratch.height = 3;
      const ctx = scratch.getContext('2d', { willReadFrequently: true })!;
      const seen: (number | null)[] = targets.map(() => null);
      let next = 0;
      let running = true;
      w.__benchTools = { ...w.__benchTools, seen, stop: () => (running = false) };
      const inked = (i: number) => {
        const r = canvas.getBoundingClientRect();
        const sx = canvas.width / r.width;
        const sy = canvas.height / r.height;
        const px = (targets[i]!.x - r.left) * sx;
        const py = (targets[i]!.y - r.top) * sy;
        ctx.clearRect(0, 0, 3, 3);
        ctx.drawImage(canvas, px - 1.5 * sx, py - 1.5 * sy, 3 * sx, 3 * sy, 0, 0, 3, 3);
        const d = ctx.getImageData(0, 0, 3, 3).data;
        for (let k = 3; k < d.length; k += 4) if (d[k]! >= 48) return true;
        return false;
      };
      const frame = () => {
        if (!running) return;
        const now = performance.timeOrigin + performance.now();
        // Points arrive in order: look at the next few not seen yet (a skipped one is looked at again later).
        for (let i = next; i < Math.min(targets.length, next + 8); i++)
          if (seen[i] === null && inked(i)) {
            seen[i] = now;
            if (i === next) while (next < targets.length && seen[next] !== null) next++;
          }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    },
    { selector, targets },
  );
}

export const overlaySeen = (phone: Page) =>
  phone.evaluate(() => {
    const b = (window as Win).__benchTools!;
    (b.stop as () => void)();
    return b.seen as (number | null)[];
  });

/** Console: counts the video's presented frames from now on; `framesSince` reads the count and the time. */
export function countFrames(console_: Page, selector: string): Promise<void> {
  return console_.evaluate((selector) => {
    const w = window as Win;
    const v = document.querySelector<HTMLVideoElement>(selector)!;
    const state = { frames: 0 };
    w.__benchTools = { ...w.__benchTools, video: state };
    const tick = () => {
      state.frames++;
      v.requestVideoFrameCallback(tick);
    };
    v.requestVideoFrameCallback(tick);
  }, selector);
}

export const framesNow = (console_: Page) =>
  console_.evaluate(() => ({
    frames: ((window as Win).__benchTools!.video as { frames: number }).frames,
    at: performance.timeOrigin + performance.now(),
  }));

/**
 * Console: the time of each click on the snapshot button, and for each
 * gallery item, the first animation frame its img has a decoded picture
 * (its natural size with it).
 */
export function watchGallery(console_: Page): Promise<void> {
  return console_.evaluate(() => {
    const w = window as Win;
    const clicks: number[] = [];
    const shown: Record<string, { t: number; width: number; height: number }> = {};
    w.__benchTools = { ...w.__benchTools, clicks, shown };
    window.addEventListener(
      'click',
      (e) => {
        if ((e.target as Element | null)?.closest?.('button[data-tool="snapshot"]'))
          clicks.push(performance.timeOrigin + e.timeStamp);
      },
      { capture: true },
    );
    const frame = () => {
      for (const item of document.querySelectorAll<HTMLElement>('[data-gallery] [data-snapshot-id]')) {
        const id = item.dataset.snapshotId!;
        const img = item.querySelector('img');
        if (!shown[id] && img?.complete && img.naturalWidth > 0)
          shown[id] = {
            t: performance.timeOrigin + performance.now(),
            width: img.naturalWidth,
            height: img.naturalHeight,
          };
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

export const galleryState = (console_: Page) =>
  console_.evaluate(() => {
    const b = (window as Win).__benchTools!;
    return {
      clicks: b.clicks as number[],
      shown: b.shown as Record<string, { t: number; width: number; height: number }>,
    };
  });

/**
 * Where a stroke's time goes: the console's socket sends and the phone's
 * socket receipts of `tool.stroke` messages, each with its points (frame
 * fractions) and its epoch time. Observed by wrapping WebSocket.send on the
 * console and the MessageEvent `data` getter on the phone (read by Loupe's
 * own handler when the message arrives; the event's timeStamp is its
 * arrival), from outside Loupe's code.
 */
export function watchStrokeMessages(page: Page, side: 'send' | 'receive'): Promise<void> {
  return page.evaluate((side) => {
    const w = window as Win;
    const log: { t: number; points: [number, number][] }[] = [];
    w.__benchTools = { ...w.__benchTools, strokeMessages: log };
    const note = (t: number, data: unknown) => {
      if (typeof data !== 'string' || !data.includes('"tool.stroke"')) return;
      try {
        log.push({ t, points: JSON.parse(data).stroke.points });
      } catch {
        /* not one message */
      }
    };
    if (side === 'send') {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        note(performance.timeOrigin + performance.now(), data);
        return send.call(this, data);
      };
    } else {
      const getter = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data')!.get!;
      const seen = new WeakSet<Event>();
      Object.defineProperty(MessageEvent.prototype, 'data', {
        configurable: true,
        get(this: MessageEvent) {
          const v = getter.call(this);
          if (this.target instanceof WebSocket && !seen.has(this)) {
            seen.add(this);
            note(performance.timeOrigin + this.timeStamp, v);
          }
          return v;
        },
      });
    }
  }, side);
}

export const strokeMessages = (page: Page) =>
  page.evaluate(
    () => ((window as Win).__benchTools?.strokeMessages ?? []) as { t: number; points: [number, number][] }[],
  );

/** The first message time that carries a point within `eps` of `f` (frame fractions). */
export function firstCarrying(
  messages: { t: number; points: [number, number][] }[],
  f: readonly [number, number],
  eps = 0.002,
): number | undefined {
  return messages.find((m) => m.points.some(([x, y]) => Math.abs(x - f[0]) < eps && Math.abs(y - f[1]) < eps))?.t;
}
