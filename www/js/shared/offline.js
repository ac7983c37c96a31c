// Offline use: registers the service worker (sw.js, at the site's root, whose folder is its
// scope) and says when a new version is ready. Each page's app module imports this once; the
// embeddable figures do not, since they run on other people's sites, where a service worker
// is not ours to install; nor does the benchmark page, where precaching would compete with
// what it measures (it is precached, so it works offline once another page has installed it).

import { SITE_ROOT } from './site-root.js';

if ('serviceWorker' in navigator) {
  // After the page's own downloads, so that precaching does not compete with the first draw.
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}

async function register() {
  const container = navigator.serviceWorker;
  let asked = false;
  container.addEventListener('controllerchange', () => {
    // Ours: reload into the new version. Another tab's: this page still runs the old files.
    if (asked) location.reload();
    else offer(null, 'padlens was updated in another tab.');
  });
  try {
    // updateViaCache 'none': the update check also bypasses the HTTP cache for precache.js.
    const registration = await container.register(new URL('sw.js', SITE_ROOT), { updateViaCache: 'none' });
    const waiting = (worker) => {
      if (container.controller) {
        offer(worker, 'An update of padlens is ready.', () => (asked = true));
      }
    };
    if (registration.waiting) waiting(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed') waiting(worker);
      });
    });
  } catch (error) {
    // The page works without it, only not offline.
    console.warn(`padlens: no offline use (the service worker did not register: ${error.message})`);
  }
}

/**
 * Shows (once) a small notice with a Reload button.
 * @param {ServiceWorker|null} worker the waiting worker to activate first, or null to just reload
 * @param {string} text
 * @param {() => void} [onAsk]
 */
function offer(worker, text, onAsk) {
  if (document.querySelector('.update-notice')) return;
  const notice = document.createElement('div');
  notice.className = 'update-notice';
  notice.setAttribute('role', 'status');
  document.body.append(notice);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button primary';
  button.textContent = 'Reload';
  button.addEventListener('click', () => {
    button.disabled = true;
    if (!worker) return location.reload();
    onAsk?.();
    worker.postMessage('activate');
  });
  // Filled after insertion, so that screen readers announce the change of a live region.
  requestAnimationFrame(() => notice.append(`${text} `, button));
}
