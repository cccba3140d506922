/**
 * A short confirmation ("Saved Ana.") that clears itself after a few seconds.
 * Given as a message function, it follows the console's language while shown.
 */
export class Notice {
	#text = $state<() => string>(() => '');
	#timer: ReturnType<typeof setTimeout> | undefined;

	get text(): string {
		return this.#text();
	}

	show(text: string | (() => string)) {
		clearTimeout(this.#timer);
		this.#text = typeof text === 'function' ? text : () => text;
		this.#timer = setTimeout(() => (this.#text = () => ''), 6000);
	}
}
