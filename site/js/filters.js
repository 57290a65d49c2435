// The filter shared by the Tonight list and the map (titles outside it dim), as plain data,
// and its form in the URL fragment next to the view (urlstate.js): a filtered view can be
// shared. The user's ratings are never part of it.
//
//   {maxRuntime, genres: [..], yearFrom, yearTo, minRating, minVotes, types: [..], unseen}
//   #…&runtime=100&genres=Comedy,Drama&years=1990-2010&rating=7&votes=1000&type=movie&unseen=1
//
// A value out of range or malformed is left out (the rest of the URL still works).

const NAME = /^[\p{L}\p{N} '&./-]{1,40}$/u;
const LIMITS = {
  maxRuntime: [1, 10000],
  yearFrom: [1800, 2200],
  yearTo: [1800, 2200],
  minRating: [0, 10],
  minVotes: [0, 1e9],
};

function number(text, key, integer = true) {
  if (text === null || text === undefined || String(text).trim() === "") return null;
  const v = Number(text);
  const [lo, hi] = LIMITS[key];
  if (!Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) return null;
  return v;
}

function names(text) {
  if (!text) return [];
  return [...new Set(String(text).split(",").map((s) => s.trim()).filter((s) => NAME.test(s)))].slice(0, 40);
}

/** A clean filter from loose values (a form's, the URL's): unknown or bad values dropped. */
export function cleanFilter(raw = {}) {
  const f = {
    maxRuntime: number(raw.maxRuntime, "maxRuntime"),
    genres: Array.isArray(raw.genres) ? names(raw.genres.join(",")) : names(raw.genres),
    yearFrom: number(raw.yearFrom, "yearFrom"),
    yearTo: number(raw.yearTo, "yearTo"),
    minRating: number(raw.minRating, "minRating", false),
    minVotes: number(raw.minVotes, "minVotes"),
    types: Array.isArray(raw.types) ? names(raw.types.join(",")) : names(raw.types),
    unseen: raw.unseen === true || raw.unseen === "1",
  };
  if (f.minRating === 0) f.minRating = null;
  if (f.minVotes === 0) f.minVotes = null;
  return f;
}

/** True when the filter lets every title through. */
export function isEmptyFilter(f) {
  return !f || (!f.maxRuntime && !f.genres.length && !f.yearFrom && !f.yearTo && !f.minRating &&
    !f.minVotes && !f.types.length && !f.unseen);
}

/** The filter in URLSearchParams `params` (the fragment's). */
export function parseFilter(params) {
  const years = /^(\d{0,4})-(\d{0,4})$/.exec(params.get("years") || "");
  return cleanFilter({
    maxRuntime: params.get("runtime"),
    genres: params.get("genres"),
    yearFrom: years ? years[1] : null,
    yearTo: years ? years[2] : null,
    minRating: params.get("rating"),
    minVotes: params.get("votes"),
    types: params.get("type"),
    unseen: params.get("unseen"),
  });
}

/** The fragment parts ("key=value") of filter `f`, none when it is empty. */
export function formatFilter(f) {
  if (isEmptyFilter(f)) return [];
  const parts = [];
  const add = (k, v) => parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/g, ",")}`);
  if (f.maxRuntime) add("runtime", f.maxRuntime);
  if (f.genres.length) add("genres", f.genres.join(","));
  if (f.yearFrom || f.yearTo) add("years", `${f.yearFrom || ""}-${f.yearTo || ""}`);
  if (f.minRating) add("rating", f.minRating);
  if (f.minVotes) add("votes", f.minVotes);
  if (f.types.length) add("type", f.types.join(","));
  if (f.unseen) add("unseen", "1");
  return parts;
}
