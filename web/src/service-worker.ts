/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// The Lens service worker (registered by routes/l/+layout.svelte with scope /l;
// the console is not a PWA). Workbox precaches the Lens shell: the HTML, the JS
// and CSS of the /l routes, the manifest, the icons and the offline page.
// scripts/pwa-build.ts fills in self.__WB_MANIFEST after `vite build`.
//
// - /api/* and /ws/* (and anything not a same-origin GET) are never touched:
//   no respondWith, straight to the network.
// - A navigation to /l or /l/* gets the cached shell, so the Lens opens in poor
//   coverage; without it (evicted) the network; without both, the offline page.
// - Updates never interrupt a live session: a new worker installs in the
//   background and waits (no skipWaiting), and takes over on the next start of
//   the Lens, once no Lens page uses the old one. The cached shell and chunks
//   stay one consistent version until then.
import { cleanupOutdatedCaches, createHandlerBoundToURL, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute, setCatchHandler } from 'workbox-routing';

declare const self: ServiceWorkerGlobalScope & {
	__WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
};

const SHELL = '/200.html';
const OFFLINE = '/lens-offline.html';
const LENS_PAGE = /^\/l(?:\/|\?|$)/;

// Registered before Workbox's own listener: for these requests no other fetch
// listener runs, so the browser handles them as if there were no worker.
self.addEventListener('fetch', (event) => {
	const { request } = event;
	const url = new URL(request.url);
	const passThrough =
		request.method !== 'GET' ||
		url.origin !== self.location.origin ||
		url.pathname.startsWith('/api/') ||
		url.pathname.startsWith('/ws/') ||
		(request.mode === 'navigate' && !LENS_PAGE.test(url.pathname));
	if (passThrough) event.stopImmediatePropagation();
});

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL(SHELL), { allowlist: [LENS_PAGE] }));

// The shell missing from the cache and no network: the offline page, never the browser's error page.
setCatchHandler(async ({ request }) => {
	if (request.mode === 'navigate') return (await matchPrecache(OFFLINE)) ?? Response.error();
	return Response.error();
});

// The first worker takes the open Lens page at once, so it works offline from
// then on. A later worker only activates when no page uses the old one, so
// claiming never swaps code under a running session.
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// Only for a page that knows it is not in a session (none asks yet).
self.addEventListener('message', (event) => {
	if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
