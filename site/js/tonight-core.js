// The arithmetic behind "Tonight", the filters and the paths, over a read graph file
// (graphfile.js's GraphFile: CSR out-edges, reverse CSR, per-node arrays). No DOM and no
// messages: graph-worker.js calls it, and tests/tonight_reference.py computes the same
// scores in Python, so the two can be compared.
//
// Scoring: personalised PageRank over the directed graph "i recommends t". A walker starts at
// a liked title (chosen with probability proportional to its weight), follows a random
// out-edge with probability 1 - RESTART at each step, and stops otherwise; a title's score is
// the chance the walk stops there. Computed as K power steps of
//     x <- RESTART * r + (1 - RESTART) * x P,    x0 = RESTART * r
// with P the row-normalised adjacency; a walker at a title that recommends nothing stops
// (mass dropped, not sent back to the seeds), which keeps the score linear in the seeds, so
// each liked title's share of a suggestion's score is exact: that is the "why".

export const RESTART = 0.2;
export const STEPS = 20; // 0.8^20 = 1.2 % of the mass left: the top of the ranking has settled
export const WATCHLIST_BOOST = 2; // a title on the watchlist counts twice
export const PICKED_WEIGHT = 4; // a title picked with "I liked…" weighs like a 10/10
export const LIKED_FROM = 7;

/** A liked title's weight in the restart vector: 7/10 -> 1 ... 10/10 -> 4. */
export function seedWeight(rating) {
  return rating >= LIKED_FROM ? rating - LIKED_FROM + 1 : 0;
}

/**
 * Personalised PageRank from `seeds` (Map node -> weight > 0): a Float64Array of scores.
 * Sum of weights normalised to 1.
 */
export function personalisedPageRank(graph, seeds, steps = STEPS, restart = RESTART) {
  const n = graph.n;
  const { outStart, outTarget } = graph;
  const r = new Float64Array(n);
  let total = 0;
  for (const w of seeds.values()) total += w;
  if (!(total > 0)) return r;
  for (const [i, w] of seeds) r[i] += w / total;
  let x = r.map((v) => restart * v);
  let next = new Float64Array(n);
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < n; i++) next[i] = restart * r[i];
    for (let s = 0; s < n; s++) {
      const a = outStart[s], b = outStart[s + 1];
      if (a === b || x[s] === 0) continue;
      const share = ((1 - restart) * x[s]) / (b - a);
      for (let k = a; k < b; k++) next[outTarget[k]] += share;
    }
    [x, next] = [next, x];
  }
  return x;
}

/**
 * How much each seed gives node `t` (the "why"): [[seed, weight * ppr_seed(t)]], biggest
 * first. The same sum as the forward walk, run backwards from `t` over the in-edges
 * (y <- RESTART e_t + (1 - RESTART) P y), so it gives ppr_s(t) for every s at once: exact
 * but for the shares dropped under PRUNE and a bound on the work (BUDGET in-edges). Dense
 * scratch arrays (kept on the graph, zeroed after use) with lists of the entries touched.
 */
export function contributions(graph, seeds, t, { restart = RESTART, steps = STEPS, prune = PRUNE, budget = BUDGET } = {}) {
  const { outStart, inStart, inSource } = graph;
  const sc = scratch(graph);
  let { cur, next } = sc;
  const est = sc.est;
  let curList = [t];
  const estList = [];
  cur[t] = 1;
  let work = 0;
  for (let k = 0; k <= steps && curList.length; k++) {
    for (const v of curList) {
      if (est[v] === 0) estList.push(v);
      est[v] += restart * cur[v];
    }
    if (k === steps || work > budget) break;
    const nextList = [];
    for (const v of curList) {
      const m = cur[v];
      cur[v] = 0;
      if (m < prune || work > budget) continue; // over budget: the rest of this step is dropped
      work += inStart[v + 1] - inStart[v];
      for (let e = inStart[v], end = inStart[v + 1]; e < end; e++) {
        const u = inSource[e];
        if (next[u] === 0) nextList.push(u);
        next[u] += ((1 - restart) * m) / (outStart[u + 1] - outStart[u]);
      }
    }
    [cur, next] = [next, cur];
    curList = nextList;
  }
  for (const v of curList) cur[v] = 0;
  [sc.cur, sc.next] = [cur, next];
  const out = [];
  for (const [s, w] of seeds) if (est[s] > 0) out.push([s, w * est[s]]);
  for (const v of estList) est[v] = 0;
  return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

// A walk share this small is dropped: the liked titles that matter are a few steps away, and
// at ~11 recommendations per title a share falls ~15-fold per step.
const PRUNE = 1e-5;
const BUDGET = 30_000; // in-edges walked per title at most (~4 ms; measured: the first liked title
// agrees with the exact one for 59 of 60 suggestions at 176K titles, 60 at five times the work)

function scratch(graph) {
  if (!graph.whyScratch) {
    const n = graph.n;
    graph.whyScratch = { cur: new Float64Array(n), next: new Float64Array(n), est: new Float64Array(n) };
  }
  return graph.whyScratch;
}

// --- filters --------------------------------------------------------------------------------

/**
 * The filter as plain data (all optional): {maxRuntime, genres: [names], yearFrom, yearTo,
 * minRating, minVotes, types: [names], unseen}. A title whose value is unknown fails a filter
 * on that value (an unknown runtime may not fit tonight).
 */
export function compileFilter(graph, filter, seen) {
  const f = filter || {};
  const tests = [];
  if (f.maxRuntime) tests.push((i) => graph.runtime[i] !== 0 && graph.runtime[i] <= f.maxRuntime);
  if (f.genres && f.genres.length) {
    let mask = 0;
    for (const g of f.genres) {
      const k = graph.genreTable.indexOf(g);
      if (k >= 0) mask |= 1 << k;
    }
    tests.push((i) => (graph.genreBits[i] & mask) !== 0);
  }
  if (f.yearFrom) tests.push((i) => graph.year[i] !== 0 && graph.year[i] >= f.yearFrom);
  if (f.yearTo) tests.push((i) => graph.year[i] !== 0 && graph.year[i] <= f.yearTo);
  if (f.minRating) tests.push((i) => graph.rating[i] !== 0 && graph.rating[i] >= Math.round(f.minRating * 10));
  if (f.minVotes) tests.push((i) => graph.votes[i] >= f.minVotes);
  if (f.types && f.types.length) {
    const numbers = new Set(f.types.map((t) => graph.typeTable.indexOf(t)).filter((k) => k > 0));
    tests.push((i) => numbers.has(graph.type[i]));
  }
  if (f.unseen && seen) tests.push((i) => !seen.has(i));
  if (!tests.length) return null;
  return (i) => tests.every((test) => test(i));
}

/** Node numbers failing `test` (a compiled filter) as a Uint8Array mask: 1 = passes. */
export function passMask(graph, test) {
  const mask = new Uint8Array(graph.n).fill(1);
  if (test) for (let i = 0; i < graph.n; i++) mask[i] = test(i) ? 1 : 0;
  return mask;
}

// --- Tonight ----------------------------------------------------------------------------

/**
 * The ranked list: [{node, score, why: [[seed, share]]}] of at most `limit` titles, never a
 * seen, rated or seed title, each passing `test`. `seen`: Set of nodes rated or seen;
 * `watchlist`: Set of nodes (boosted); `scores`: personalisedPageRank(graph, seeds) when
 * known already (a filter change re-ranks without walking the graph again); `whyCache`:
 * node -> why, kept by the caller while the seeds stay the same.
 */
export function tonight(graph, { seeds, seen, watchlist, test, limit = 20, scores = null, whyCache = new Map() }) {
  scores = scores || personalisedPageRank(graph, seeds);
  // The best `limit`, kept sorted as the scan goes (no sort of every scored title).
  const ranked = [];
  const better = (a, b) => a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
  for (let i = 0; i < graph.n; i++) {
    if (!(scores[i] > 0)) continue;
    const entry = [i, watchlist.has(i) ? scores[i] * WATCHLIST_BOOST : scores[i]];
    if (ranked.length === limit && !better(entry, ranked[limit - 1])) continue;
    if (seen.has(i) || seeds.has(i) || (test && !test(i))) continue;
    let k = ranked.length === limit ? limit - 1 : ranked.length;
    while (k > 0 && better(entry, ranked[k - 1])) {
      ranked[k] = ranked[k - 1];
      k--;
    }
    ranked[k] = entry;
  }
  return ranked.map(([node, score]) => {
    if (!whyCache.has(node)) whyCache.set(node, contributions(graph, seeds, node).slice(0, 2));
    return { node, score, why: whyCache.get(node) };
  });
}

// --- paths --------------------------------------------------------------------------------

/**
 * The shortest directed path from `a` to `b` (node numbers, both ends included), or null.
 * Breadth-first from both ends at once (out-edges from `a`, in-edges into `b`), a whole level
 * of the smaller frontier at a time: at 176K titles it looks at thousands of titles, not the
 * whole graph. The first level where the two meet holds a shortest path: the best meeting
 * title of that level is taken.
 */
export function shortestPath(graph, a, b) {
  if (a === b) return [a];
  const n = graph.n;
  const fwd = { parent: new Int32Array(n).fill(-1), depth: new Int32Array(n), start: graph.outStart, next: graph.outTarget };
  const bwd = { parent: new Int32Array(n).fill(-1), depth: new Int32Array(n), start: graph.inStart, next: graph.inSource };
  fwd.parent[a] = a;
  bwd.parent[b] = b;
  let forward = [a], backward = [b];
  while (forward.length && backward.length) {
    const ahead = forward.length <= backward.length;
    const [frontier, meet] = ahead ? expand(forward, fwd, bwd) : expand(backward, bwd, fwd);
    if (meet >= 0) return [...walk(fwd.parent, meet).reverse(), ...walk(bwd.parent, meet).slice(1)];
    if (ahead) forward = frontier;
    else backward = frontier;
  }
  return null;
}

/** One level of `side`'s search; returns [next frontier, best meeting title or -1]. */
function expand(frontier, side, other) {
  const { parent, depth, start, next } = side;
  const out = [];
  let meet = -1, best = Infinity;
  for (const s of frontier) {
    for (let k = start[s], end = start[s + 1]; k < end; k++) {
      const t = next[k];
      if (parent[t] !== -1) continue;
      parent[t] = s;
      depth[t] = depth[s] + 1;
      out.push(t);
      if (other.parent[t] !== -1 && depth[t] + other.depth[t] < best) {
        best = depth[t] + other.depth[t];
        meet = t;
      }
    }
  }
  return [out, meet];
}

/** From `t` back to its search's start, following `parent`. */
function walk(parent, t) {
  const path = [t];
  while (parent[path[path.length - 1]] !== path[path.length - 1]) path.push(parent[path[path.length - 1]]);
  return path;
}

/** Map community -> how many of `nodes` are in it (nodes of unknown community are left out). */
export function countPerCommunity(graph, nodes) {
  const out = new Map();
  if (!graph.community) return out;
  for (const i of nodes) {
    const c = graph.community[i];
    if (c === NO_COMMUNITY) continue;
    out.set(c, (out.get(c) || 0) + 1);
  }
  return out;
}

export const NO_COMMUNITY = 0xffffffff;
