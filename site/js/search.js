// Title and id search over the exporter's sharded index (search/manifest.json, search/t/,
// search/e/, search/y/, search/id/; exporters/search_index.py documents it), downloading only
// the shards a query needs. Without an index, ids are still found through shingle's
// table<N>.json buckets (position and quad only).
//
// A title matches when every query word starts one of its words, stop words included ("the"
// finds The Matrix), or, for a word of 5 characters or more, is one edit (insert, delete,
// replace, swap two neighbours) from the start of one ("matrx"); a year or decade word
// ("1980", "1980s", "80s") is a filter instead: the title's year, or a word of the title.
// Best first: fewest typo words, then most voted.

import { LRU } from "./lru.js";
import { fileKey, headChars, tableHash, words } from "./text.js";

// IMDb ids, and TMDb ids of titles TMDb knows no IMDb id for ("tmdb:603").
const ID_PATTERN = /^(tt\d{1,12}|tmdb:\d{1,10})$/i;

/** The years a query word names ([first, last]), or null: the exporter's `year_span`. */
export function yearSpan(word) {
  if (/^(18[89]\d|19\d\d|20[0-4]\d)$/.test(word)) return [+word, +word];
  if (/^(18[89]|19\d|20[0-4])0s$/.test(word)) return [+word.slice(0, 4), +word.slice(0, 4) + 9];
  const short = /^(\d)0s$/.exec(word);
  if (!short) return null;
  const start = +short[1] * 10 + (+short[1] <= 2 ? 2000 : 1900);
  return [start, start + 9];
}

/** The exporter's `typo_keys`: the word's first 4 characters with one of them deleted. */
export function typoKeys(word) {
  const head = Array.from(word).slice(0, 4);
  if (head.length < 4) return [];
  return [...new Set(head.map((_, i) => [...head.slice(0, i), ...head.slice(i + 1)].join("")))];
}

/** Arrays of characters within one insert, delete, replace or swap of two neighbours. */
function oneEdit(a, b) {
  if (Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diff = [];
    for (let i = 0; i < a.length && diff.length < 3; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length <= 1) return true;
    const [i, j] = diff;
    return diff.length === 2 && j === i + 1 && a[i] === b[j] && a[j] === b[i];
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i).every((c, k) => c === long[i + 1 + k]);
}

/** A query word of `min` characters or more one edit from a start of a title word. */
export function typoMatch(word, titleWord, min = 5) {
  const w = Array.from(word);
  if (w.length < min) return false;
  const t = Array.from(titleWord);
  for (let k = w.length - 1; k <= w.length + 1; k++) {
    if (k <= t.length && oneEdit(w, t.slice(0, k))) return true;
  }
  return false;
}

const titleFile = (key) => `search/t/${fileKey(key)}.json`;

/** An empty answer that means "type on", not "no title matches". */
function keepTyping() {
  return Object.assign([], { incomplete: true });
}

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
    this.yearShards = {};
    this.typoMin = 5;
  }

  async init() {
    try {
      const { data } = await this.loader.load("json", "search/manifest.json", -5);
      this.manifest = data;
      this.stop = new Set(data.stopwords || []);
      this.titleShards = data.titleShards || {};
      this.split = new Set(data.split || []);
      this.paired = new Set(data.paired || []);
      this.yearShards = data.yearShards || {};
      this.typoMin = data.typoMinChars || 5;
    } catch (error) {
      console.warn(`no search index (${error.message}): title search is off, ids still work`);
    }
    return this.manifest !== null;
  }

  _shard(kind, name) {
    const cached = this.shards.get(name);
    if (cached) return cached;
    const promise = this.loader.load(kind, name, -2).then((r) => (kind === "json" ? r.data : r.entries));
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
   * Suggestions for what the user typed: [{id, title, year, quad, x, y, votes}], best first (see
   * the top of this file). An empty answer with `incomplete: true` means the query is too
   * short to look up yet (not that nothing matches).
   */
  async suggest(query) {
    const q = query.trim();
    if (ID_PATTERN.test(q)) {
      const found = await this.lookup([q.toLowerCase()]);
      const entry = found.get(q.toLowerCase());
      return entry ? [entry] : [];
    }
    if (!this.manifest) return [];
    const qwords = [...new Set(words(q))];
    const plan = qwords.length ? this._plan(qwords) : null;
    if (!plan) return keepTyping();
    const found = new Map(); // id -> [typo words, entry]
    const max = this.settings.searchMaxResults;
    await this._collect(plan.files, qwords, found);
    const exact = [...found.values()].filter(([typos]) => typos === 0).length;
    // Typo matches rank after every exact one: their shards matter only for a short list.
    if (exact < max && plan.typo) await this._collect(await plan.typo(), qwords, found);
    const ranked = [...found.values()].sort(
      ([ta, a], [tb, b]) => ta - tb || b.votes - a.votes || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return ranked.slice(0, max).map(([, e]) => e);
  }

  /**
   * The shard files of a query: {files, typo}, `typo` (if any) a function giving the files
   * that may hold its typo matches; null when the query is too short. The words that are not
   * years, the longest of searchMinChars or more that is not a stop word first, walk to their
   * shard; a query of years alone loads its first year's shard and that word's own shard
   * ("1917" is a title too).
   */
  _plan(qwords) {
    const len = (w) => Array.from(w).length;
    const min = this.settings.searchMinChars;
    const short = (w) => len(w) < min;
    const order = qwords
      .filter((w) => !yearSpan(w))
      .sort((a, b) => short(a) - short(b) || this.stop.has(a) - this.stop.has(b) || len(b) - len(a));
    const year = qwords.find((w) => yearSpan(w));
    if (order.length) {
      const keys = this.shardKeys(order);
      if (!short(order[0]) || keys.includes(order[0])) return this._wordPlan(order, keys, year);
    }
    if (!year) return null;
    return { files: [...this._yearFile(year), ...this.shardKeys([year]).map(titleFile)], typo: null };
  }

  /**
   * A paired key's own shard keeps only its most voted titles, so with a year the walk goes
   * on by the year word and the year's shard adds the titles of that year. Typos: a shorter
   * word (never a typo) that is not a stop word holds every match in its shards; else the
   * typo files name the words the first word can mean, and their shards hold the matches.
   */
  _wordPlan(order, keys, year) {
    const len = (w) => Array.from(w).length;
    let files = keys.map(titleFile);
    if (year && keys.some((k) => this.paired.has(k))) {
      files = [...this._yearFile(year), ...this.shardKeys([...order, year]).map(titleFile)];
    }
    const pick = order[0];
    if (len(pick) < this.typoMin) return { files, typo: null };
    const exact = order.filter((w) => len(w) < this.typoMin);
    if (exact.length && len(exact[0]) >= this.settings.searchMinChars && !this.stop.has(exact[0])) {
      return { files, typo: async () => this.shardKeys(exact).map(titleFile) };
    }
    // The other words guide the walk only where they cannot be typos themselves.
    return { files, typo: () => this._typoFiles(pick, exact) };
  }

  /** Title shards of the words one typo from `word` (found in the typo files), walked on by
   * the words `rest`. */
  async _typoFiles(word, rest) {
    const count = this.manifest.typoShards;
    if (!Number.isInteger(count) || count < 1) return [];
    const keys = typoKeys(word);
    const names = [...new Set(keys.map((k) => `search/e/${tableHash(k, count)}.json`))];
    const maps = await Promise.all(names.map((name) => this._shard("json", name)));
    const meant = new Set();
    for (const map of maps) {
      for (const k of keys) {
        if (!map || !Object.hasOwn(map, k) || !Array.isArray(map[k])) continue;
        for (const w of map[k]) if (typeof w === "string" && typoMatch(word, w, this.typoMin)) meant.add(w);
      }
    }
    const files = new Set();
    for (const w of meant) for (const k of this.shardKeys([w, ...rest])) files.add(titleFile(k));
    return [...files];
  }

  _yearFile(word) {
    const [first, last] = yearSpan(word);
    const key = first === last ? String(first) : `${first}s`;
    return Object.hasOwn(this.yearShards, key) ? [`search/y/${key}.json`] : [];
  }

  async _collect(files, qwords, found) {
    const lists = await Promise.all(files.map((f) => this._shard("titles", f)));
    for (const list of lists) {
      for (const e of list) {
        if (found.has(e.id)) continue;
        const typos = this._typos(e, qwords);
        if (typos >= 0) found.set(e.id, [typos, e]);
      }
    }
  }

  /** How many query words a title matches only with a typo; -1 if it does not match. */
  _typos(e, qwords) {
    let typos = 0;
    for (const w of qwords) {
      if (e.words.some((t) => t.startsWith(w))) continue;
      const span = yearSpan(w);
      if (span) {
        if (e.year === null || e.year < span[0] || e.year > span[1]) return -1;
      } else if (e.words.some((t) => typoMatch(w, t, this.typoMin))) {
        typos += 1;
      } else {
        return -1;
      }
    }
    return typos;
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
