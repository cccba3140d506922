// The Lens's session, its call, the phone's camera and the technician's live tools, made together by the /l
// layout and handed to every Lens screen through Svelte context. The layout
// outlives moving between /l and /l/<token> and every screen change, so the
// session, the waiting connection and the camera preview do too. Instances
// rather than module state: each Lens (or test) makes its own.
import { createContext } from 'svelte';
import { LensCall } from './call.svelte.ts';
import { Lens } from './lens.svelte.ts';
import { LensMedia } from './media.svelte.ts';
import { LensTools } from './tools/tools.svelte.ts';

export type LensParts = { lens: Lens; call: LensCall; media: LensMedia; tools: LensTools };

const [getLens, setLens] = createContext<LensParts>();

/** Makes one Lens's parts, wired together. */
export function createLens(): LensParts {
	const media = new LensMedia();
	const call = new LensCall();
	const tools = new LensTools(media);
	return { lens: new Lens(call, media, tools), call, media, tools };
}

/** Makes the Lens's parts and hands them to the calling component's children. Call during component init. */
export function provideLens(): LensParts {
	return setLens(createLens());
}

/** The Lens's parts, from the nearest provideLens above. Call during component init. */
export const useLens: () => LensParts = getLens;
