// Title and id search over the exporter's sharded index (search/manifest.json, search/t/,
// search/id/), downloading only the shards a query needs. Without an index, ids are still found
// through shingle's table<N>.json buckets (position and quad only).

import { LRU } from "./lru.js";
import { fileKey, headChars, tableHash, words } from "./text.js";

// IMDb ids, and TMDb ids of titles TMDb knows no IMDb id for ("tmdb:603").
const ID_PATTERN = /^(tt\d{1,12}|tmdb:\d{1,10})$/i;

export class SearchIndex {
  constructor(loader, settings, mapInfo) {
    this.loader = loader;
    this.settings = settings;
    this.mapInfo = mapInfo;
    this.manifest = null;
    this.shards = new LRU(settings.maxCachedShards);
    this.stop = new Set();
    this.split = new Set();
    this.paired = new Set();
  }

  async init() {
    try {
      const { data } = await this.loader.load("json", "search/manifest.json", -5);
      this.manifest = data;
      this.stop = new Set(data.stopwords || []);
      this.titleShards = data.titleShards || {};
      this.split = new Set(data.split || []);
      this.paired = new Set(data.paired || []);
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

  /**
   * Title shard keys for a query's (normalised) words, the word to look up first in front.
   * A key is space-separated segments (the exporter's _split_shards): walk down the split
   * keys while the word is longer than the key's last segment; at a "paired" key, the shard
   * of titles with exactly that word is too big and is grouped by their other words, so the
   * next query word picks the group.
   */
  shardKeys(order, j = 0, base = "") {
    const has = (k) => Object.hasOwn(this.titleShards, k);
    const word = order[j];
    const length = Array.from(word).length;
    let n = j === 0 ? 2 : 1;
    let key = base + headChars(word, n);
    while (this.split.has(key) && length > n) key = base + headChars(word, ++n);
    const isSplit = this.split.has(key);
    const subs = isSplit ? this._subShards(key) : [];
    const next = order[j + 1];
    // Every title of the key's shard matches a next word that starts an earlier one: the
    // shard's most voted titles are then the answer, and grouping by it would not narrow.
    if (this.paired.has(key) && next !== undefined && !order.slice(0, j + 1).some((w) => w.startsWith(next))) {
      return [...this.shardKeys(order, j + 1, `${key} `), ...subs];
    }
    return [...(has(key) ? [key] : []), ...subs];
  }

  /**
   * A split key's longer shards (its word goes on), shortest keys first, then biggest, as
   * many as fit in the budget with its own shard: the query word is exactly the key, so titles
   * with longer words match too. A split key may have no shard of its own ("titl" when every
   * such word is "title"), so this looks past the next character.
   */
  _subShards(key) {
    let total = Object.hasOwn(this.titleShards, key) ? this.titleShards[key] : 0;
    const n = Array.from(key).length;
    const subs = Object.keys(this.titleShards)
      .filter((k) => k.length > key.length && k.startsWith(key) && !k.slice(key.length).includes(" "))
      .map((k) => [k, Array.from(k).length - n])
      .sort((a, b) => a[1] - b[1] || this.titleShards[b[0]] - this.titleShards[a[0]]);
    const keys = [];
    for (const [k] of subs) {
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
    // The longest word that is not a stop word first, then the others, longest first.
    const len = (w) => Array.from(w).length;
    const order = [...new Set(qwords)].sort((a, b) => this.stop.has(a) - this.stop.has(b) || len(b) - len(a));
    const pick = order[0];
    const keys = this.shardKeys(order);
    if (len(pick) < this.settings.searchMinChars && !keys.includes(pick)) return [];
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

  // --- exact look-ups for imports (ratings-import.js); the ranking above does not use them --

  /** The file `lookup` reads `id` from: ids of one group are best looked up together. */
  idGroup(id) {
    return this._idFile(id) || this.bucketOf(id);
  }

  /** The table bucket (shingle's table<N>.json) that holds `id`. */
  bucketOf(id) {
    return `table${tableHash(id, this.mapInfo.symTableSize || 211)}.json`;
  }

  /** Which of `ids` (all of one bucket) are on the map: Set of ids. The map's few table
   * buckets cost fewer requests than its id shards once an import names many ids. */
  async inBucket(file, ids) {
    const { keys } = await this.loader.load("keys", file, -1);
    const onMap = new Set(keys.split("\n"));
    return new Set(ids.filter((id) => onMap.has(id)));
  }

  /** The title shard keys that hold every title whose words are exactly those of `name`
   * (the keys a query of that name reads); none without an index. */
  titleKeys(name) {
    const qwords = this.manifest ? words(name) : [];
    if (!qwords.length) return [];
    const len = (w) => Array.from(w).length;
    const order = [...new Set(qwords)].sort((a, b) => this.stop.has(a) - this.stop.has(b) || len(b) - len(a));
    return this.shardKeys(order);
  }

  /** The entries of title shard `key`: [{id, title, year, quad, x, y, votes, words}]. */
  titleShard(key) {
    return this._shard("titles", `search/t/${fileKey(key)}.json`);
  }
}
