// <padlens-profile>: a line plot of one or more profiles (the centre row or column of a map),
// drawn as SVG so that axis numbers are real text, and redrawn at the element's own width.

import { profileSvg } from '../../shared/draw.js';

class PadlensProfile extends HTMLElement {
  #plot = null; // {series, scale, xLabel, yLabel}
  #marker = null;
  #resize = new ResizeObserver(() => this.#draw());

  connectedCallback() {
    this.#resize.observe(this);
  }

  disconnectedCallback() {
    this.#resize.disconnect();
  }

  /**
   * @param {{series: import('./draw.js').Series[], scale: 'linear'|'log', xLabel: string, yLabel: string}} plot
   */
  plot(plot) {
    this.#plot = plot;
    this.#draw();
  }

  /** An x to mark (the pixel being read on a map), or null. */
  set marker(x) {
    if (x === this.#marker) return;
    this.#marker = x;
    this.#draw();
  }

  #draw() {
    if (!this.#plot || !this.clientWidth) return;
    const height = parseFloat(getComputedStyle(this).getPropertyValue('--profile-height')) || 180;
    this.innerHTML = profileSvg(this.#plot.series, {
      ...this.#plot,
      width: this.clientWidth,
      height,
      marker: this.#marker,
    });
  }
}

customElements.define('padlens-profile', PadlensProfile);
