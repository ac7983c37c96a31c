// A small least-recently-used cache for workers: parsed networks, maps, reports. A Map
// iterates in insertion order, so its first key is the least recently used.

export class Lru {
  #capacity;
  #dispose;
  #entries = new Map();

  /**
   * @param {number} capacity entries kept
   * @param {(value: any) => void} [dispose] called with each evicted value (to free a WASM object)
   */
  constructor(capacity, dispose = () => {}) {
    this.#capacity = capacity;
    this.#dispose = dispose;
  }

  /**
   * The value under `key`, made by `make()` if absent; it becomes the most recently used.
   * @template T @param {string} key @param {() => T} make @returns {T}
   */
  get(key, make) {
    if (this.#entries.has(key)) {
      const value = this.#entries.get(key);
      this.#entries.delete(key);
      this.#entries.set(key, value);
      return value;
    }
    const value = make();
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const [oldest, evicted] = this.#entries.entries().next().value;
      this.#entries.delete(oldest);
      this.#dispose(evicted);
    }
    return value;
  }

  /** Drops every entry (disposing of each). */
  clear() {
    for (const value of this.#entries.values()) this.#dispose(value);
    this.#entries.clear();
  }

  /** Whether `value` is one of the cached values. */
  holds(value) {
    for (const v of this.#entries.values()) if (v === value) return true;
    return false;
  }
}
