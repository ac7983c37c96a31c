// <padlens-share>: the toolbar beside each view (a map, a grid, a chart, a report) that
// copies the link reproducing it, downloads what it shows, and — when the page gives the
// snippets — offers them to embed it elsewhere. The page plugs in what it exports:
//
//   share.configure({
//     link: () => string,
//     downloads: () => [{label, filename, mime, make: () => Promise<Blob|Uint8Array|string>}],
//     embed: null | (() => ({ok: true, snippets: {element, iframe}} | {ok: false, reason})),
//   })
//
// Every callback is called when the reader acts, so what is copied or saved is what is on
// screen then. Shadow DOM with a linked stylesheet (share-menu.css): the strict CSP allows no
// inline styles, and the page's CSS variables still reach it.

/**
 * @typedef {object} Download
 * @property {string} label what the reader picks, e.g. "PNG — map with colour bar"
 * @property {string} filename
 * @property {string} mime
 * @property {() => Promise<Blob|Uint8Array|string>} make
 */

/**
 * @typedef {object} ShareConfig
 * @property {(() => string)|null} [link] the URL that reproduces exactly this view
 * @property {(() => Download[])|null} [downloads]
 * @property {(() => ({ok: true, snippets: {element: string, iframe: string}} | {ok: false, reason: string}))|null} [embed]
 *   the view's snippets (js/embed/shared/snippets.js), or why it cannot be embedded
 */

const STYLESHEET = new URL('./share-menu.css', import.meta.url).href;
let serial = 0;

/**
 * Saves `data` as a file named `filename`.
 * @param {Blob|Uint8Array|ArrayBuffer|string} data @param {string} filename @param {string} mime
 */
export function saveFile(data, filename, mime) {
  const blob = data instanceof Blob ? data : new Blob([data], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL is not needed after this task.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Copies `text`; false when the browser refuses (no permission, not a secure context).
 * @param {string} text @returns {Promise<boolean>}
 */
async function copyText(text) {
  try {
    if (!navigator.clipboard) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

class PadlensShare extends HTMLElement {
  /** @type {ShareConfig} */
  #config = { link: null, downloads: null, embed: null };
  #els = /** @type {Record<string, any>} */ ({});
  #noteTimer = 0;

  constructor() {
    super();
    const id = `share-${++serial}`;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `
      <link rel="stylesheet" href="${STYLESHEET}">
      <div class="bar" role="group">
        <button type="button" class="button" data-action="link" hidden>Copy link</button>
        <details class="downloads" hidden>
          <summary class="button">Download</summary>
          <ul class="menu" role="list"></ul>
        </details>
        <button type="button" class="button" data-action="embed" hidden>Embed</button>
        <span class="note" role="status" aria-live="polite"></span>
      </div>
      <label class="fallback" hidden>
        <span>Link to this view (copy it by hand):</span>
        <input type="text" readonly>
      </label>
      <dialog aria-labelledby="${id}-title">
        <h2 id="${id}-title">Embed this view</h2>
        <p class="embed-how">Put the element in a page that loads <code>padlens-embed.js</code>, or the iframe anywhere.</p>
        <p class="embed-reason" hidden></p>
        <div class="snippet">
          <label for="${id}-element">Element</label>
          <textarea id="${id}-element" readonly rows="3"></textarea>
          <button type="button" class="button" data-copy="${id}-element">Copy</button>
        </div>
        <div class="snippet">
          <label for="${id}-iframe">iframe</label>
          <textarea id="${id}-iframe" readonly rows="3"></textarea>
          <button type="button" class="button" data-copy="${id}-iframe">Copy</button>
        </div>
        <p class="note" role="status" aria-live="polite"></p>
        <form method="dialog"><button class="button">Close</button></form>
      </dialog>`;
    const q = (s) => root.querySelector(s);
    this.#els = {
      root,
      bar: q('.bar'),
      link: q('[data-action=link]'),
      details: q('details'),
      menu: q('.menu'),
      embed: q('[data-action=embed]'),
      note: q('.bar .note'),
      fallback: q('.fallback'),
      fallbackInput: q('.fallback input'),
      dialog: q('dialog'),
      dialogNote: q('dialog .note'),
      element: q(`#${id}-element`),
      iframe: q(`#${id}-iframe`),
    };
    this.#els.link.addEventListener('click', () => this.#copyLink());
    this.#els.embed.addEventListener('click', () => this.#openEmbed());
    // The list is built as it opens (the summary's click, by pointer or keyboard, comes before
    // the toggle): the downloads follow the state shown at that moment.
    this.#els.details.querySelector('summary').addEventListener('click', () => {
      if (!this.#els.details.open) this.#buildMenu();
    });
    this.#els.details.addEventListener('toggle', () => {
      if (this.#els.details.open) this.#els.menu.querySelector('button')?.focus();
    });
    this.#els.details.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.#els.details.open) {
        this.#els.details.open = false;
        this.#els.details.querySelector('summary').focus();
      }
    });
    this.#els.dialog.addEventListener('click', async (event) => {
      const id = event.target.closest('[data-copy]')?.dataset.copy;
      if (!id) return;
      const area = root.getElementById(id);
      const copied = await copyText(area.value);
      if (!copied) area.select();
      this.#els.dialogNote.textContent = copied ? 'Copied.' : 'The browser refused the clipboard: the snippet is selected, copy it by hand.';
    });
  }

  connectedCallback() {
    this.#label();
  }

  static get observedAttributes() {
    return ['label'];
  }

  attributeChangedCallback() {
    this.#label();
  }

  #label() {
    const what = this.getAttribute('label');
    this.#els.bar.setAttribute('aria-label', what ? `Share and export: ${what}` : 'Share and export');
    this.#els.details.querySelector('summary').setAttribute('aria-label', what ? `Download ${what}` : 'Download');
  }

  /** @param {ShareConfig} config */
  configure(config) {
    this.#config = { link: null, downloads: null, embed: null, ...config };
    this.#els.link.hidden = !this.#config.link;
    this.#els.details.hidden = !this.#config.downloads;
    this.#els.embed.hidden = !this.#config.embed;
  }

  #say(text) {
    clearTimeout(this.#noteTimer);
    this.#els.note.textContent = text;
    this.#noteTimer = setTimeout(() => {
      this.#els.note.textContent = '';
    }, 4000);
  }

  async #copyLink() {
    const url = this.#config.link();
    if (await copyText(url)) {
      this.#els.fallback.hidden = true;
      this.#say('Link copied');
      return;
    }
    // Refused (no permission, an insecure origin, an iframe without clipboard-write): the
    // link is shown, selected, to copy by hand.
    const { fallback, fallbackInput } = this.#els;
    fallbackInput.value = url;
    fallback.hidden = false;
    fallbackInput.focus();
    fallbackInput.select();
    this.#say('Copy the link below');
  }

  #buildMenu() {
    let downloads;
    try {
      downloads = this.#config.downloads?.() ?? [];
    } catch (error) {
      downloads = [];
      this.#say(`Nothing to download yet: ${error.message}`);
    }
    const items = downloads.map((download) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'item';
      button.dataset.filename = download.filename;
      const label = document.createElement('span');
      label.textContent = download.label;
      const name = document.createElement('small');
      name.textContent = download.filename;
      button.append(label, name);
      button.addEventListener('click', () => this.#download(download, button));
      li.append(button);
      return li;
    });
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'Nothing on screen to download yet.';
      items.push(li);
    }
    this.#els.menu.replaceChildren(...items);
  }

  /** @param {Download} download @param {HTMLButtonElement} button */
  async #download(download, button) {
    button.disabled = true;
    this.#say(`Preparing ${download.filename}…`);
    try {
      const data = await download.make();
      saveFile(data, download.filename, download.mime);
      this.#say(`Saved ${download.filename}`);
      this.#els.details.open = false;
      this.#els.details.querySelector('summary').focus();
    } catch (error) {
      this.#say(`Could not make ${download.filename}: ${error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  #openEmbed() {
    const made = this.#config.embed();
    const { dialog } = this.#els;
    // A view that holds the reader's own files cannot be embedded: the dialog says why.
    for (const part of dialog.querySelectorAll('.snippet, .embed-how')) part.hidden = !made.ok;
    const reason = dialog.querySelector('.embed-reason');
    reason.hidden = made.ok;
    reason.textContent = made.ok ? '' : made.reason;
    this.#els.element.value = made.ok ? made.snippets.element : '';
    this.#els.iframe.value = made.ok ? made.snippets.iframe : '';
    this.#els.dialogNote.textContent = '';
    dialog.showModal();
  }
}

customElements.define('padlens-share', PadlensShare);
