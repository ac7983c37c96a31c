// <padlens-config>: the controls of one configuration (network, input size, padding, depth)
// and the place where its errors are shown. The page has one, or two in compare mode. It
// emits `config-change` whenever a control changes; it never computes anything itself.

import { escapeXml } from '../../shared/draw.js';

/** The spec the "custom" choice starts from: a small network with uneven strided padding. */
const EXAMPLE_SPEC = `{"name": "tiny", "layers": [
  {"type": "conv", "name": "stem", "kernel": 7, "stride": 2, "padding": 3},
  {"type": "max_pool", "name": "pool", "kernel": 3, "stride": 2, "padding": 1},
  {"type": "residual", "name": "block", "main": [
    {"type": "conv", "kernel": 3, "padding": 1},
    {"type": "conv", "kernel": 3, "padding": 1}
  ]},
  {"type": "conv", "name": "down", "kernel": 3, "stride": 2, "padding": 1}
]}`;

/**
 * The zoo as `<optgroup>`s of `<option>`s, one group per family (the core's).
 * @param {{name: string, family: string}[]} zoo @returns {string} HTML
 */
export function archOptions(zoo) {
  const families = new Map();
  for (const entry of zoo) families.set(entry.family, [...(families.get(entry.family) ?? []), entry]);
  return [...families]
    .map(([family, entries]) =>
      `<optgroup label="${escapeXml(family)}">${entries
        .map((e) => `<option value="${escapeXml(e.name)}">${escapeXml(e.name)}</option>`)
        .join('')}</optgroup>`)
    .join('');
}

/**
 * "As defined by the network" and the core's padding modes, as `<option>`s.
 * @param {{name: string, label: string}[]} modes @param {string} [own] the first option's text
 * @returns {string} HTML
 */
export function modeOptions(modes, own = 'as defined by the network') {
  return `<option value="">${escapeXml(own)}</option>${modes
    .map((m) => `<option value="${escapeXml(m.name)}">${escapeXml(m.label)}</option>`)
    .join('')}`;
}

/** "1 layer", "3 layers". @param {number} n */
export const layers = (n) => `${n} layer${n === 1 ? '' : 's'}`;

const PRESETS = [224, 225, 512];
const SLIDER_MAX = 1024;

/**
 * @typedef {object} Config
 * @property {string} arch a zoo name, or 'custom' for `spec`
 * @property {string} spec the custom network spec (JSON text)
 * @property {number} height @property {number} width NaN when the field is not a number
 * @property {boolean} linked height and width move together
 * @property {string|null} mode a padding mode, or null for the network's own
 * @property {number|null} depth the first `depth` top-level layers, or null for all
 */

class PadlensConfig extends HTMLElement {
  #catalog = null;
  #layerNames = null;
  // The depth the user chose; kept while the layer names are unknown (the slider's range is
  // not set yet) so that a depth from a link survives until the names arrive.
  #wantedDepth = null;
  #linked = true;
  // An architecture or padding mode from a link that the menu lacks (the engine says why).
  #unknownArch = '';
  #unknownMode = null;
  #errorKey = ''; // the error on show, so that showing it again writes nothing
  #els = {};

  /**
   * Builds the controls. Called once, with the core's catalog (src/catalog.rs).
   * @param {{zoo: {name: string, family: string, description: string}[], modes: {name: string, label: string}[], limits: {max_side: number}}} catalog
   */
  init(catalog) {
    this.#catalog = catalog;
    const k = this.getAttribute('key');
    const sizeRow = (axis, label) => `
      <label for="${k}-${axis}" class="size-label">${label}</label>
      <input type="range" id="${k}-${axis}-range" data-axis="${axis}" min="1" max="${SLIDER_MAX}" step="1" aria-label="${label} (slider)">
      <input type="number" id="${k}-${axis}" data-axis="${axis}" min="1" max="${catalog.limits.max_side}" step="1" inputmode="numeric" class="size-number">`;
    this.innerHTML = `
      <fieldset class="config" id="config-${k}">
        <legend data-role="legend"></legend>
        <div class="field">
          <label for="${k}-arch">Architecture</label>
          <select id="${k}-arch" data-control="arch" aria-describedby="${k}-arch-hint">
            ${archOptions(catalog.zoo)}
            <optgroup label="Your own"><option value="custom">custom spec…</option></optgroup>
          </select>
          <p class="hint" id="${k}-arch-hint" data-role="arch-hint"></p>
          <p class="error" id="${k}-error-network" data-role="error" data-subject="network" role="alert" hidden></p>
        </div>
        <div class="field" data-role="spec-field" hidden>
          <label for="${k}-spec">Network spec (JSON)</label>
          <textarea id="${k}-spec" data-control="spec" rows="10" spellcheck="false" autocapitalize="off" autocomplete="off"></textarea>
          <p class="hint">Layers: <code>conv</code>, <code>max_pool</code>, <code>avg_pool</code>, <code>global_pool</code>, <code>residual</code>, <code>concat</code>; <code>kernel</code>, <code>stride</code>, <code>dilation</code>, <code>padding</code>, <code>padding_mode</code>, <code>ceil_mode</code>.</p>
        </div>
        <div class="field" role="group" aria-labelledby="${k}-size-title">
          <div class="field-head">
            <span id="${k}-size-title" class="field-title">Input size (pixels)</span>
            <span class="presets" role="group" aria-label="Square size presets">
              ${PRESETS.map((p) => `<button type="button" class="preset" data-preset="${p}" aria-label="Set height and width to ${p}">${p}</button>`).join('')}
            </span>
          </div>
          <div class="size-grid">
            ${sizeRow('height', 'Height')}
            <button type="button" class="link" data-control="link" aria-pressed="true" title="Height and width move together" aria-label="Link height and width">
              <svg viewBox="0 0 16 30" width="16" height="30" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.6"><rect class="chain-top" x="4" y="3" width="8" height="13" rx="4"/><rect class="chain-bottom" x="4" y="14" width="8" height="13" rx="4"/></svg>
            </button>
            ${sizeRow('width', 'Width')}
          </div>
          <p class="hint" data-role="size-hint"></p>
          <p class="error" id="${k}-error-size" data-role="error" data-subject="size" role="alert" hidden></p>
        </div>
        <div class="field">
          <label for="${k}-mode">Padding</label>
          <select id="${k}-mode" data-control="mode">${modeOptions(catalog.modes)}</select>
          <p class="error" id="${k}-error-padding" data-role="error" data-subject="padding" role="alert" hidden></p>
        </div>
        <div class="field">
          <label for="${k}-depth">Depth</label>
          <input type="range" id="${k}-depth" data-control="depth" min="1" max="1" step="1" aria-describedby="${k}-depth-text">
          <output id="${k}-depth-text" for="${k}-depth" class="hint" data-role="depth-text"></output>
          <p class="error" id="${k}-error-depth" data-role="error" data-subject="depth" role="alert" hidden></p>
        </div>
      </fieldset>`;
    const q = (s) => this.querySelector(s);
    this.#els = {
      legend: q('[data-role=legend]'),
      arch: q('[data-control=arch]'),
      archHint: q('[data-role=arch-hint]'),
      specField: q('[data-role=spec-field]'),
      spec: q('[data-control=spec]'),
      link: q('[data-control=link]'),
      mode: q('[data-control=mode]'),
      depth: q('[data-control=depth]'),
      depthText: q('[data-role=depth-text]'),
      sizeHint: q('[data-role=size-hint]'),
      errors: Object.fromEntries([...this.querySelectorAll('[data-role=error]')].map((el) => [el.dataset.subject, el])),
      number: { height: q(`#${k}-height`), width: q(`#${k}-width`) },
      range: { height: q(`#${k}-height-range`), width: q(`#${k}-width-range`) },
    };
    this.addEventListener('input', (event) => this.#onInput(event));
    this.addEventListener('click', (event) => this.#onClick(event));
  }

  set legend(text) {
    this.#els.legend.textContent = text;
  }

  /** @returns {Config} */
  get value() {
    const { arch, spec, number, mode } = this.#els;
    return {
      arch: arch.value || this.#unknownArch,
      spec: spec.value,
      height: number.height.value.trim() === '' ? NaN : Number(number.height.value),
      width: number.width.value.trim() === '' ? NaN : Number(number.width.value),
      linked: this.#linked,
      mode: mode.value || this.#unknownMode,
      depth: this.#wantedDepth,
    };
  }

  /** @param {Config} config */
  set value(config) {
    const { arch, spec, mode } = this.#els;
    // A name this build lacks selects nothing, but is still what is asked for, so that the
    // engine names it in its message and draws the nearest view (app.js applies it).
    arch.value = config.arch;
    this.#unknownArch = arch.value === config.arch ? '' : config.arch;
    spec.value = config.spec;
    mode.value = config.mode ?? '';
    // Likewise a padding mode the menu lacks: the engine names it and draws the network's own.
    this.#unknownMode = mode.value === (config.mode ?? '') ? null : config.mode;
    this.#setSize('height', config.height);
    this.#setSize('width', config.width);
    this.#setLinked(config.linked);
    this.#wantedDepth = config.depth;
    this.#syncArch();
    this.#syncDepth();
  }

  /** The top-level layer names of the current architecture (null while unknown). */
  set layerNames(names) {
    // The same network's names again (a new size or padding): nothing to redo.
    if (this.#layerNames && names && names.length === this.#layerNames.length && names.every((n, i) => n === this.#layerNames[i])) return;
    this.#layerNames = names;
    this.#syncDepth();
  }

  /**
   * The sizes the network takes at this padding and depth, as a hint under the size.
   * @param {{network: string, minimum: [number, number]|null, largest: number}|null} limits
   */
  set sizeLimits(limits) {
    const { sizeHint } = this.#els;
    if (!limits?.minimum) {
      sizeHint.textContent = '';
      return;
    }
    const [h, w] = limits.minimum;
    const smallest = h === w ? `${h}` : `${h} (height), ${w} (width)`;
    const text = `${limits.network} takes ${smallest} to ${limits.largest} px per side here.`;
    if (sizeHint.textContent !== text) sizeHint.textContent = text;
  }

  /**
   * Shows an error beside the control it is about (its `subject`), or hides it (null), and
   * marks that control invalid.
   * @param {{message: string, subject: string}|null} problem `subject` comes from the core
   *   (network, size, padding, depth; anything else goes with the size), or from the page's
   *   own checks
   */
  set error(problem) {
    const key = problem ? `${problem.subject}:${problem.message}` : '';
    if (key === this.#errorKey) return;
    this.#errorKey = key;
    const { errors, arch, spec, mode, depth, number } = this.#els;
    const subject = problem && (problem.subject in errors ? problem.subject : 'size');
    for (const [key, element] of Object.entries(errors)) {
      element.hidden = key !== subject;
      element.textContent = key === subject ? problem.message : '';
    }
    const controls = { network: [arch, spec], size: [number.height, number.width], padding: [mode], depth: [depth] };
    for (const [key, list] of Object.entries(controls)) {
      for (const control of list) {
        control.toggleAttribute('aria-invalid', key === subject);
        if (key === subject) control.setAttribute('aria-errormessage', errors[key].id);
        else control.removeAttribute('aria-errormessage');
      }
    }
  }

  #syncArch() {
    const { arch, archHint, specField, spec } = this.#els;
    const custom = arch.value === 'custom';
    specField.hidden = !custom;
    if (custom && !spec.value.trim()) spec.value = EXAMPLE_SPEC;
    archHint.textContent = custom
      ? 'Describe a network in JSON; the map updates as you type.'
      : (this.#catalog.zoo.find((e) => e.name === arch.value)?.description ?? '');
  }

  #syncDepth() {
    const { depth, depthText } = this.#els;
    const names = this.#layerNames;
    depth.disabled = !names;
    if (!names) {
      depthText.textContent = this.#wantedDepth === null ? 'all layers' : `first ${layers(this.#wantedDepth)}`;
      return;
    }
    const total = names.length;
    depth.max = String(total);
    depth.value = String(this.#wantedDepth ?? total);
    const d = this.#wantedDepth ?? total;
    const last = names[Math.min(d, total) - 1];
    depthText.textContent = this.#wantedDepth === null
      ? `all ${layers(total)}, through ${last}`
      : `first ${d} of ${layers(total)}, through ${d <= total ? last : '—'}`;
    depth.setAttribute('aria-valuetext', depthText.textContent);
  }

  #setSize(axis, value) {
    const text = Number.isFinite(value) ? String(value) : '';
    if (this.#els.number[axis].value !== text) this.#els.number[axis].value = text;
    if (Number.isFinite(value)) this.#els.range[axis].value = String(value);
  }

  #setLinked(linked) {
    this.#linked = linked;
    this.#els.link.setAttribute('aria-pressed', String(linked));
    this.#els.link.title = linked ? 'Height and width move together (click to unlink)' : 'Height and width move separately (click to link)';
  }

  #emit() {
    this.dispatchEvent(new CustomEvent('config-change', { bubbles: true }));
  }

  #onInput(event) {
    const target = event.target;
    const axis = target.dataset.axis;
    if (axis) {
      const value = target.value.trim() === '' ? NaN : Number(target.value);
      this.#setSize(axis, value);
      if (this.#linked) this.#setSize(axis === 'height' ? 'width' : 'height', value);
    } else if (target === this.#els.mode) {
      this.#unknownMode = null;
    } else if (target === this.#els.arch) {
      this.#unknownArch = '';
      // Depths are per network: a new one starts with all of its layers.
      this.#wantedDepth = null;
      this.#layerNames = null;
      this.#syncArch();
      this.#syncDepth();
    } else if (target === this.#els.depth) {
      const d = Number(target.value);
      this.#wantedDepth = d >= this.#layerNames.length ? null : d;
      this.#syncDepth();
    }
    this.#emit();
  }

  #onClick(event) {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.dataset.preset) {
      const size = Number(button.dataset.preset);
      this.#setSize('height', size);
      this.#setSize('width', size);
    } else if (button === this.#els.link) {
      this.#setLinked(!this.#linked);
      if (this.#linked) this.#setSize('width', this.value.height);
    } else {
      return;
    }
    this.#emit();
  }
}

customElements.define('padlens-config', PadlensConfig);
