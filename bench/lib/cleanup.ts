// The end of every benchmark's run: stop what it started and remove its folders,
// whichever of them it got as far as making.
import { rmSync } from 'node:fs';

export type Leftovers = {
  loupe?: { stop(): Promise<void> };
  bare?: { stop(): Promise<void> };
  prepared?: { cleanup(): void };
  /** A temp folder of the benchmark's own. */
  work?: string;
};

export async function cleanUp({ loupe, bare, prepared, work }: Leftovers): Promise<void> {
  await loupe?.stop();
  await bare?.stop();
  prepared?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
}
