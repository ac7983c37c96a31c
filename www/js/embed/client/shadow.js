import { SITE_ROOT } from '../../shared/site-root.js';

// The shadow root of an embedded figure: the host page's styles stay out and ours stay in.
// Its styles are the site's own stylesheets, linked (a strict Content-Security-Policy allows
// no <style> element), found from this module's URL so a figure works from any path.

const CSS = new URL('../../../css/', import.meta.url);

/**
 * Attaches an open shadow root holding links to `sheets` (names under www/css/) and resolves
 * once they have loaded, so that what is built next is measured with its styles (a map
 * sizes its canvas from its panel's width). A sheet that fails to load still resolves:
 * the figure then works unstyled rather than not at all.
 * @param {HTMLElement} host @param {string[]} sheets e.g. ['padlens.css', 'embed.css']
 * @returns {Promise<ShadowRoot>}
 */
export async function styledShadow(host, sheets) {
  const root = host.attachShadow({ mode: 'open' });
  const links = sheets.map((name) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = new URL(name, CSS).href;
    return link;
  });
  root.append(...links);
  await Promise.all(links.map((link) => new Promise((resolve) => {
    link.addEventListener('load', resolve, { once: true });
    link.addEventListener('error', resolve, { once: true });
  })));
  return root;
}

/**
 * The address of a site page, e.g. the explorer for "Open in padlens" (site-root.js knows
 * where the pages are, also in the static build, which moves the modules and styles).
 * @param {string} page e.g. 'index.html' @param {string} hash without '#'
 */
export function siteUrl(page, hash) {
  return `${new URL(page, SITE_ROOT).href}#${hash}`;
}

/**
 * A figure's redraw, coalesced: calls made in the same task (a script setting three
 * attributes, connecting and setting them) run `work` once, in a microtask; its failure goes
 * to `onError`, to be said in the figure.
 * @param {() => Promise<void>|void} work @param {(error: any) => void} onError
 * @returns {() => void}
 */
export function coalesced(work, onError) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(async () => {
      queued = false;
      try {
        await work();
      } catch (error) {
        onError(error);
      }
    });
  };
}
