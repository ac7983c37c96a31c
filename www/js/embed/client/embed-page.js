// embed.html: one figure and nothing else, for an <iframe>. Its hash is a site page's own
// URL state plus `view`, the figure it shows:
//   embed.html#view=map&arch=resnet50&h=224&w=224&compare=1&b.h=225&b.w=225 (the explorer's)
//   embed.html#view=grid&demo=detector-zeros-224.onnx&stride=16 (the Blind spots page's)
//   embed.html#view=explainer&h=6&w=6&k=3&s=2&p=1&mode=zeros&px=5,5 (the explainer's)
// so that a view of the site becomes an iframe by changing the page's name. A new hash (the
// host page's script changing the iframe's src) redraws. Unlike the figures on other
// people's pages, the iframe view is our page, so it installs the site for offline use.

import '../../shared/offline.js';
import { decodeHash } from '../../explorer/shared/state.js';
import { decodeHash as decodeExplainerHash } from '../../explainer/shared/model.js';
import { explainerAttributesOf, gridAttributesOf, mapAttributesOf } from '../shared/attributes.js';
import { catalog } from './map-service.js';
import './embed-explainer.js';
import './embed-grid.js';
import './embed-map.js';

const VIEWS = {
  /** The explorer's state as a <padlens-map>'s attributes. */
  map(params, catalog) {
    return { tag: 'padlens-map', attributes: mapAttributesOf(decodeHash(params.toString(), catalog), catalog) };
  },
  /** The explainer's state as a <padlens-explainer>'s attributes. */
  explainer(params, catalog) {
    return { tag: 'padlens-explainer', attributes: explainerAttributesOf(decodeExplainerHash(params.toString(), catalog).state) };
  },
  /** The Blind spots page's state as a <padlens-grid>'s attributes. */
  grid(params, catalog) {
    return { tag: 'padlens-grid', attributes: gridAttributesOf(params, catalog) };
  },
};

const main = document.querySelector('#figure');
let element = null;

async function show() {
  const params = new URLSearchParams(location.hash.slice(1));
  const view = params.get('view') ?? 'map';
  params.delete('view');
  const make = VIEWS[view];
  if (!make) {
    const message = document.createElement('p');
    message.className = 'error';
    message.setAttribute('role', 'alert');
    message.textContent = `There is no padlens view “${view}”: use one of ${Object.keys(VIEWS).join(', ')}.`;
    main.replaceChildren(message);
    return;
  }
  const { tag, attributes } = make(params, await catalog());
  if (element?.localName !== tag) {
    element = document.createElement(tag);
    main.replaceChildren(element);
  }
  for (const name of element.getAttributeNames()) element.removeAttribute(name);
  for (const [name, value] of attributes) element.setAttribute(name, value);
}

window.addEventListener('hashchange', show);
show();
