// <padlens-explainer>: the step-through explainer (explain.html) as a figure any page can
// embed: one small convolution layer (or two) over a lettered image, every window that reads
// the selected pixel played one at a time, and the count map they add up to, e.g.
//   <padlens-explainer preset="strided"></padlens-explainer>
//   <padlens-explainer size="6" kernel="3" stride="2" padding="1" mode="zeros" pixel="5,5"></padlens-explainer>
// The attributes spell the explainer's URL state (../shared/attributes.js), over a preset of
// the explainer's own list if `preset` names one. A reader clicks a pixel and plays its
// windows; changing an attribute starts again from it. The core runs on the page's thread, as
// on explain.html: a layer over at most 16×16 pixels takes microseconds.

import { loadEngine, problemOf } from '../../engine/engine.js';
import { PRESETS, changesText, decodeHash, encodeHash, pixelLabel, presetState, toConfig } from '../../explainer/shared/model.js';
import { drawDownstream, drawFigures, stepKeys } from '../../explainer/client/figures.js';
import '../../explainer/client/grids.js';
import '../../explainer/client/steps.js';
import { EXPLAINER_ATTRIBUTES, explainerHashOf } from '../shared/attributes.js';
import { coalesced, siteUrl, styledShadow } from './shadow.js';

class PadlensExplainerEmbed extends HTMLElement {
  static observedAttributes = EXPLAINER_ATTRIBUTES;

  #els = null;
  #ready = null;
  /** Opens the attributes' state again after they change, once per task. */
  #queue = coalesced(async () => {
    await this.#ready;
    this.#open();
  }, (error) => this.#fail(error));
  #engine = null;
  #catalog = null;
  /** What is on screen: {state, explanation, pixel} (the core's Explanation and PixelExplanation). */
  #shown = null;

  connectedCallback() {
    this.#ready ??= this.#build();
    this.#queue();
  }

  attributeChangedCallback() {
    this.#queue();
  }

  async #build() {
    const [root, engine] = await Promise.all([styledShadow(this, ['padlens.css', 'explainer.css', 'embed.css']), loadEngine()]);
    this.#engine = engine;
    this.#catalog = engine.catalog();
    const figure = document.createElement('div');
    figure.className = 'embed-figure';
    figure.setAttribute('part', 'figure');
    figure.innerHTML = `
      <p class="embed-note" role="status" hidden></p>
      <div class="ex-figures">
        <padlens-padded-grid data-role="padded" heading="Padded input of layer 1" selectable max-cell="46"></padlens-padded-grid>
        <padlens-count-grid data-role="counts" heading="Count map" selectable max-cell="46"></padlens-count-grid>
        <padlens-count-grid data-role="first-counts" heading="Layer 1 alone" selectable max-cell="34" hidden></padlens-count-grid>
        <padlens-count-grid data-role="downstream" heading="Downstream" max-cell="34" hidden></padlens-count-grid>
      </div>
      <padlens-steps></padlens-steps>
      <p class="embed-credit"><a target="_blank" rel="noopener">Open in padlens</a></p>`;
    root.append(figure);
    const q = (selector) => figure.querySelector(selector);
    this.#els = {
      note: q('.embed-note'),
      padded: q('[data-role=padded]'),
      counts: q('[data-role=counts]'),
      firstCounts: q('[data-role=first-counts]'),
      downstream: q('[data-role=downstream]'),
      steps: q('padlens-steps'),
      open: q('.embed-credit a'),
    };
    figure.addEventListener('select-pixel', ({ detail }) => this.#select([detail.row, detail.column]));
    figure.addEventListener('step-change', ({ detail }) => this.#step(detail.index));
    // The keys act while the focus is in the figure: the host page keeps its own.
    figure.addEventListener('keydown', (event) => stepKeys(event, this.#els.steps));
  }

  /** The state the attributes ask for, over their preset; what cannot be read, said. */
  #asked() {
    const get = (name) => this.getAttribute(name);
    const problems = [];
    let presetHash = '';
    const preset = get('preset');
    if (preset !== null) {
      if (PRESETS.some((p) => p.id === preset)) {
        presetHash = encodeHash({ ...presetState(preset), colormap: this.#catalog.colormaps[0] });
      } else {
        problems.push({ message: `There is no preset “${preset}” (there are ${PRESETS.map((p) => p.id).join(', ')}).` });
      }
    }
    const decoded = decodeHash(explainerHashOf(get, presetHash), this.#catalog);
    return { state: decoded.state, problems: [...problems, ...decoded.problems] };
  }

  /** Shows the attributes' state, or the nearest the core can draw, with why (as explain.html does for a link). */
  #open() {
    if (!this.isConnected) return;
    const engine = this.#engine;
    const { state: asked, problems } = this.#asked();
    let nearest;
    try {
      nearest = engine.explainNearestValid(toConfig(asked));
    } catch (error) {
      nearest = { config: toConfig(decodeHash('', this.#catalog).state), problem: problemOf(error) };
    }
    const notes = problems.map((p) => p.message);
    let state = asked;
    if (nearest) {
      state = { ...asked, ...nearest.config };
      notes.push(`${nearest.problem.message} ${changesText(asked, state)}`.trim());
    }
    // A pixel or window past what is drawn: the nearest one that is.
    const pixel = state.pixel.map((v, i) => Math.min(v, [state.height, state.width][i] - 1));
    if (pixel.some((v, i) => v !== state.pixel[i])) notes.push(`Showing pixel ${pixelLabel(pixel[0] * state.width + pixel[1])}.`);
    state = { ...state, pixel };
    this.#els.note.textContent = notes.join(' ');
    this.#els.note.hidden = notes.length === 0;
    this.#els.open.href = siteUrl('explain.html', encodeHash(state));
    const explanation = engine.explain(toConfig(state));
    this.#showPixel(state, explanation);
  }

  #showPixel(state, explanation) {
    const pixel = this.#engine.explainPixel(toConfig(state), state.pixel[0], state.pixel[1]);
    const windows = pixel.windows.length;
    const step = Math.min(Math.max(1, state.step), Math.max(1, windows));
    this.#shown = { state: { ...state, step }, explanation, pixel };
    drawFigures(this.#els, this.#engine, this.#shown, 'Click a pixel to select it.');
    this.dataset.status = 'idle';
  }

  #select(at) {
    const { state, explanation } = this.#shown;
    this.#showPixel({ ...state, pixel: at, step: 1 }, explanation);
  }

  #step(index) {
    const { state, explanation, pixel } = this.#shown;
    this.#shown.state = { ...state, step: index + 1 };
    const visit = pixel.windows[index] ?? null;
    this.#els.padded.visit = visit;
    if (state.layers.length > 1) drawDownstream(this.#els, this.#engine, state.colormap, explanation, visit);
  }

  #fail(error) {
    const message = `padlens could not draw this figure: ${problemOf(error).message}`;
    if (!this.#els) {
      this.textContent = message;
      return;
    }
    this.#els.note.textContent = message;
    this.#els.note.hidden = false;
    this.dataset.status = 'error';
  }
}

customElements.define('padlens-explainer', PadlensExplainerEmbed);
