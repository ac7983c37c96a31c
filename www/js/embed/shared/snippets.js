// The "Embed" button's two snippets for a view of the site: the custom element (with the one
// module script that defines it) and an <iframe> of embed.html. A view is named by its own
// address — a page and its URL state — so any page, or any figure that links to a page,
// gets its snippets from the same function.

import { decodeHash as decodeMapHash, describe } from '../../explorer/shared/state.js';
import { decodeHash as decodeExplainerHash } from '../../explainer/shared/model.js';
import { SITE_ROOT } from '../../shared/site-root.js';
import { elementSnippet, explainerAttributesOf, gridAttributesOf, mapAttributesOf } from './attributes.js';

/** The Blind spots page's menu value for a model file the reader opened (blindspots-app.js USER_FILE). */
const USER_FILE = 'file:';

/**
 * @typedef {object} Snippets
 * @property {string} element the module script and the custom element
 * @property {string} iframe an <iframe> of embed.html
 */

/**
 * What each page's state embeds as: the element, the embed.html view, a title and the
 * height an iframe needs, or why it cannot. Heights are CSS pixels measured on embed.html at
 * 700 px wide: a map 647, a comparison 996, the grid 787; the explainer 1787 at 7×7, 2323
 * at 16×16 (about 60 more per pixel of side) and 2696 with two layers at 7×7.
 */
const PAGES = {
  'index.html': (params, catalog) => {
    const state = decodeMapHash(params.toString(), catalog);
    const title = `padlens: ${describe(state.a)}${state.compare ? ` against ${describe(state.b)}` : ''}`;
    return { tag: 'padlens-map', view: 'map', attributes: mapAttributesOf(state, catalog), title, height: state.compare ? 1000 : 660 };
  },
  'explain.html': (params, catalog) => {
    const { state } = decodeExplainerHash(params.toString(), catalog);
    const height = (state.layers.length > 1 ? 2700 : 1800) + 60 * Math.max(0, Math.max(state.height, state.width) - 7);
    return { tag: 'padlens-explainer', view: 'explainer', attributes: explainerAttributesOf(state), title: 'padlens: how padding works', height };
  },
  'blindspots.html': (params, catalog) => {
    if ((params.get('demo') ?? '').startsWith(USER_FILE) || (params.get('bdemo') ?? '').startsWith(USER_FILE)) {
      return { reason: 'A model opened from your disk stays on your computer: only the bundled models can be embedded.' };
    }
    if (params.get('background') === 'image' && !params.get('bgimage')) {
      return { reason: 'A background image opened from your disk stays on your computer: only the bundled scenes can be embedded.' };
    }
    if (params.get('stimulus') === 'image') {
      return { reason: 'A stimulus image opened from your disk stays on your computer: embed a built-in stimulus instead.' };
    }
    return { tag: 'padlens-grid', view: 'grid', attributes: gridAttributesOf(params, catalog), title: 'padlens: detectability grid', height: 800 };
  },
};

/**
 * The two snippets for the view at `address` (a site page with its hash), served from `site`
 * (the folder holding the pages).
 * @param {string|URL} address e.g. location.href, or a figure's "open in padlens" link
 * @param {string|URL} site the site's folder, e.g. new URL('./', location.href)
 * @param {object} catalog the core's catalogue
 * @returns {{ok: true, snippets: Snippets} | {ok: false, reason: string}}
 */
export function embedSnippets(address, site, catalog) {
  const url = new URL(address);
  const page = url.pathname.split('/').pop() || 'index.html';
  const make = PAGES[page];
  if (!make) return { ok: false, reason: `This page (${page}) has no figure to embed.` };
  const params = new URLSearchParams(url.hash.slice(1));
  const made = make(params, catalog);
  if (made.reason) return { ok: false, reason: made.reason };
  const script = new URL('js/embed/padlens-embed.js', site).href;
  const element = `<script type="module" src="${script}"></script>\n${elementSnippet(made.tag, made.attributes)}`;
  params.delete('view');
  const frame = `${new URL('embed.html', site).href}#view=${made.view}${params.size ? `&${params}` : ''}`;
  const iframe = `<iframe src="${frame.replace(/&/g, '&amp;')}" title="${made.title.replace(/"/g, '&quot;')}" width="100%" height="${made.height}" loading="lazy"></iframe>`;
  return { ok: true, snippets: { element, iframe } };
}

/**
 * A <padlens-share> toolbar's `embed` callback: the snippets of the view `link` reproduces,
 * on this site (site-root.js), at the moment the reader asks.
 * @param {() => string} link @param {object} catalog the core's catalogue
 * @returns {() => ReturnType<typeof embedSnippets>}
 */
export function embedOf(link, catalog) {
  return () => embedSnippets(link(), SITE_ROOT, catalog);
}
