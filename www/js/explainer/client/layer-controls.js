// <padlens-layer>: the controls of one convolution layer (padding mode, kernel, stride,
// dilation, padding) and the place where the core's complaints about it are shown. It emits a
// bubbling `layer-change` whenever a control changes. Its choices, labels and the
// padding's range come from the core (the catalogue, and a function the page passes in); it
// computes none of them itself.

import { escapeXml } from '../../shared/draw.js';

const range = (n) => Array.from({ length: n }, (_, i) => i + 1);

class PadlensLayer extends HTMLElement {
  #els = {};
  /** @type {import('../shared/model.js').Catalog['modes']} */
  #modes = [];
  /** @type {(layer: import('../shared/model.js').Layer) => number|null} */
  #widest = () => null;

  /**
   * Builds the controls. Called once.
   * @param {object} core
   * @param {import('../shared/model.js').Catalog['modes']} core.modes the catalogue's padding modes
   * @param {import('../shared/model.js').Catalog['limits']['explainer']} core.limits
   * @param {(layer: import('../shared/model.js').Layer) => number|null} core.widestPadding the
   *   widest padding the core allows a layer of this kernel and dilation
   */
  init({ modes, limits, widestPadding }) {
    this.#modes = modes;
    this.#widest = widestPadding;
    const k = `l${this.getAttribute('index')}`;
    const choices = (name, title, values, hint) => `
      <div class="field" role="radiogroup" aria-labelledby="${k}-${name}-title" data-group="${name}">
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
          <select id="${k}-mode" data-control="mode" data-group="mode" aria-describedby="${k}-mode-hint">
            ${modes.map((m) => `<option value="${escapeXml(m.name)}">${escapeXml(m.label)}</option>`).join('')}
          </select>
          <p class="hint" id="${k}-mode-hint" data-role="mode-hint"></p>
        </div>
        ${choices('kernel', 'Kernel', range(limits.kernel), 'k × k')}
        <div class="two-up">
          ${choices('stride', 'Stride', range(limits.stride), 'step')}
          ${choices('dilation', 'Dilation', range(limits.dilation), 'gap')}
        </div>
        <div class="field">
          <label for="${k}-padding">Padding <span class="hint-inline">cells each side</span></label>
          <div class="stepper">
            <button type="button" data-step="-1" aria-label="Less padding">−</button>
            <input type="number" id="${k}-padding" data-control="padding" data-group="padding" min="0" step="1" inputmode="numeric" aria-describedby="${k}-padding-hint">
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
      const { control } = event.target.dataset;
      if (control) this.#changed(control);
    });
    this.#els.padding.addEventListener('input', () => {
      // Follow typing only while it is a whole number in range; `change` settles the rest.
      const { value, max } = this.#els.padding;
      if (/^\d+$/.test(value) && Number(value) <= Number(max)) this.#changed('padding');
    });
    for (const button of this.#els.steppers) {
      button.addEventListener('click', () => {
        this.#els.padding.value = String(Number(this.#els.padding.value) + Number(button.dataset.step));
        this.#changed('padding');
      });
    }
  }

  /**
   * The layer as the controls say, the padding as typed (a whole number, at least 0): whether
   * it is too wide is the core's to say, beside the field. Null until the controls have been
   * given a layer (the hidden second layer before stacking): generic readers of `.value`, such
   * as the accessibility tree axe builds of every element, must not meet an exception.
   * @returns {import('../shared/model.js').Layer|null}
   */
  get value() {
    if (!this.querySelector('[data-control=kernel]:checked')) return null;
    const checked = (name) => Number(this.querySelector(`[data-control=${name}]:checked`).value);
    return {
      kernel: checked('kernel'),
      stride: checked('stride'),
      dilation: checked('dilation'),
      padding: Math.max(0, Math.round(Number(this.#els.padding.value)) || 0),
      mode: this.#els.mode.value,
    };
  }

  /** @param {import('../shared/model.js').Layer} layer */
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

  /**
   * What is wrong with this layer (none: an empty list): the messages are shown below the
   * controls. With `mark`, the controls hold a value the core refused: the ones the problems
   * are about (their `field`) are marked invalid — the mode too when the padding mode is at
   * fault (reflect wider than the input).
   * @param {{message: string, field?: string|null, subject?: string}[]} problems
   * @param {boolean} mark
   */
  report(problems, mark) {
    const { error } = this.#els;
    error.hidden = problems.length === 0;
    error.textContent = problems.map((p) => p.message).join(' ');
    const faulty = new Set(mark ? problems.flatMap((p) => [p.field, p.subject === 'padding' ? 'mode' : null]) : []);
    for (const control of this.querySelectorAll('[data-group]')) {
      const bad = faulty.has(control.dataset.group);
      control.toggleAttribute('aria-invalid', bad);
      if (bad) control.setAttribute('aria-errormessage', error.id);
      else control.removeAttribute('aria-errormessage');
    }
  }

  /** @param {string} control which control changed */
  #changed(control) {
    let layer = this.value;
    // The padding's range follows the kernel and dilation: narrowing them narrows it too.
    if (control === 'kernel' || control === 'dilation') {
      const widest = this.#widest(layer);
      if (widest !== null && layer.padding > widest) layer = { ...layer, padding: widest };
    }
    this.#els.padding.value = String(layer.padding);
    this.#sync(layer);
    this.dispatchEvent(new CustomEvent('layer-change', { bubbles: true }));
  }

  /** The hints and the padding's range, which follow from the other controls. */
  #sync(layer) {
    const { modeHint, padding, paddingHint, steppers } = this.#els;
    const mode = this.#modes.find((m) => m.name === layer.mode);
    modeHint.textContent = mode ? `${mode.does} ${mode.effect}` : '';
    const widest = this.#widest(layer);
    padding.max = widest === null ? '' : String(widest);
    // A mode that sets its own amounts (valid, full) ignores the field: it would only mislead.
    const own = mode?.amounts === 'own';
    padding.disabled = !own;
    steppers[0].disabled = !own || layer.padding <= 0;
    steppers[1].disabled = !own || (widest !== null && layer.padding >= widest);
    if (widest === null) paddingHint.textContent = '';
    else if (own) {
      const keepsSize = widest % 2 === 0 ? ` Padding ${widest / 2} keeps the size at stride 1.` : '';
      paddingHint.textContent = `0 to ${widest} for this kernel and dilation.${keepsSize}`;
    } else {
      const amount = mode?.amounts === 'full' ? widest : 0;
      paddingHint.textContent = `The ${layer.mode} mode pads ${amount} each side, whatever this says.`;
    }
  }
}

customElements.define('padlens-layer', PadlensLayer);
