// Reading a user's ratings export: an RFC 4180 CSV reader, the export's format told from its
// header (IMDb's ratings or list export, Letterboxd's ratings.csv or watched.csv), each row
// checked, and the titles matched against the map (IMDb rows by id, Letterboxd rows by
// normalised name and year ±1 through the search index). Pure functions: no DOM, no storage;
// mine.js shows the outcome and MyRatings keeps it.
//
// Everything read from the file is data: it is only ever compared, counted and shown with
// textContent.

import { words } from "./text.js";

export const MAX_REASONS = 5; // malformed rows whose reason is kept (the rest are counted)
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
const CHUNK_MS = 12; // parse this long, then let the page breathe (no long task)
const SHARD_BATCH = 8; // search shards fetched at once while matching
const ID_SLICE = 1000; // ids looked up in one go (a file's ids may be many more)
const MAX_CANDIDATES = 5; // titles an ambiguous row lists (the others are counted)
const MAX_NAME_SHARDS = 64; // title shards whose names are kept indexed while matching

export class ImportError extends Error {}

const EXPECTED = "expected IMDb's ratings.csv or list/watchlist export (Const, Your Rating, Title, …) " +
  "or Letterboxd's ratings.csv / watched.csv (Date, Name, Year, Letterboxd URI[, Rating])";

// --- CSV ----------------------------------------------------------------------------------

/**
 * RFC 4180 records, one at a time: fields separated by commas, records by CRLF or LF; a
 * field in double quotes may hold commas, line breaks and "" (one quote). A UTF-8 BOM is
 * skipped; a blank line is a record of no fields. `row` is the 1-based number of the record
 * last returned (the header is row 1).
 */
export class CsvReader {
  constructor(text) {
    this.text = String(text);
    this.pos = this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.row = 0;
    this.unclosed = false; // the last record ended inside a quoted field
  }

  get done() {
    return this.pos >= this.text.length;
  }

  /** The next record as an array of strings, or null at the end. */
  next() {
    const text = this.text;
    const n = text.length;
    if (this.pos >= n) return null;
    this.row++;
    const fields = [];
    let i = this.pos;
    const first = text.charCodeAt(i);
    if (first === 10 || first === 13) { // a blank line: no fields (as Python's csv reads it)
      this.pos = i + (first === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1);
      return fields;
    }
    for (;;) {
      let value;
      if (text.charCodeAt(i) === 34) {
        [value, i] = this._quoted(i + 1);
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      break;
    }
    this.pos = i;
    return fields;
  }

  /** A quoted field from just after its opening quote: [value, index after it]. Anything
   * between the closing quote and the next separator is kept, as spreadsheets do. */
  _quoted(start) {
    const text = this.text;
    let value = "";
    let i = start;
    for (;;) {
      const q = text.indexOf("\"", i);
      if (q < 0) {
        this.unclosed = true;
        return [value + text.slice(i), text.length];
      }
      value += text.slice(i, q);
      if (text.charCodeAt(q + 1) === 34) {
        value += "\"";
        i = q + 2;
        continue;
      }
      i = q + 1;
      break;
    }
    let j = i;
    while (j < text.length && !/[,\r\n]/.test(text[j])) j++;
    return [value + text.slice(i, j), j];
  }
}

/** Every record of `text` (for small inputs and tests; imports use `readExport`). */
export function readCsv(text) {
  const reader = new CsvReader(text);
  const out = [];
  for (let r = reader.next(); r !== null; r = reader.next()) out.push(r);
  return out;
}

// --- formats ------------------------------------------------------------------------------

const IMDB_COLUMNS = ["Const", "Title", "Title Type", "Year"];
const LETTERBOXD_COLUMNS = ["Date", "Name", "Year", "Letterboxd URI"];

/**
 * The export a header row comes from: {name, source ("imdb" | "letterboxd"), kind, columns
 * (column name -> index)}; throws ImportError naming what was expected. `fileName` tells
 * Letterboxd's watchlist.csv (same columns as watched.csv) from watched.csv.
 */
export function detectFormat(header, fileName = "") {
  const columns = new Map();
  header.forEach((name, i) => {
    const key = name.trim();
    if (!columns.has(key)) columns.set(key, i);
  });
  const has = (names) => names.every((c) => columns.has(c));
  const format = (name, source, kind, used) => ({
    name, source, kind, columns, header: header.length,
    width: Math.max(...used.filter((c) => columns.has(c)).map((c) => columns.get(c))) + 1,
  });
  if (has(IMDB_COLUMNS)) {
    // A list export (its rows have a Position) may carry the user's rating of some titles:
    // those are rated, the others only wanted.
    const used = [...IMDB_COLUMNS, "Your Rating"];
    if (columns.has("Your Rating") && !columns.has("Position")) return format("IMDb ratings", "imdb", "rated", used);
    return format("IMDb list", "imdb", "watchlist", used);
  }
  if (has(LETTERBOXD_COLUMNS)) {
    const used = [...LETTERBOXD_COLUMNS, "Rating"];
    if (columns.has("Rating")) return format("Letterboxd ratings", "letterboxd", "rated", used);
    const watchlist = /watchlist/i.test(fileName);
    return format(watchlist ? "Letterboxd watchlist" : "Letterboxd watched", "letterboxd", watchlist ? "watchlist" : "seen", used);
  }
  const shown = header.slice(0, 4).map((h) => h.trim().slice(0, 30)).join(", ");
  throw new ImportError(`Not a ratings export (its first columns are “${shown}”): ${EXPECTED}.`);
}

const IMDB_ID = /^tt\d{1,12}$/;

/** One record as an item, or a string saying why it is malformed. */
export function parseRecord(format, record) {
  const cols = format.columns;
  if (record.length < format.width) return `${record.length} ${record.length === 1 ? "field" : "fields"}, expected ${format.header}`;
  const field = (name) => (cols.has(name) ? record[cols.get(name)].trim() : "");
  const yearText = field("Year");
  const year = /^\d{4}$/.test(yearText) ? Number(yearText) : null;
  if (yearText && year === null) return `year “${yearText.slice(0, 20)}” is not a year`;
  if (format.source === "imdb") {
    const id = field("Const");
    if (!IMDB_ID.test(id)) return id ? `Const “${id.slice(0, 20)}” is not an IMDb id` : "no Const (IMDb id)";
    const item = { id, title: field("Title"), year, kind: format.kind, rating: null };
    const rating = field("Your Rating");
    if (format.kind !== "rated" && !rating) return item;
    if (!rating) return "no rating";
    // A spreadsheet that saved the export again may have written "8.0".
    if (!/^(10|[1-9])(\.0+)?$/.test(rating)) return `rating “${rating.slice(0, 10)}” is not 1–10`;
    item.rating = Number(rating);
    item.kind = "rated";
    return item;
  }
  const name = field("Name");
  if (!words(name).length) return "no name";
  const item = { id: null, title: name, year, kind: format.kind, rating: null };
  if (format.kind !== "rated") return item;
  const stars = field("Rating");
  if (!stars) return "no rating";
  const value = Number(stars);
  if (!/^\d(\.\d)?$/.test(stars) || value < 0.5 || value > 5 || (value * 2) % 1 !== 0) {
    return `rating “${stars.slice(0, 10)}” is not 0.5–5 stars`;
  }
  item.rating = value * 2;
  return item;
}

function looksBinary(text) {
  const head = text.slice(0, 2048);
  return head.includes("\u0000") || (head.match(/\uFFFD/g) || []).length > 8;
}

/**
 * Read an export (`text`, `fileName`): {format, items, rows, malformed, reasons}. `rows`
 * counts data rows read (blank lines aside), `reasons` the first MAX_REASONS malformed rows
 * ("row 17: no rating"). Parses in slices of CHUNK_MS, awaiting `pause()` between them.
 * Throws ImportError for an empty, binary or unknown file.
 */
export async function readExport(text, fileName = "", { pause = defaultPause } = {}) {
  if (!text || !text.replace(/^\uFEFF/, "").trim()) throw new ImportError(`The file is empty: ${EXPECTED}.`);
  if (looksBinary(text)) throw new ImportError(`This file is not text (an image?): ${EXPECTED}.`);
  const reader = new CsvReader(text);
  const format = detectFormat(reader.next(), fileName);
  const out = { format, items: [], rows: 0, malformed: 0, reasons: [] };
  let sliceStart = performance.now();
  for (let record = reader.next(); record !== null; record = reader.next()) {
    if (record.length <= 1 && !(record[0] || "").trim()) continue; // a blank line
    out.rows++;
    const item = reader.unclosed ? "a quoted field is never closed" : parseRecord(format, record);
    if (typeof item === "string") {
      out.malformed++;
      if (out.reasons.length < MAX_REASONS) out.reasons.push(`row ${reader.row}: ${item}`);
    } else {
      out.items.push(item);
    }
    if ((out.rows & 63) === 0 && performance.now() - sliceStart > CHUNK_MS) {
      await pause();
      sliceStart = performance.now();
    }
  }
  return out;
}

function defaultPause() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// --- matching -----------------------------------------------------------------------------

/** A Letterboxd name as compared with the map's titles: its normalised words. */
export function nameKey(name) {
  return words(name).join(" ");
}

/** A function to await often: it yields to the page once CHUNK_MS have passed since the last
 * time, so a long loop never makes a long task. */
function slicer(pause) {
  let start = performance.now();
  return async () => {
    if (performance.now() - start < CHUNK_MS) return;
    await pause();
    start = performance.now();
  };
}

/**
 * Match read items against the map. `index` answers
 *   idGroup(id) -> a key; ids of one key are looked up together (one file)
 *   lookup(ids) -> Promise<Map id -> entry>           (SearchIndex.lookup)
 *   bucketOf(id) -> the table bucket file of an id
 *   inBucket(file, ids) -> Promise<Set of those ids on the map>
 * `via`: "shards" or "buckets" to force how ids are looked up (else the fewer files win).
 *   titleKeys(name) -> [shard key]                    (where a title with these words is)
 *   titleShard(key) -> Promise<[{id, title, year, words}]>
 * Resolves {matched: [[id, {kind, rating}]], notOnMap, missing: [{title, year}],
 * ambiguous: [{title, year, candidates: [{id, title, year}] (MAX_CANDIDATES at most), more}]}.
 */
export async function matchItems(items, index, { pause = defaultPause, via = null } = {}) {
  const out = { matched: [], notOnMap: 0, missing: [], ambiguous: [] };
  const tick = slicer(pause);
  const byId = items.filter((it) => it.id !== null);
  const byName = items.filter((it) => it.id === null);
  if (byId.length) await matchIds(byId, index, out, tick, via);
  if (byName.length) await matchNames(byName, index, out, tick);
  return out;
}

/**
 * Whether ids are best looked up by the map's table buckets rather than its id shards: when
 * they would need more than twice as many id shards. Id shards are smaller (about a quarter
 * of a bucket at 176,000 titles), so a few ids read them; an import of thousands reads most
 * of the map's ~1,000 id shards, but only its 211 buckets.
 */
async function preferBuckets(ids, index, tick) {
  const shards = new Set();
  const buckets = new Set();
  let n = 0;
  for (const id of ids) {
    shards.add(index.idGroup(id));
    buckets.add(index.bucketOf(id));
    if ((++n & 255) === 0) await tick();
  }
  return shards.size > 2 * buckets.size;
}

/** [[key, [item]]] in key order, `keyOf` computed once per item. */
async function groupBy(items, keyOf, tick) {
  const groups = new Map();
  for (let i = 0; i < items.length; i++) {
    const key = keyOf(items[i]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(items[i]);
    if ((i & 127) === 127) await tick();
  }
  return [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** `work` on each job, SHARD_BATCH at a time (their files load in parallel). */
async function inBatches(jobs, work, tick) {
  for (let i = 0; i < jobs.length; i += SHARD_BATCH) {
    await Promise.all(jobs.slice(i, i + SHARD_BATCH).map(work));
    await tick();
  }
}

async function matchIds(items, index, out, tick, via) {
  // One look-up per file (each fetched once), in slices of ID_SLICE ids, by id shards or
  // table buckets (`via` "shards" or "buckets" forces one, for tests).
  const ids = new Set(items.map((it) => it.id));
  const many = via ? via === "buckets" : await preferBuckets(ids, index, tick);
  const fileOf = many ? (id) => index.bucketOf(id) : (id) => index.idGroup(id);
  const jobs = [];
  for (const [file, group] of await groupBy(items, (it) => fileOf(it.id), tick)) {
    for (let i = 0; i < group.length; i += ID_SLICE) jobs.push([file, group.slice(i, i + ID_SLICE)]);
  }
  // All at once: the loader keeps as many requests in flight as it allows, and each answer
  // is handled on its own (a slice of at most ID_SLICE ids: no long task).
  await Promise.all(jobs.map(async ([file, group]) => {
    const ids = [...new Set(group.map((it) => it.id))];
    const found = many ? await index.inBucket(file, ids) : await index.lookup(ids);
    for (const it of group) {
      if (found.has(it.id)) out.matched.push([it.id, { kind: it.kind, rating: it.rating }]);
      else out.notOnMap++;
    }
  }));
}

async function matchNames(items, index, out, tick) {
  // Items grouped by the title shards their name is in, in key order, so a shard's index of
  // names is built once and kept while the next groups need it (MAX_NAME_SHARDS at most).
  const groups = await groupBy(items, (it) => index.titleKeys(it.title).join("|"), tick);
  const shards = new Map(); // shard key -> Promise<Map name -> [entry]>
  const named = (key) => {
    if (!shards.has(key)) {
      if (shards.size >= MAX_NAME_SHARDS) shards.clear();
      shards.set(key, index.titleShard(key).then(byNameOf, () => new Map()));
    }
    return shards.get(key);
  };
  await inBatches(groups, async ([keys, group]) => {
    const lists = keys ? await Promise.all(keys.split("|").map(named)) : [];
    for (let i = 0; i < group.length; i++) {
      const name = nameKey(group[i].title);
      const same = new Map();
      for (const list of lists) for (const e of list.get(name) || []) same.set(e.id, e);
      matchOne(group[i], [...same.values()], out);
      if ((i & 63) === 63) await tick();
    }
  }, tick);
}

function byNameOf(entries) {
  const byName = new Map();
  for (const e of entries) {
    const key = e.words.join(" ");
    if (!byName.has(key)) byName.set(key, []);
    byName.get(key).push(e);
  }
  return byName;
}

/** A Letterboxd item against the map's titles of the same name: one within a year, else
 * the one of that very year, else listed as ambiguous or missing. */
function matchOne(it, all, out) {
  const near = it.year === null ? all : all.filter((e) => !Number.isInteger(e.year) || Math.abs(e.year - it.year) <= 1);
  const exact = near.filter((e) => e.year === it.year);
  const pick = near.length === 1 ? near[0] : exact.length === 1 ? exact[0] : null;
  if (pick) {
    out.matched.push([pick.id, { kind: it.kind, rating: it.rating }]);
  } else if (near.length) {
    const candidates = near.slice(0, MAX_CANDIDATES).map((e) => ({ id: e.id, title: e.title, year: e.year }));
    out.ambiguous.push({ title: it.title, year: it.year, candidates, more: near.length - candidates.length });
  } else {
    out.notOnMap++;
    out.missing.push({ title: it.title, year: it.year });
  }
}

// --- summary ------------------------------------------------------------------------------

const count = (n) => n.toLocaleString("en-US");

/** The import's outcome in words: "1,234 rows read, 1,200 matched, 30 not on this map, 4
 * skipped as malformed: row 17: no rating; row 20: …". */
export function summarise(read, match) {
  const parts = [`${count(read.rows)} ${read.rows === 1 ? "row" : "rows"} read`, `${count(match.matched.length)} matched`,
    `${count(match.notOnMap)} not on this map`];
  if (match.ambiguous.length) parts.push(`${count(match.ambiguous.length)} ambiguous`);
  let text = `${read.format.name}: ${parts.join(", ")}`;
  if (read.malformed) {
    text += `, ${count(read.malformed)} skipped as malformed: ${read.reasons.join("; ")}`;
    if (read.malformed > read.reasons.length) text += "; …";
  } else {
    text += ".";
  }
  return text;
}
