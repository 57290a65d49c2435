// Title and id search over the exporter's sharded index (search/manifest.json, search/t/,
// search/id/), downloading only the shards a query needs. Without an index, ids are still found
// through shingle's table<N>.json buckets (position and quad only).

import { LRU } from "./loader.js";
import { fileKey, headChars, tableHash, words } from "./text.js";

const ID_PATTERN = /^tt\d{1,12}$/i;

export class SearchIndex {
  constructor(loader, settings, mapInfo) {
    this.loader = loader;
    this.settings = settings;
    this.mapInfo = mapInfo;
    this.manifest = null;
    this.shards = new LRU(settings.maxCachedShards);
    this.stop = new Set();
  }

  async init() {
    try {
      const { data } = await this.loader.load("json", "search/manifest.json", -5);
      this.manifest = data;
      this.stop = new Set(data.stopwords || []);
      this.titleShards = data.titleShards || {};
      this.split = new Set(data.split || []);
    } catch (error) {
      console.warn(`no search index (${error.message}): title search is off, ids still work`);
    }
    return this.manifest !== null;
  }

  _shard(kind, name) {
    const cached = this.shards.get(name);
    if (cached) return cached;
    const promise = this.loader.load(kind, name, -2).then((r) => r.entries);
    this.shards.set(name, promise);
    promise.catch(() => this.shards.delete(name));
    return promise;
  }

  /** Title shard keys for one (normalised) query word. */
  shardKeys(word) {
    const has = (k) => Object.hasOwn(this.titleShards, k);
    const length = Array.from(word).length;
    // Walk down the split keys while the word is longer than the key.
    let key = headChars(word, 2);
    while (this.split.has(key) && length > Array.from(key).length) {
      key = headChars(word, Array.from(key).length + 1);
    }
    if (!this.split.has(key)) return has(key) ? [key] : [];
    // The word is a split prefix: its own shard (words that are exactly the key) plus the
    // shards one character longer that fit in the budget, biggest first (more specific once
    // another letter is typed).
    const keys = has(key) ? [key] : [];
    let total = keys.length ? this.titleShards[key] : 0;
    const n = Array.from(key).length + 1;
    const subs = Object.keys(this.titleShards)
      .filter((k) => k.startsWith(key) && Array.from(k).length === n)
      .sort((a, b) => this.titleShards[b] - this.titleShards[a]);
    for (const k of subs) {
      if (total + this.titleShards[k] > this.settings.searchShardBudget) continue;
      keys.push(k);
      total += this.titleShards[k];
    }
    return keys;
  }

  /**
   * Suggestions for what the user typed: [{id, title, year, quad, x, y, votes}], most voted
   * first. Every query word must start a word of the title (case and accents ignored).
   */
  async suggest(query) {
    const q = query.trim();
    if (ID_PATTERN.test(q)) {
      const found = await this.lookup([q.toLowerCase()]);
      const entry = found.get(q.toLowerCase());
      return entry ? [entry] : [];
    }
    if (!this.manifest) return [];
    const qwords = words(q);
    if (!qwords.length) return [];
    const content = qwords.filter((w) => !this.stop.has(w));
    const pool = content.length ? content : qwords;
    let pick = pool[0];
    for (const w of pool) if (Array.from(w).length > Array.from(pick).length) pick = w;
    const keys = this.shardKeys(pick);
    if (Array.from(pick).length < this.settings.searchMinChars && !keys.includes(pick)) return [];
    const lists = await Promise.all(keys.map((k) => this._shard("titles", `search/t/${fileKey(k)}.json`)));
    const seen = new Set();
    const out = [];
    for (const list of lists) {
      for (const e of list) {
        if (seen.has(e.id)) continue;
        if (qwords.every((w) => e.words.some((tw) => tw.startsWith(w)))) {
          seen.add(e.id);
          out.push(e);
        }
      }
    }
    if (lists.length > 1) out.sort((a, b) => b.votes - a.votes);
    return out.slice(0, this.settings.searchMaxResults);
  }

  _idFile(id) {
    const m = this.manifest;
    if (!m || !m.idShards) return null;
    const key = /last 4/.test(m.idKey || "") ? id.slice(0, -4) : String(tableHash(id, m.idShards));
    return `search/id/${fileKey(key)}.json`;
  }

  /**
   * Look ids up: Map id -> {id, title, year, quad, x, y, votes}. Search id shards when the index
   * has them, else shingle's table buckets (then `title` is null). Missing ids are absent.
   */
  async lookup(ids) {
    const out = new Map();
    const byFile = new Map();
    for (const id of ids) {
      const file = this._idFile(id);
      const key = file || `table${tableHash(id, this.mapInfo.symTableSize || 211)}.json`;
      if (!byFile.has(key)) byFile.set(key, []);
      byFile.get(key).push(id);
    }
    await Promise.all(
      [...byFile].map(async ([file, wanted]) => {
        try {
          if (file.startsWith("search/")) {
            const entries = await this._shard("ids", file);
            const want = new Set(wanted);
            for (const e of entries) if (want.has(e.id)) out.set(e.id, e);
          } else {
            const { data } = await this.loader.load("json", file, -2);
            for (const id of wanted) {
              const v = data[id];
              if (Array.isArray(v) && v.length >= 3) {
                out.set(id, { id, title: null, year: null, quad: String(v[2]).replace(/^quad_/, ""), x: +v[0], y: +v[1], votes: 0 });
              }
            }
          }
        } catch (error) {
          console.warn(`id look-up in ${file} failed: ${error.message}`);
        }
      }),
    );
    return out;
  }
}
