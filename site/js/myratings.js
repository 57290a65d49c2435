// The user's own titles: what they rated, saw or want to see, kept on this device only
// (localStorage), never sent anywhere and never put in the URL. Imports (ratings-import.js)
// write here; the marks on the map, the legend, the panel and "Tonight" read from here and
// listen for its "change" event.
//
// An entry: {kind, rating}
//   kind    "rated" (a rating was given), "seen" (watched, no rating) or "watchlist"
//   rating  1–10 for "rated" (Letterboxd's 0.5–5 stars are doubled), null otherwise
// A title rated or seen is never downgraded to "watchlist" by a later import.

const STORAGE_KEY = "imdb-map.my-ratings.v1";
const KINDS = new Set(["rated", "seen", "watchlist"]);
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
export const LIKED_FROM = 7; // a rating this high (of 10) counts as liked

/** The entry `raw` as stored, or null when it is not one. */
export function cleanEntry(raw) {
  if (!raw || typeof raw !== "object" || !KINDS.has(raw.kind)) return null;
  if (raw.kind !== "rated") return { kind: raw.kind, rating: null };
  const rating = Number(raw.rating);
  if (!Number.isFinite(rating) || rating < 1 || rating > 10) return null;
  return { kind: "rated", rating };
}

/** Which of two entries for one title wins: a rating over a bare "seen" over "watchlist"
 * (the later, `b`, between equals). */
export function stronger(a, b) {
  const rank = { watchlist: 0, seen: 1, rated: 2 };
  return rank[b.kind] >= rank[a.kind] ? b : a;
}

export class MyRatings extends EventTarget {
  /** `storage`: a Storage (localStorage), or null to keep the entries in memory only. */
  constructor(storage = safeLocalStorage()) {
    super();
    this.storage = storage;
    this.entries = new Map(); // id -> entry
    this.error = null; // why the saved entries could not be read or written, if so
    this._load();
  }

  get size() {
    return this.entries.size;
  }

  get(id) {
    return this.entries.get(id);
  }

  /** Counts per kind: {rated, seen, watchlist, liked}. */
  counts() {
    const counts = { rated: 0, seen: 0, watchlist: 0, liked: 0 };
    for (const e of this.entries.values()) {
      counts[e.kind]++;
      if (e.kind === "rated" && e.rating >= LIKED_FROM) counts.liked++;
    }
    return counts;
  }

  /** Add `items` ([[id, entry]]), keeping the stronger entry where a title is known already. */
  merge(items) {
    let added = 0;
    for (const [id, raw] of items) {
      const entry = cleanEntry(raw);
      if (!entry || typeof id !== "string" || !ID.test(id)) continue;
      const old = this.entries.get(id);
      this.entries.set(id, old ? stronger(old, entry) : entry);
      added++;
    }
    this._changed();
    return added;
  }

  /**
   * `merge` for big imports: the same outcome (one "change" event at the end), but merged and
   * written out in slices of `sliceMs`, awaiting `pause()` between them, so that 50,000
   * titles never hold the page for long. Resolves with the count merged.
   */
  async mergeInSlices(items, { sliceMs = 10, pause = () => new Promise((r) => setTimeout(r, 0)) } = {}) {
    let added = 0;
    let start = performance.now();
    const tick = async () => {
      if (performance.now() - start < sliceMs) return;
      await pause();
      start = performance.now();
    };
    for (let i = 0; i < items.length; i++) {
      const [id, raw] = items[i];
      const entry = cleanEntry(raw);
      if (entry && typeof id === "string" && ID.test(id)) {
        const old = this.entries.get(id);
        this.entries.set(id, old ? stronger(old, entry) : entry);
        added++;
      }
      if ((i & 1023) === 1023) await tick();
    }
    const rows = [];
    let n = 0;
    for (const [id, e] of this.entries) {
      rows.push(JSON.stringify(e.kind === "rated" ? [id, e.kind, e.rating] : [id, e.kind]));
      if ((++n & 1023) === 0) await tick();
    }
    this._save(`{"version":1,"entries":[${rows.join(",")}]}`);
    this.dispatchEvent(new Event("change"));
    return added;
  }

  /** Remove every trace: the entries here and the copy in storage. */
  forget() {
    this.entries.clear();
    try {
      this.storage?.removeItem(STORAGE_KEY);
    } catch (error) {
      this.error = `could not clear the saved ratings: ${error.message}`;
    }
    this.dispatchEvent(new Event("change"));
  }

  _changed() {
    const rows = [...this.entries].map(([id, e]) => (e.kind === "rated" ? [id, e.kind, e.rating] : [id, e.kind]));
    this._save(JSON.stringify({ version: 1, entries: rows }));
    this.dispatchEvent(new Event("change"));
  }

  _save(text) {
    try {
      this.storage?.setItem(STORAGE_KEY, text);
      this.error = null;
    } catch (error) {
      this.error = `your ratings are kept for this visit only (the browser refused to store them: ${error.message})`;
    }
  }

  _load() {
    let text = null;
    try {
      text = this.storage?.getItem(STORAGE_KEY) ?? null;
    } catch (error) {
      this.error = `saved ratings unreadable: ${error.message}`;
    }
    if (!text) return;
    try {
      const saved = JSON.parse(text);
      if (!saved || saved.version !== 1 || !Array.isArray(saved.entries)) throw new Error("unknown format");
      for (const row of saved.entries) {
        if (!Array.isArray(row)) continue;
        const entry = cleanEntry({ kind: row[1], rating: row[2] });
        if (entry && typeof row[0] === "string" && ID.test(row[0])) this.entries.set(row[0], entry);
      }
    } catch (error) {
      this.error = `saved ratings unreadable (${error.message}); import them again`;
    }
  }
}

function safeLocalStorage() {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage disabled: keep the entries in memory only
  }
}
