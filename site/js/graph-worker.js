// The whole graph's features off the main thread: fetches and parses graph.bin.gz on the
// first message that needs it (graphfile.js builds the reverse CSR), then answers Tonight,
// filters, paths and per-community counts (tonight-core.js does the arithmetic).
//
// In:  {id, method, args}; methods below (`call_*`). Out: {id, value} or {id, error}.
// Titles travel as ids; node numbers never leave the worker.

import { loadGraphFile } from "./graphfile.js";
import {
  LIKED_FROM,
  PICKED_WEIGHT,
  compileFilter,
  countPerCommunity,
  passMask,
  seedWeight,
  personalisedPageRank,
  shortestPath,
  tonight,
} from "./tonight-core.js";

let graph = null; // Promise of the GraphFile
let url = null;
let ratings = { seeds: new Map(), seen: new Set(), watchlist: new Set(), picked: new Set() };

function nodes(g, ids) {
  return ids.map((id) => g.index(id)).filter((i) => i >= 0);
}

const methods = {
  /** Where the graph file is; the fetch starts on the first call that needs it. */
  call_init(fileUrl) {
    url = fileUrl;
    return true;
  },

  /** Load now: {nodes, edges, genres, types, loadMs} (the filter form lists genres and types). */
  async call_load() {
    const g = await ready();
    return { nodes: g.n, edges: g.e, genres: g.genreTable, types: g.typeTable.filter(Boolean), loadMs: loadMs };
  },

  /** The user's titles: rows [[id, kind, rating]] and the picked ids ("I liked…"). */
  async call_ratings(rows, picked) {
    const g = await ready();
    const next = { seeds: new Map(), seen: new Set(), watchlist: new Set(), picked: new Set() };
    for (const [id, kind, rating] of rows) {
      const i = g.index(id);
      if (i < 0) continue;
      if (kind === "watchlist") next.watchlist.add(i);
      else next.seen.add(i);
      const w = kind === "rated" ? seedWeight(rating) : 0;
      if (w > 0) next.seeds.set(i, w);
    }
    for (const id of picked) {
      const i = g.index(id);
      if (i >= 0) {
        next.picked.add(i);
        next.seeds.set(i, Math.max(next.seeds.get(i) || 0, PICKED_WEIGHT));
      }
    }
    ratings = next;
    cachedScores = null;
    whyCache = new Map();
    return { seeds: next.seeds.size, seen: next.seen.size, watchlist: next.watchlist.size, likedFrom: LIKED_FROM };
  },

  /** The Tonight list: [{id, score, why: [id]}] under `filter`. */
  async call_tonight(filter, limit = 20) {
    const g = await ready();
    const test = compileFilter(g, filter, ratings.seen);
    if (cachedScores === null) cachedScores = personalisedPageRank(g, ratings.seeds);
    const list = tonight(g, { ...ratings, test, limit, scores: cachedScores, whyCache });
    return list.map(({ node, score, why }) => ({ id: g.id(node), score, why: why.map(([s]) => g.id(s)) }));
  },

  /** What passes `filter` for dimming the map: null (no filter) or {mode, ids: "id\nid…"}
   * with the smaller side: mode "pass" lists titles that pass, "fail" those that fail. */
  async call_filter(filter) {
    const g = await ready();
    const test = compileFilter(g, filter, ratings.seen);
    if (!test) return null;
    const mask = passMask(g, test);
    let passing = 0;
    for (let i = 0; i < g.n; i++) passing += mask[i];
    const want = passing <= g.n - passing ? 1 : 0;
    const ids = [];
    for (let i = 0; i < g.n; i++) if (mask[i] === want) ids.push(g.id(i));
    return { mode: want ? "pass" : "fail", ids: ids.join("\n"), passing, total: g.n };
  },

  /** The shortest directed path: ids in order, [] when there is none, null for an unknown id. */
  async call_path(fromId, toId) {
    const g = await ready();
    const a = g.index(fromId), b = g.index(toId);
    if (a < 0 || b < 0) return null;
    const path = shortestPath(g, a, b);
    return path ? path.map((i) => g.id(i)) : [];
  },

  /** Map community -> count of `ids` in it (for the legend's "seen per community"). */
  async call_perCommunity(ids) {
    const g = await ready();
    return countPerCommunity(g, nodes(g, ids));
  },
};

let cachedScores = null; // the scores of the current seeds
let whyCache = new Map(); // node -> its why, for the current seeds
let loadMs = null;

function ready() {
  if (!graph) {
    if (!url) throw new Error("graph worker: no graph file URL (call init first)");
    const t0 = performance.now();
    graph = loadGraphFile(url).then((g) => {
      if (g.n) g.index(g.id(0)); // build the id table now, not on the first look-up
      loadMs = performance.now() - t0;
      return g;
    });
    graph.catch(() => (graph = null)); // a failed load may be retried
  }
  return graph;
}

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    const fn = methods[`call_${method}`];
    if (!fn) throw new Error(`graph worker: unknown method ${method}`);
    self.postMessage({ id, value: await fn(...args) });
  } catch (error) {
    self.postMessage({ id, error: String((error && error.message) || error) });
  }
};
