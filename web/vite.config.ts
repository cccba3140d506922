import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * Copies Scalar's API reference reader (the @scalar/api-reference
 * devDependency) into the build as api-reference/standalone.js, for GET
 * /api/docs (src/openapi/docs-page.ts): served by Loupe itself, no CDN.
 * Its bundled zod probes for eval with `new Function("")` inside a try; under
 * Loupe's CSP (no 'unsafe-eval') the probe fails anyway, but the browser
 * reports it as a CSP violation, so the copy answers "no eval" without asking.
 * A new Scalar without that exact probe fails the build, to be looked at.
 */
function apiReference(): Plugin {
	const probe = 'try{return new Function(""),!0}catch(e){return!1}';
	return {
		name: 'loupe-api-reference',
		applyToEnvironment: (environment) => environment.name === 'client',
		generateBundle() {
			const source = readFileSync(
				resolve(import.meta.dirname, '../node_modules/@scalar/api-reference/dist/browser/standalone.js'),
				'utf8'
			);
			const probes = source.split(probe).length - 1;
			if (probes !== 1) this.error(`expected 1 eval probe in Scalar's standalone.js, found ${probes}`);
			this.emitFile({
				type: 'asset',
				fileName: 'api-reference/standalone.js',
				source: source.replace(probe, 'return!1')
			});
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
		chunkModules(),
		apiReference()
	],
	// The API's contract, shared with the server (views, states, rights, limits, socket
	// messages): a folder outside this package, so an alias rather than a subpath import
	// (those may not point outside the package); web/tsconfig.json names the same path.
	resolve: { alias: { $contract: resolve(import.meta.dirname, '../src/contract') } }
});
