/** A short confirmation ("Saved Ana.") that clears itself after a few seconds. */
export class Notice {
	text = $state('');
	#timer: ReturnType<typeof setTimeout> | undefined;

	show(text: string) {
		clearTimeout(this.#timer);
		this.text = text;
		this.#timer = setTimeout(() => (this.text = ''), 6000);
	}
}
