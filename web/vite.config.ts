import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// Kit 3 resolves src/, static/ and .svelte-kit/ against the working directory,
// so this config is run from web/ (see the root package.json "build" script).
export default defineConfig({
	plugins: [
		sveltekit({
			// The server serves build/ and answers every unknown path with 200.html.
			adapter: adapter({ fallback: '200.html' })
		})
	]
});
