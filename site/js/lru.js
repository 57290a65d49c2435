// A least-recently-used cache over a Map: the quads in memory (tilemap.js), label sprites
// (passes/labels.js), search shards and title details use it. `trim` evicts down to the
// capacity, calling `onEvict` so owners can free what an entry holds (an ImageBitmap, an index).

export class LRU {
  constructor(capacity, onEvict = null) {
    this.capacity = capacity;
    this.onEvict = onEvict;
    this.map = new Map();
  }
  get(key) {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  peek(key) {
    return this.map.get(key);
  }
  has(key) {
    return this.map.has(key);
  }
  set(key, value) {
    this.map.delete(key);
    this.map.set(key, value);
  }
  delete(key) {
    const value = this.map.get(key);
    if (value !== undefined && this.map.delete(key) && this.onEvict) this.onEvict(key, value);
  }
  /** Evict least recently used entries beyond capacity, except those `keep(key)` protects. */
  trim(keep = () => false) {
    if (this.map.size <= this.capacity) return;
    for (const key of [...this.map.keys()]) {
      if (this.map.size <= this.capacity) break;
      if (!keep(key)) this.delete(key);
    }
  }
  get size() {
    return this.map.size;
  }
  keys() {
    return this.map.keys();
  }
  values() {
    return this.map.values();
  }
}
