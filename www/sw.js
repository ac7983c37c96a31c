// padlens' service worker: after one visit, every page works with the network off.
//
// precache.js (written at build time by tools/precache.mjs, next to this file) sets
// self.PRECACHE = {version, files, hashes}: every file of the site (pages, CSS, modules and
// workers, the WASM and its glue, the bundled demo models), relative to this file, a hash of
// each file's contents, and one of them all. A classic worker with importScripts rather than
// a fetched JSON file, because the
// browser's update check compares this script *and the scripts it imports* byte for byte: a new
// build changes precache.js, so the browser installs a new worker, which fills a new cache;
// the page (js/shared/offline.js) then offers to reload.
//
// Precached files are answered from the cache, anything else goes to the network as usual
// (files the user opens are read from disk and never fetched). Cache names carry the scope, so
// two copies of the site on one origin (say /padlens/ and /padlens-dev/) keep their caches.

importScripts('precache.js');

const { version, files, hashes } = self.PRECACHE;
const PREFIX = `padlens ${self.registration.scope} `;
const CACHE = PREFIX + version;
const PRECACHED = new Set(files.map((file) => new URL(file, self.location).href));
/** The header that records, on each cached response, the hash of its contents. */
const HASH = 'x-padlens-content-hash';

/** The first 16 hex digits of the SHA-256 of `body`, as tools/precache.mjs writes them. */
async function contentHash(body) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * What to cache for a file: a copy that records its contents' hash when they are the build's.
 * They may not be: a host caught halfway through a deploy serves another version's file, and
 * some hosts rewrite pages (minifiers, injected scripts). Such a copy is cached as served, so
 * that the site still works offline, but unstamped, so that no later version reuses it. A copy
 * also drops the "redirected" flag, with which a response cannot answer a navigation.
 */
async function stamped(response, hash) {
  const body = await response.arrayBuffer();
  const headers = new Headers(response.headers);
  if ((await contentHash(body)) === hash) headers.set(HASH, hash);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** The responses of this scope's earlier versions, by content hash. */
async function earlierResponses() {
  const found = new Map();
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    for (const response of await (await caches.open(name)).matchAll()) {
      const hash = response.headers.get(HASH);
      if (hash) found.set(hash, response);
    }
  }
  return found;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // A file whose contents an earlier version already holds (most of them, after a small
      // change: the WASM, the demo models) is copied, not downloaded again, even under a new
      // name (the static build's assets-<hash>/ folder).
      const earlier = await earlierResponses();
      await Promise.all(
        files.map(async (file) => {
          const url = new URL(file, self.location).href;
          let response = earlier.get(hashes[file])?.clone();
          if (!response) {
            // 'no-cache': revalidate with the server, so that a stale HTTP cache cannot put an
            // old file into the new version's cache. Any failure fails the install; the browser
            // retries at the next visit and the old version keeps serving meanwhile.
            response = await fetch(url, { cache: 'no-cache' });
            if (!response.ok) throw new Error(`precaching ${url}: HTTP ${response.status}`);
          }
          await cache.put(url, await stamped(response, hashes[file]));
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
