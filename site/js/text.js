// Text helpers shared by the viewer, the search and the worker: the same rules as the exporter.

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", "#39": "'" };

/**
 * A tile `name` is HTML-escaped by the format (`&lt;`, `&amp;`); undo that into plain text,
 * which is only ever shown with textContent or fillText. Unknown entities stay as written.
 */
export function decodeName(name) {
  if (typeof name !== "string") return "";
  if (!name.includes("&")) return name;
  return name.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body) => {
    const lower = body.toLowerCase();
    if (lower in ENTITIES) return ENTITIES[lower];
    if (lower.startsWith("#x")) return safeCodePoint(parseInt(lower.slice(2), 16), whole);
    if (lower.startsWith("#")) return safeCodePoint(parseInt(lower.slice(1), 10), whole);
    return whole;
  });
}

function safeCodePoint(code, fallback) {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : fallback;
}

/** NFKD, combining marks dropped, lower case (the exporter's `normalise`). */
export function normalise(text) {
  return String(text).normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Words of a normalised text: runs of letters and digits. */
export function words(text) {
  return normalise(text).match(/[\p{L}\p{N}]+/gu) || [];
}

/** shingle.js' table hash: UTF-16 code units, h = (h * 16 + c) mod 2^24, then mod buckets. */
export function tableHash(id, buckets) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = ((h * 16) + id.charCodeAt(i)) & 0xffffff;
  return h % buckets;
}

/** Search-index file name of a key: the key if [a-z0-9]+, else "_" + hex of its UTF-8 bytes. */
export function fileKey(key) {
  if (/^[a-z0-9]+$/.test(key)) return key;
  let hex = "_";
  for (const byte of new TextEncoder().encode(key)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** First `n` code points of a string (the exporter slices code points, not UTF-16 units). */
export function headChars(text, n) {
  return Array.from(text).slice(0, n).join("");
}

export function formatVotes(votes) {
  if (typeof votes !== "number") return "";
  if (votes >= 1e6) return `${(votes / 1e6).toFixed(1)}M`;
  if (votes >= 1e3) return `${Math.round(votes / 1e3)}K`;
  return String(votes);
}

/** "Title (1999)" or "Title". */
export function titleWithYear(title, year) {
  return Number.isInteger(year) ? `${title} (${year})` : title;
}

/** Only http(s) links from the data become hrefs (never javascript: or data:). */
export function safeHref(href) {
  if (typeof href !== "string") return null;
  try {
    const url = new URL(href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

// The recommenders a map can hold, as the exporter names them (mapinfo.json's `origins`).
const SOURCE_NAMES = { imdb: "IMDb", tmdb: "TMDb" };

/**
 * The tag of a recommendation given by the sources whose bits are set in `mask` (`origins`:
 * mapinfo's {name: bit}): {text, label} ("IMDb", "TMDb", or "both"; label is the accessible
 * name), or null when the mask names no known source.
 */
export function sourceTag(mask, origins) {
  if (!Number.isInteger(mask) || !origins || typeof origins !== "object") return null;
  const names = Object.entries(origins)
    .filter(([, bit]) => Number.isInteger(bit) && (mask & bit) !== 0)
    .map(([name]) => SOURCE_NAMES[name] || name);
  if (!names.length) return null;
  const text = names.length > 1 ? "both" : names[0];
  return { text, label: `from ${names.join(" and ")}` };
}

/**
 * Where a title's "Open on …" link goes: a tmdb:ID title has no IMDb page, so TMDb's movie
 * page; a tt id IMDb's; any other id the data's own http(s) link. {href, site} or null.
 */
export function titleLink(id, href) {
  const tmdb = /^tmdb:(\d{1,10})$/.exec(String(id));
  if (tmdb) return { href: `https://www.themoviedb.org/movie/${tmdb[1]}`, site: "TMDb" };
  if (/^tt\d{1,12}$/.test(String(id))) return { href: `https://www.imdb.com/title/${id}/`, site: "IMDb" };
  const safe = safeHref(href);
  return safe ? { href: safe, site: new URL(safe).hostname } : null;
}
