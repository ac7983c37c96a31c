// <padlens-layer>: the controls of one convolution layer (padding mode, kernel, stride,
// dilation, padding) and the place where the core's complaints about it are shown. It emits a
// bubbling `layer-change` whenever a control changes; it computes nothing itself.

import { escapeXml } from '../draw.js';
import { LIMITS, MODE_INFO, effectivePadding, maxPadding } from './model.js';

const range = (n) => Array.from({ length: n }, (_, i) => i + 1);

class PadlensLayer extends HTMLElement {
  #els = {};

  /**
   * Builds the controls. Called once, with the core's padding modes.
   * @param {string[]} modes
   */
  init(modes) {
    const k = `l${this.getAttribute('index')}`;
    const choices = (name, title, values, hint) => `
      <div class="field" role="radiogroup" aria-labelledby="${k}-${name}-title">
        <span class="field-title" id="${k}-${name}-title">${title} <span class="hint-inline">${hint}</span></span>
        <div class="segmented segmented-lg">
          ${values.map((v) => `<input type="radio" name="${k}-${name}" id="${k}-${name}-${v}" value="${v}" data-control="${name}"><label for="${k}-${name}-${v}">${v}</label>`).join('')}
        </div>
      </div>`;
    this.innerHTML = `
      <fieldset class="ex-layer" id="${k}">
        <legend>${escapeXml(this.getAttribute('legend') ?? 'Layer')}</legend>
        <div class="field">
          <label for="${k}-mode">Padding mode</label>
          <select id="${k}-mode" data-control="mode" aria-describedby="${k}-mode-hint">
            ${modes.map((m) => `<option value="${escapeXml(m)}">${escapeXml(MODE_INFO[m]?.label ?? m)}</option>`).join('')}
          </select>
          <p class="hint" id="${k}-mode-hint" data-role="mode-hint"></p>
        </div>
        ${choices('kernel', 'Kernel', range(LIMITS.kernel), 'k × k')}
        <div class="two-up">
          ${choices('stride', 'Stride', range(LIMITS.stride), 'step')}
          ${choices('dilation', 'Dilation', range(LIMITS.dilation), 'gap')}
        </div>
        <div class="field">
          <label for="${k}-padding">Padding <span class="hint-inline">cells each side</span></label>
          <div class="stepper">
            <button type="button" data-step="-1" aria-label="Less padding">−</button>
            <input type="number" id="${k}-padding" data-control="padding" min="0" step="1" inputmode="numeric" aria-describedby="${k}-padding-hint">
            <button type="button" data-step="1" aria-label="More padding">+</button>
          </div>
          <p class="hint" id="${k}-padding-hint" data-role="padding-hint"></p>
        </div>
        <p class="hint" data-role="sizes"></p>
        <p class="error" id="${k}-error" data-role="error" role="alert" hidden></p>
      </fieldset>`;
    const q = (s) => this.querySelector(s);
    this.#els = {
      mode: q('[data-control=mode]'),
      modeHint: q('[data-role=mode-hint]'),
      padding: q('[data-control=padding]'),
      paddingHint: q('[data-role=padding-hint]'),
      steppers: this.querySelectorAll('[data-step]'),
      sizes: q('[data-role=sizes]'),
      error: q('[data-role=error]'),
    };
    this.addEventListener('change', (event) => {
      if (event.target.dataset.control) this.#changed();
    });
    this.#els.padding.addEventListener('input', () => {
      // Follow typing only while it is a whole number in range; `change` settles the rest.
      const { value, max } = this.#els.padding;
      if (/^\d+$/.test(value) && Number(value) <= Number(max)) this.#changed();
    });
    for (const button of this.#els.steppers) {
      button.addEventListener('click', () => {
        this.#els.padding.value = String(Number(this.#els.padding.value) + Number(button.dataset.step));
        this.#changed();
      });
    }
  }

  /** @returns {import('./model.js').Layer} */
  get value() {
    const checked = (name) => Number(this.querySelector(`[data-control=${name}]:checked`).value);
    const layer = {
      kernel: checked('kernel'),
      stride: checked('stride'),
      dilation: checked('dilation'),
      padding: 0,
      mode: this.#els.mode.value,
    };
    const typed = Math.round(Number(this.#els.padding.value));
    layer.padding = Math.min(maxPadding(layer), Math.max(0, Number.isFinite(typed) ? typed : 0));
    return layer;
  }

  /** @param {import('./model.js').Layer} layer */
  set value(layer) {
    for (const name of ['kernel', 'stride', 'dilation']) {
      this.querySelector(`[data-control=${name}][value="${layer[name]}"]`).checked = true;
    }
    this.#els.mode.value = layer.mode;
    this.#els.padding.value = String(layer.padding);
    this.#sync(layer);
  }

  /**
   * The sizes the layer reads and writes, from the last good view.
   * @param {{input: number[], output: number[]}|null} sizes
   */
  set sizes(sizes) {
    this.#els.sizes.textContent = sizes
      ? `Reads ${sizes.input[0]}×${sizes.input[1]}, writes ${sizes.output[0]}×${sizes.output[1]}.`
      : '';
  }

  /** The core's complaint about this layer, or null. */
  set error(message) {
    const { error, mode, padding } = this.#els;
    error.hidden = !message;
    error.textContent = message ?? '';
    for (const control of [mode, padding]) {
      control.toggleAttribute('aria-invalid', Boolean(message));
      if (message) control.setAttribute('aria-errormessage', error.id);
      else control.removeAttribute('aria-errormessage');
    }
  }

  #changed() {
    const layer = this.value;
    this.#els.padding.value = String(layer.padding);
    this.#sync(layer);
    this.dispatchEvent(new CustomEvent('layer-change', { bubbles: true }));
  }

  /** The hints and limits that follow from the other controls. */
  #sync(layer) {
    const { modeHint, padding, paddingHint, steppers } = this.#els;
    const info = MODE_INFO[layer.mode];
    modeHint.textContent = info ? `${info.does} ${info.effect}` : '';
    const widest = maxPadding(layer);
    padding.max = String(widest);
    // VALID and FULL choose their own amounts: the field would only mislead.
    const own = layer.mode !== 'valid' && layer.mode !== 'full';
    padding.disabled = !own;
    steppers[0].disabled = !own || layer.padding <= 0;
    steppers[1].disabled = !own || layer.padding >= widest;
    const keepsSize = widest % 2 === 0 ? ` Padding ${widest / 2} keeps the size at stride 1.` : '';
    paddingHint.textContent = own
      ? `0 to ${widest} (the dilated kernel's width minus one).${keepsSize}`
      : `${layer.mode === 'valid' ? 'Valid' : 'Full'} pads ${effectivePadding(layer)} each side, whatever this says.`;
  }
}

customElements.define('padlens-layer', PadlensLayer);
