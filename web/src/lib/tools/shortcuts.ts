// The live view's keyboard: one key per tool (shown in each button's tooltip
// and aria-keyshortcuts). Keys typed into a field (the chat, a label) are the
// field's, never a tool's.
export type ToolAction =
	| 'pointer'
	| 'draw'
	| 'arrow'
	| 'ellipse'
	| 'rect'
	| 'label'
	| 'freeze'
	| 'snapshot'
	| 'torch'
	| 'camera'
	| 'undo'
	| 'clear'
	| 'zoom_in'
	| 'zoom_out'
	| 'zoom_reset'
	| 'fullscreen'
	| 'chat'
	| 'cancel';

/** The key shown and announced for each action (aria-keyshortcuts syntax). */
export const SHORTCUTS: Record<Exclude<ToolAction, 'cancel' | 'chat'>, string> = {
	pointer: 'P',
	draw: 'D',
	arrow: 'A',
	ellipse: 'E',
	rect: 'R',
	label: 'T',
	freeze: 'F',
	snapshot: 'S',
	torch: 'L',
	camera: 'C',
	undo: 'Z',
	clear: 'X',
	zoom_in: '+',
	zoom_out: '-',
	zoom_reset: '0',
	fullscreen: 'G'
};

const BY_KEY = new Map<string, ToolAction>(
	Object.entries(SHORTCUTS).map(([action, key]) => [key.toLowerCase(), action as ToolAction])
);
BY_KEY.set('=', 'zoom_in');
BY_KEY.set('_', 'zoom_out');

export type KeyInput = {
	key: string;
	ctrlKey: boolean;
	metaKey: boolean;
	altKey: boolean;
	/** The element the key went to. */
	target: { tagName?: string; isContentEditable?: boolean } | null;
};

/** True for keys typed into a text field: those are the field's. */
export function typing(target: KeyInput['target']): boolean {
	const tag = target?.tagName?.toLowerCase();
	return tag === 'textarea' || tag === 'input' || tag === 'select' || !!target?.isContentEditable;
}

function interactive(target: KeyInput['target']): boolean {
	const tag = target?.tagName?.toLowerCase();
	return tag === 'button' || tag === 'a' || tag === 'summary';
}

/** The action a key press asks for, or null (let the browser have it). */
export function actionFor(e: KeyInput): ToolAction | null {
	if (typing(e.target)) return null;
	if (e.altKey) return null;
	const key = e.key.toLowerCase();
	// Ctrl+Z / ⌘Z undoes as everywhere; other Ctrl/⌘ keys are the browser's (Ctrl+S, Ctrl+C…).
	if (e.ctrlKey || e.metaKey) return key === 'z' ? 'undo' : null;
	if (key === 'escape') return 'cancel';
	// Enter on a button or link is that control's; elsewhere it goes to the chat.
	if (key === 'enter') return interactive(e.target) ? null : 'chat';
	return BY_KEY.get(key) ?? null;
}

/** What a tooltip says: the name and its key. */
export const withKey = (label: string, action: keyof typeof SHORTCUTS) => `${label} (${SHORTCUTS[action]})`;
