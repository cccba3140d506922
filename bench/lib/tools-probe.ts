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
 * Phone: watches `targets` (CSS pixels of the page) on the overlay canvas; in
 * each animation frame, the first time a target's 3×3 pixels have ink there,
 * records that frame's time. `stop()` via stopWatchOverlay.
 *
 * The look comes after every animation-frame callback of the frame: the
 * overlay draws in its own callback, which runs after the probe's (the
 * probe's loop asked first), so a look from the probe's callback would see a
 * stroke only a frame after the one that painted it. A ResizeObserver on a
 * 1-pixel element whose width the probe flips in its callback is called by
 * the browser after that frame's callbacks and layout, before it paints.
 * One read of the canvas per frame (the strip under the next targets, a CSS
 * pixel to a pixel), not one per target: reading a canvas back is what the
 * probe costs the phone's page.
 */
export function watchOverlay(phone: Page, selector: string, targets: { x: number; y: number }[]): Promise<void> {
  return phone.evaluate(
    ({ selector, targets }) => {
      const w = window as Win;
      const canvas = document.querySelector<HTMLCanvasElement>(selector)!;
      const scratch = document.createElement('canvas');
      const ctx = scratch.getContext('2d', { willReadFrequently: true })!;
      const seen: (number | null)[] = targets.map(() => null);
      let next = 0;
      let running = true;
      let frameAt = 0;
      const flip = document.createElement('div');
      flip.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;visibility:hidden;pointer-events:none';
      document.body.append(flip);
      const look = () => {
        // Points arrive in order: look at the next few not seen yet (a skipped one is looked at again later).
        const ahead = targets.slice(next, next + 8).filter((_, k) => seen[next + k] === null);
        if (!ahead.length) return;
        const r = canvas.getBoundingClientRect();
        const sx = canvas.width / r.width;
        const sy = canvas.height / r.height;
        const left = Math.floor(Math.min(...ahead.map((t) => t.x)) - 2);
        const top = Math.floor(Math.min(...ahead.map((t) => t.y)) - 2);
        const width = Math.ceil(Math.max(...ahead.map((t) => t.x)) + 2) - left;
        const height = Math.ceil(Math.max(...ahead.map((t) => t.y)) + 2) - top;
        if (scratch.width !== width || scratch.height !== height) {
          scratch.width = width;
          scratch.height = height;
        } else ctx.clearRect(0, 0, width, height);
        ctx.drawImage(canvas, (left - r.left) * sx, (top - r.top) * sy, width * sx, height * sy, 0, 0, width, height);
        const d = ctx.getImageData(0, 0, width, height).data;
        const inked = (t: { x: number; y: number }) => {
          const x0 = Math.round(t.x - left - 1.5);
          const y0 = Math.round(t.y - top - 1.5);
          for (let y = y0; y < y0 + 3; y++)
            for (let x = x0; x < x0 + 3; x++) if (d[(y * width + x) * 4 + 3]! >= 48) return true;
          return false;
        };
        for (let i = next; i < Math.min(targets.length, next + 8); i++)
          if (seen[i] === null && inked(targets[i]!)) {
            seen[i] = frameAt;
            if (i === next) while (next < targets.length && seen[next] !== null) next++;
          }
      };
      const observer = new ResizeObserver(() => running && frameAt > 0 && look());
      observer.observe(flip);
      w.__benchTools = {
        ...w.__benchTools,
        seen,
        stop: () => {
          running = false;
          observer.disconnect();
          flip.remove();
        },
      };
      const frame = () => {
        if (!running) return;
        frameAt = performance.timeOrigin + performance.now();
        flip.style.width = flip.style.width === '1px' ? '2px' : '1px';
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

/**
 * Console: counts the video's presented frames from now on; `framesNow` reads the count and the time.
 * The count is the compositor's (`presentedFrames`), not the callbacks: a busy
 * main thread runs fewer callbacks than the frames the video shows.
 */
export function countFrames(console_: Page, selector: string): Promise<void> {
  return console_.evaluate((selector) => {
    const w = window as Win;
    const v = document.querySelector<HTMLVideoElement>(selector)!;
    const state = { frames: 0 };
    w.__benchTools = { ...w.__benchTools, video: state };
    const tick = (_now: number, meta: { presentedFrames: number }) => {
      state.frames = meta.presentedFrames;
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
