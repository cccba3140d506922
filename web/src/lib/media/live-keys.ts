// The live view's keyboard (shortcuts.ts says which key is which): a tool
// key works while the picture is there to work on; Escape puts a drawing
// tool down; Enter goes to the chat. Keys typed into a field are the field's.
import type { DrawTools } from '#lib/tools/draw.svelte.ts';
import { actionFor } from '#lib/tools/shortcuts.ts';

export function liveKeys(to: {
	draw: DrawTools;
	enabled: () => boolean;
	freeze: () => void;
	snapshot: () => void;
	fullscreen: () => void;
	chat: () => void;
}): (e: KeyboardEvent) => void {
	const { draw } = to;
	return (e) => {
		if (e.defaultPrevented || e.repeat) return;
		const action = actionFor({
			key: e.key,
			ctrlKey: e.ctrlKey,
			metaKey: e.metaKey,
			altKey: e.altKey,
			target: e.target as HTMLElement | null
		});
		if (!action) return;
		if (action === 'fullscreen') return done(e, to.fullscreen);
		if (action === 'chat') return done(e, to.chat);
		if (!to.enabled()) return;
		switch (action) {
			case 'pointer':
			case 'draw':
			case 'arrow':
			case 'ellipse':
			case 'rect':
			case 'label':
				return done(e, () => (draw.tool = action));
			case 'freeze':
				return done(e, to.freeze);
			case 'snapshot':
				return done(e, to.snapshot);
			case 'torch':
				return done(e, () => draw.torch());
			case 'camera':
				return done(e, () => draw.switchCamera());
			case 'undo':
				return done(e, () => draw.undo());
			case 'clear':
				return done(e, () => draw.clear());
			case 'zoom_in':
				return done(e, () => draw.zoomBy(1));
			case 'zoom_out':
				return done(e, () => draw.zoomBy(-1));
			case 'zoom_reset':
				return done(e, () => draw.zoomReset());
			case 'cancel':
				// In full screen the browser takes Escape itself; otherwise it ends a stroke and puts the tool down.
				if (draw.drawing) draw.strokeEnd();
				else if (draw.tool !== 'pointer') draw.tool = 'pointer';
				return;
		}
	};
}

function done(e: KeyboardEvent, act: () => void) {
	e.preventDefault();
	act();
}
