// padlens' service worker: after one visit, every page works with the network off.
//
// precache.js (written at build time by tools/precache.mjs, next to this file) sets
// self.PRECACHE = {version, files}: every file of the site (pages, CSS, modules and workers,
// the WASM and its glue, the bundled demo models), relative to this file, and a hash of their
// contents. A classic worker with importScripts rather than a fetched JSON file, because the
// browser's update check compares this script *and the scripts it imports* byte for byte: a new
// build changes precache.js, so the browser installs a new worker, which fills a new cache;
// the page (js/shared/offline.js) then offers to reload.
//
// Precached files are answered from the cache, anything else goes to the network as usual
// (files the user opens are read from disk and never fetched). Cache names carry the scope, so
// two copies of the site on one origin (say /padlens/ and /padlens-dev/) keep their caches.

importScripts('precache.js');

const { version, files } = self.PRECACHE;
const PREFIX = `padlens ${self.registration.scope} `;
const CACHE = PREFIX + version;
const PRECACHED = new Set(files.map((file) => new URL(file, self.location).href));

/** A copy of a redirected response: one that says it was redirected cannot answer a navigation. */
async function unredirected(response) {
  if (!response.redirected) return response;
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers: response.headers });
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // 'no-cache': revalidate with the server, so that a stale HTTP cache cannot put an old
      // file into the new version's cache. Any failure fails the install; the browser retries
      // at the next visit and the old version keeps serving meanwhile.
      await Promise.all(
        [...PRECACHED].map(async (url) => {
          const response = await fetch(url, { cache: 'no-cache' });
          if (!response.ok) throw new Error(`precaching ${url}: HTTP ${response.status}`);
          await cache.put(url, await unredirected(response));
        }),
      );
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name)));
    })(),
  );
});

// The page's "Reload" button (js/shared/offline.js): a waiting worker takes over only when asked,
// so that an open page never runs with files from two versions.
self.addEventListener('message', (event) => {
  if (event.data === 'activate') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.hash = '';
  if (request.mode === 'navigate') {
    // A page's state lives in its hash; a query string does not pick another file.
    url.search = '';
    if (url.pathname.endsWith('/')) url.pathname += 'index.html';
  }
  if (!PRECACHED.has(url.href)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      return (await cache.match(url.href)) ?? fetch(request);
    })(),
  );
});
