import { errorMessage } from '#lib/i18n.svelte.ts';

/** A form's own error may be a message function: it then follows the console's language while shown. */
export type Message = string | (() => string);

/**
 * One form's submit to the server: busy while it runs (the submit button is
 * disabled), and the server's refusal as the form's error. Every dialog of
 * the console submits this way.
 */
export class Submission {
	busy = $state(false);
	error = $state<Message>('');

	/** Runs `work`; a failure becomes the error, or goes to `onerror` when the form places it itself. */
	async run(work: () => Promise<void>, onerror?: (err: unknown) => void): Promise<void> {
		this.busy = true;
		this.error = '';
		try {
			await work();
		} catch (err) {
			if (onerror) onerror(err);
			else this.error = errorMessage(err);
		} finally {
			this.busy = false;
		}
	}
}
