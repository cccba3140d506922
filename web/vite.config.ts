import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes which source modules ended up in which client chunk to
 * .svelte-kit/loupe-chunk-modules.json (outside build/, never served), so
 * scripts/lens-budget.ts can prove the Lens's critical path holds no console code.
 */
function chunkModules(): Plugin {
	return {
		name: 'loupe-chunk-modules',
		applyToEnvironment: (environment) => environment.name === 'client',
		writeBundle(_options, bundle) {
			const root = this.environment.config.root;
			const chunks: Record<string, string[]> = {};
			for (const output of Object.values(bundle)) {
				if (output.type !== 'chunk') continue;
				chunks[output.fileName] = output.moduleIds.map((id) =>
					relative(root, id.replace(/\?.*$/, '')).replaceAll('\\', '/')
				);
			}
			const file = resolve(root, '.svelte-kit/loupe-chunk-modules.json');
			mkdirSync(dirname(file), { recursive: true });
			writeFileSync(file, JSON.stringify(chunks, null, '\t'));
		}
	};
}

// Kit 3 resolves src/, static/ and .svelte-kit/ against the working directory,
// so this config is run from web/ (see the root package.json "build" script).
export default defineConfig({
	plugins: [
		sveltekit({
			// The server serves build/ and answers every unknown path with 200.html.
			adapter: adapter({ fallback: '200.html' }),
			// src/service-worker.ts is the Lens's alone: routes/l/+layout.svelte
			// registers it with scope /l, so the console never gets one.
			// scripts/pwa-build.ts injects its precache list after the build.
			serviceWorker: { register: false }
		}),
		chunkModules()
	],
	// The API's contract, shared with the server (views, states, rights, limits, socket
	// messages): a folder outside this package, so an alias rather than a subpath import
	// (those may not point outside the package); web/tsconfig.json names the same path.
	resolve: { alias: { $contract: resolve(import.meta.dirname, '../src/contract') } }
});
