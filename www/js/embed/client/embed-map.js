// <padlens-map>: the explorer's utilization map as a figure any page can embed, e.g.
//   <padlens-map network="resnet50" size="224" padding="zeros"></padlens-map>
// and, with any `compare-*` attribute, two configurations and their ratio A ÷ B, as the
// explorer's compare mode:
//   <padlens-map network="resnet50" size="224" compare-size="225"></padlens-map>
// The attributes spell the explorer's URL state (../shared/attributes.js); changing one
// redraws. Each map is the explorer's own <padlens-map-view> (zoom, pan, colour bar, readout),
// drawn by the one map worker the page's figures share (map-service.js), inside a shadow root
// so that neither the host page's styles nor ours cross over. The figure's width follows its
// container; its maps are as tall as their shape asks.

import { decodeHash, describe, encodeHash, localError, queryOf, sourceOf } from '../../explorer/shared/state.js';
import { LatestOnly } from '../../shared/bridge.js';
import { MAP_ATTRIBUTES, mapHashOf } from '../shared/attributes.js';
import { ratioData } from '../../explorer/client/map-view.js';
import { attach, detach, request } from './map-service.js';
import { coalesced, siteUrl, styledShadow } from './shadow.js';

let nextFigure = 1;

class PadlensMapEmbed extends HTMLElement {
  static observedAttributes = MAP_ATTRIBUTES;

  #id = `map-${nextFigure++}`;
  #catalog = null;
  #els = null;
  /** Building, then attaching: settles once the figure can draw. */
  #ready = null;
  #latest = new LatestOnly((payload) => request('view', payload), {});
  /** Draws again after attribute changes made together (a script setting three), once. */
  #queueUpdate = coalesced(() => this.#update(), (error) => this.#fail(error));
  #generation = 0;
  /** Left the page: the worker has let go of its canvases. */
  #detached = false;

  connectedCallback() {
    this.#ready ??= this.#build();
    if (this.#detached) {
      // Moved in the page: its canvases went to the worker with the old registration.
      this.#detached = false;
      for (const map of Object.values(this.#els.maps)) map.replaceCanvas();
      this.#ready = this.#attach();
    }
    this.#queueUpdate();
  }

  disconnectedCallback() {
    // A move (disconnect, then connect in the same task) keeps the figure registered.
    queueMicrotask(() => {
      if (this.isConnected || !this.#els) return;
      detach(this.#id);
      this.#detached = true;
    });
  }

  attributeChangedCallback() {
    this.#queueUpdate();
  }

  async #build() {
    const root = await styledShadow(this, ['padlens.css', 'embed.css']);
    const figure = document.createElement('div');
    figure.className = 'embed-figure';
    figure.setAttribute('part', 'figure');
    figure.innerHTML = `
      <p class="embed-note" role="status" hidden></p>
      <p class="error embed-error" role="alert" hidden></p>
      <div class="embed-maps">
        <padlens-map-view id="${this.#id}-a"></padlens-map-view>
        <padlens-map-view id="${this.#id}-b" heading="B" hidden></padlens-map-view>
        <padlens-map-view id="${this.#id}-ratio" heading="A ÷ B" hidden></padlens-map-view>
      </div>
      <p class="embed-credit"><a target="_blank" rel="noopener">Open in padlens</a></p>`;
    root.append(figure);
    const q = (selector) => figure.querySelector(selector);
    this.#els = {
      figure,
      note: q('.embed-note'),
      error: q('.embed-error'),
      open: q('.embed-credit a'),
      maps: { a: q(`#${this.#id}-a`), b: q(`#${this.#id}-b`), ratio: q(`#${this.#id}-ratio`) },
    };
    for (const [key, map] of Object.entries(this.#els.maps)) {
      map.source = {
        redraw: (view) => request('viewport', { figure: this.#id, key, view }).then((r) => r?.viewport ?? null),
        pixel: (y, x) => request('pixel', { figure: this.#id, key, y, x }),
      };
    }
    await this.#attach();
  }

  async #attach() {
    const { maps } = this.#els;
    this.#catalog = await attach(this.#id, {
      takeCanvases: () => Object.fromEntries(Object.entries(maps).map(([key, map]) => [key, map.takeOffscreen()])),
      replaceCanvases: () => Object.values(maps).forEach((map) => map.replaceCanvas()),
      redraw: () => this.#queueUpdate(),
    });
  }

  /** The explorer's state for the attributes, with its defaults for what they leave out. */
  get state() {
    return this.#catalog && decodeHash(mapHashOf((name) => this.getAttribute(name)), this.#catalog);
  }

  async #update() {
    await this.#ready;
    if (!this.isConnected) return;
    const g = ++this.#generation;
    const state = this.state;
    const { maps } = this.#els;
    this.dataset.status = 'computing';
    this.#els.figure.classList.toggle('comparing', state.compare);
    maps.b.hidden = maps.ratio.hidden = !state.compare;
    maps.a.heading = state.compare ? 'A' : '';
    for (const map of Object.values(maps)) if (!map.hidden) map.measure();
    this.#els.open.href = siteUrl('index.html', encodeHash(state));

    const keys = state.compare ? ['a', 'b'] : ['a'];
    const problems = keys.map((key) => localError(state[key], this.#catalog.limits)).filter(Boolean);
    if (problems.length) {
      this.#showError(problems.join(' '));
      return;
    }
    const configs = keys.map((key) => ({ key, ...sourceOf(state[key]), ...queryOf(state[key]) }));
    const sizes = Object.fromEntries(keys.map((key) => [key, [state[key].height, state[key].width]]));
    // The ratio covers the common region, centres aligned (render.rs `centred_ratio`).
    if (state.compare) sizes.ratio = [0, 1].map((axis) => Math.min(sizes.a[axis], sizes.b[axis]));
    const views = Object.fromEntries(Object.entries(sizes).map(([key, size]) => [key, maps[key].viewFor(size)]));
    const result = await this.#latest.submit({ figure: this.#id, configs, display: state.display, shared: state.display.shared, views });
    if (!result || g !== this.#generation) return; // a newer update shows itself
    this.#show(result, state);
  }

  #show(result, state) {
    const { maps } = this.#els;
    const notes = [];
    const errors = [];
    for (const key of state.compare ? ['a', 'b'] : ['a']) {
      const map = result.maps[key];
      const name = state.compare ? `${key.toUpperCase()}: ` : '';
      let config = state[key];
      if (map.fallback) {
        // The attributes asked for something the core cannot draw: the nearest view it can,
        // and why, as the explorer does for a bad link.
        const { query, source, problem } = map.fallback;
        config = { ...config, ...query, arch: source.arch ?? config.arch };
        notes.push(`${name}${problem.message} Showing ${describe(config)}.`);
      } else if (!map.ok) {
        errors.push(`${name}${map.problem.message}`);
      }
      if (map.shown) {
        maps[key].show({
          kind: 'count',
          ...map.shown,
          reference: state.display.reference,
          scale: state.display.scale,
          colorbar: result.colorbar,
          caption: describe(config),
        });
      }
      maps[key].stale = !map.ok && !map.fallback;
    }
    if (result.ratio) maps.ratio.show(ratioData(result.ratio, result.ratioColorbar, result.maps.a.shown, result.maps.b.shown));
    this.#els.note.textContent = notes.join(' ');
    this.#els.note.hidden = notes.length === 0;
    this.#els.error.textContent = errors.join(' ');
    this.#els.error.hidden = errors.length === 0;
    this.dataset.status = errors.length ? 'error' : 'idle';
  }

  #showError(message) {
    this.#els.error.textContent = message;
    this.#els.error.hidden = false;
    this.dataset.status = 'error';
  }

  #fail(error) {
    if (!this.#els) {
      // Not even built (the stylesheets' folder is missing?): say so in the light DOM.
      this.textContent = `padlens could not start: ${error.message}`;
      return;
    }
    this.#showError(`padlens could not draw this figure: ${error.message}`);
  }
}

customElements.define('padlens-map', PadlensMapEmbed);
