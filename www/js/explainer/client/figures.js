// The explainer's figures for one state: the padded input of layer 1, the count map (and, for
// two layers, layer 1's counts alone and what each of its outputs is worth downstream), and
// the step-through of the selected pixel. explain.html draws them beside its controls;
// <padlens-explainer> (js/embed) draws the same ones in a blog post.

import { paddingNote, pixelLabel } from '../shared/model.js';
import { countText } from './svg.js';

/**
 * @typedef {object} Figures the elements drawn into
 * @property {HTMLElement} padded a <padlens-padded-grid>
 * @property {HTMLElement} counts @property {HTMLElement} firstCounts @property {HTMLElement} downstream <padlens-count-grid>s
 * @property {HTMLElement} steps a <padlens-steps>
 */

/**
 * @typedef {object} Shown what the figures show
 * @property {import('../shared/model.js').State} state
 * @property {object} explanation the core's Explanation of the state's layers
 * @property {object} pixel the core's PixelExplanation of the selected pixel
 */

/** A count map as the grid elements take it, coloured on the core's colour bar. */
function countMap(engine, colormap, values, height, width, selected, label) {
  const colorbar = engine.colorbar(colormap, 256);
  const rgba = engine.colourValues(values, { colormap, reference: 'max', scale: 'linear' });
  return { values, height, width, rgba, colorbar, selected, label };
}

/**
 * A layer in a few words, with the padding its mode actually gives it (the core's resolved
 * amount, which valid and full choose themselves).
 * @param {import('../shared/model.js').Layer} layer @param {object} view the core's view of the layer
 */
export function describeLayer(layer, view) {
  const parts = [`${layer.kernel}×${layer.kernel}`];
  if (layer.stride > 1) parts.push(`stride ${layer.stride}`);
  if (layer.dilation > 1) parts.push(`dilation ${layer.dilation}`);
  parts.push(`pad ${view.axes[0].before}`, layer.mode);
  return parts.join(', ');
}

/**
 * Draws every figure of `shown`.
 * @param {Figures} els @param {object} engine engine.js's API @param {Shown} shown
 * @param {string} moveHint how the reader moves the selected pixel, for screen readers
 */
export function drawFigures(els, engine, { state, explanation, pixel }, moveHint) {
  const { height, width, layers, colormap } = state;
  const label = (row, column) => pixelLabel(row * width + column);
  const name = label(...state.pixel);
  const stacked = layers.length > 1;
  const index = state.pixel[0] * width + state.pixel[1];
  const count = explanation.counts[index];
  const first = explanation.layers[0];

  els.padded.caption = `${height}×${width} input, ${describeLayer(layers[0], first)}: padded to ${first.padded_size[0]}×${first.padded_size[1]}`;
  els.padded.show(first, label, state.pixel);
  els.padded.note = paddingNote(first.axes);
  els.padded.description = `Padded input of layer 1, ${first.padded_size[0]} by ${first.padded_size[1]} cells; pixel ${name} is outlined wherever it appears.`;

  els.counts.heading = stacked ? 'Count map, both layers' : 'Count map';
  els.counts.caption = stacked
    ? 'how many operations of the two layers read each pixel'
    : 'how many convolution operations read each pixel';
  els.counts.show({
    ...countMap(engine, colormap, explanation.counts, height, width, state.pixel, (i) => pixelLabel(i)),
    description: `Count map. Selected pixel ${name}, row ${state.pixel[0]}, column ${state.pixel[1]}, count ${countText(count)}. ${moveHint}`,
  });

  els.firstCounts.hidden = els.downstream.hidden = !stacked;
  const visit = pixel.windows[state.step - 1] ?? null;
  if (stacked) {
    els.firstCounts.caption = 'the counts before layer 2 compounds them';
    els.firstCounts.show({
      ...countMap(engine, colormap, explanation.first_layer_counts, height, width, state.pixel, (i) => pixelLabel(i)),
      description: `Count map of layer 1 alone. Selected pixel ${name}, count ${countText(explanation.first_layer_counts[index])}. ${moveHint}`,
    });
    drawDownstream(els, engine, colormap, explanation, visit);
  }

  els.steps.show(
    { name, pixel: state.pixel, explanation: pixel, count, kernel: layers[0].kernel, partial: layers[0].mode === 'partial', stacked },
    state.step - 1,
  );
  els.padded.visit = visit;
}

/**
 * What each output of layer 1 is worth downstream: the core's count map of layer 2 on layer
 * 1's output — the same numbers the windows carry as `downstream` — with the current
 * window's output outlined.
 * @param {Figures} els @param {object} engine @param {string} colormap
 * @param {object} explanation @param {object|null} visit the window on show
 */
export function drawDownstream(els, engine, colormap, explanation, visit) {
  const [h, w] = explanation.layers[0].output;
  els.downstream.caption = `layer 1's ${h}×${w} output: how many operations of layer 2 read each cell`;
  els.downstream.show({
    ...countMap(engine, colormap, explanation.downstream, h, w, visit ? visit.output : null, null),
    description: `Downstream counts of layer 1's outputs${visit ? `; current window's output (${visit.output.join(', ')}) is outlined` : ''}.`,
  });
}

/**
 * The step-through's keys (its hint names them): `[` and `]` step, space plays or pauses,
 * except where a form control, button or link takes the key itself.
 * @param {KeyboardEvent} event @param {HTMLElement} steps the <padlens-steps>
 */
export function stepKeys(event, steps) {
  const target = event.target;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (target.closest('input, select, textarea')) return;
  if (event.key === '[' || event.key === ']') {
    event.preventDefault();
    if (event.key === '[') steps.previous();
    else steps.next();
  } else if (event.key === ' ' && !target.closest('button, a, summary')) {
    event.preventDefault();
    steps.toggle();
  }
}
