// A static single-page app: the Loupe server hands out 200.html for every page.
export const ssr = false;
export const prerender = false;
