// The map's data side: the quad tree from mapinfo.json (QuadTree: geometry, and which quads a
// view needs), and the parsed quads in memory (TileMap: an LRU, with the node index and
// drawable edges derived from them). Nothing here draws.

import { LRU } from "./lru.js";

/** A node as a look-up entry, the shape of a search entry: {id, title, year, x, y, community, quad}. */
export function nodeEntry(n) {
  return { id: n.id, title: n.name, year: n.year, x: n.x, y: n.y, community: n.community, quad: n.quad };
}

/** mapinfo.json, prepared (prepare.js): `info` (its fields) and `tree` (flat arrays). */
export class QuadTree {
  constructor({ info, tree }) {
    this.info = info;
    this.tree = tree;
    this.indexOfPath = new Map();
    tree.paths.forEach((p, q) => this.indexOfPath.set(p, q));
    const { minsize, maxsize } = info;
    this.minSize = Number.isFinite(minsize) ? minsize : 0;
    this.maxSize = Number.isFinite(maxsize) ? maxsize : 1;
  }

  /** What to send to a worker to make the same tree there. */
  get data() {
    return { info: this.info, tree: this.tree };
  }

  box(q) {
    const b = this.tree.boxes;
    return [b[4 * q], b[4 * q + 1], b[4 * q + 2], b[4 * q + 3]];
  }

  get rootBox() {
    return this.box(0);
  }

  /**
   * Where most titles are: the box between the 0.5% and 99.5% quantiles of the leaf quads'
   * centres (every leaf holds a similar number of titles), grown by a leaf. A few far-flung
   * titles then do not shrink the opening view to a speck.
   */
  get homeBox() {
    if (this._home) return this._home;
    const { left, boxes } = this.tree;
    const xs = [], ys = [];
    for (let q = 0; q < left.length; q++) {
      if (left[q] >= 0) continue;
      xs.push((boxes[4 * q] + boxes[4 * q + 1]) / 2);
      ys.push((boxes[4 * q + 2] + boxes[4 * q + 3]) / 2);
    }
    if (xs.length < 20) return (this._home = this.rootBox);
    const quantile = (values, f) => values[Math.min(values.length - 1, Math.max(0, Math.round(f * (values.length - 1))))];
    xs.sort((a, b) => a - b);
    ys.sort((a, b) => a - b);
    const pad = this.leafWidth;
    const root = this.rootBox;
    this._home = [
      Math.max(root[0], quantile(xs, 0.005) - pad), Math.min(root[1], quantile(xs, 0.995) + pad),
      Math.max(root[2], quantile(ys, 0.005) - pad), Math.min(root[3], quantile(ys, 0.995) + pad),
    ];
    return this._home;
  }

  /** Average leaf width (mapinfo), or 1/20 of the map if missing. */
  get leafWidth() {
    const w = this.info.averageQuadWidth;
    return Number.isFinite(w) && w > 0 ? w : (this.rootBox[1] - this.rootBox[0]) / 20;
  }

  /**
   * The quads a view needs, shallow first: walk the tree from the root; a quad is needed when
   * its box, grown by `quadMargin`, meets the view and is at least `quadMinPixels` big on
   * screen. A quad that fails either test is skipped with its whole subtree (children's boxes
   * lie inside their parent's), so zoomed out only the top of the tree is loaded.
   */
  neededQuads(camera, { quadMinPixels, quadMargin }) {
    const [vx0, vx1, vy0, vy1] = camera.rect();
    const mx = (vx1 - vx0) * quadMargin, my = (vy1 - vy0) * quadMargin;
    const b = this.tree.boxes, left = this.tree.left, right = this.tree.right;
    const minArea = (quadMinPixels / camera.scale) ** 2;
    const cx = camera.x, cy = camera.y;
    const out = [];
    const stack = [0];
    while (stack.length) {
      const q = stack.pop();
      const x0 = b[4 * q], x1 = b[4 * q + 1], y0 = b[4 * q + 2], y1 = b[4 * q + 3];
      if (x1 < vx0 - mx || x0 > vx1 + mx || y1 < vy0 - my || y0 > vy1 + my) continue;
      if (q !== 0 && (x1 - x0) * (y1 - y0) < minArea) continue;
      const depth = this.tree.paths[q].length;
      const dist = Math.hypot((x0 + x1) / 2 - cx, (y0 + y1) / 2 - cy) * camera.scale;
      out.push({ q, path: this.tree.paths[q], priority: depth * 1e4 + Math.min(dist, 9999) });
      if (left[q] >= 0) stack.push(left[q]);
      if (right[q] >= 0) stack.push(right[q]);
    }
    return out;
  }
}

export class TileMap {
  constructor(quadTree, loader, settings, onChange) {
    this.quadTree = quadTree;
    this.tree = quadTree.tree;
    this.loader = loader;
    this.settings = settings;
    this.onChange = onChange; // called when quads arrive or leave
    this.wanted = new Set(); // quad paths the current view needs
    this.quads = new LRU(settings.maxCachedQuads, (path, quad) => this._evicted(quad));
    this.nodeById = new Map();
    this.failed = new Set();
    this.edgeKeys = new Map(); // "idA\0idB" -> owning quad
    this.waiting = new Map(); // quad path -> [[loaded quad, idA, idB]] relations waiting for it
    this.version = 0; // bumps whenever the loaded set changes
    this.wantedVersion = 0; // bumps whenever the set of needed quads changes
    this.timings = { addMs: 0, maxAddMs: 0 }; // merging an arrived quad (benchmarks read it)
  }

  get rootBox() {
    return this.quadTree.rootBox;
  }

  /** True while a quad the view needs is neither loaded nor failed. */
  get pending() {
    for (const path of this.wanted) if (!this.quads.has(path) && !this.failed.has(path)) return true;
    return false;
  }

  /** Request what the view needs, drop queued requests it no longer needs, trim the cache. */
  update(camera) {
    const needed = this.quadTree.neededQuads(camera, this.settings);
    const wanted = new Set(needed.map((n) => n.path));
    if (wanted.size !== this.wanted.size || [...wanted].some((p) => !this.wanted.has(p))) this.wantedVersion++;
    this.wanted = wanted;
    const names = new Set();
    for (const { path, priority } of needed) {
      if (this.quads.has(path)) {
        this.quads.get(path); // refresh its LRU position
        continue;
      }
      if (this.failed.has(path)) continue;
      const name = `quad_${path}.json`;
      names.add(name);
      this.loader
        .load("quad", name, priority, "quad")
        .then((data) => this._add(path, data))
        .catch((error) => {
          if (error.message !== "aborted") {
            this.failed.add(path);
            console.warn(`could not load ${name}: ${error.message}`);
          }
        });
    }
    this.loader.retain("quad", names);
    this.quads.trim((path) => this.wanted.has(path));
  }

  _add(path, data) {
    if (this.quads.has(path)) return;
    const t0 = performance.now();
    const quad = {
      path,
      q: this.quadTree.indexOfPath.get(path) ?? -1,
      depth: path.length,
      box: data.box,
      nodes: data.nodes,
      relations: data.relations,
      loadedAt: performance.now(),
      edges: [], // [nodeA, nodeB] of the edges this quad owns (see _linkEdges)
      edgeVersion: 0,
      edgeBox: [Infinity, -Infinity, Infinity, -Infinity],
    };
    const { minSize, maxSize } = this.quadTree;
    const span = Math.max(maxSize - minSize, 1e-12);
    quad.idmap = new Map();
    for (const node of quad.nodes) {
      node.quad = path;
      const t = maxSize > minSize ? Math.min(1, Math.max(0, (node.size - minSize) / span)) : 0.5;
      node.weight = t;
      quad.idmap.set(node.id, node);
      if (!this.nodeById.has(node.id)) this.nodeById.set(node.id, node);
    }
    this.quads.set(path, quad);
    this._linkEdges(quad);
    this.quads.trim((p) => this.wanted.has(p));
    this.version++;
    const t = this.timings;
    t.addMs = performance.now() - t0;
    t.maxAddMs = Math.max(t.maxAddMs, t.addMs);
    this.onChange();
  }

  /**
   * Edges are drawn once both their quads are loaded, and owned by the one loaded last (its
   * fade-in is theirs). Adding a quad only looks at its own relations and at the relations of
   * loaded quads that were waiting for it, so the cost does not grow with the cache.
   */
  _linkEdges(quad) {
    const add = (ida, idb, other) => {
      const key = ida < idb ? `${ida}\u0000${idb}` : `${idb}\u0000${ida}`;
      if (this.edgeKeys.has(key)) return;
      const na = quad.idmap.get(ida) || other.idmap.get(ida);
      const nb = quad.idmap.get(idb) || other.idmap.get(idb);
      if (!na || !nb) return;
      this.edgeKeys.set(key, quad);
      quad.edges.push([na, nb]);
      const box = quad.edgeBox;
      box[0] = Math.min(box[0], na.x, nb.x);
      box[1] = Math.max(box[1], na.x, nb.x);
      box[2] = Math.min(box[2], na.y, nb.y);
      box[3] = Math.max(box[3], na.y, nb.y);
    };
    for (const [qa, ida, qb, idb] of quad.relations) {
      const pa = qa.slice(5), pb = qb.slice(5);
      const otherPath = pa === quad.path ? pb : pa;
      const other = otherPath === quad.path ? quad : this.quads.peek(otherPath);
      if (other) add(ida, idb, other);
      else {
        let list = this.waiting.get(otherPath);
        if (!list) this.waiting.set(otherPath, (list = []));
        list.push([quad, ida, idb]);
      }
    }
    const waiting = this.waiting.get(quad.path);
    if (waiting) {
      this.waiting.delete(quad.path);
      for (const [from, ida, idb] of waiting) {
        if (this.quads.peek(from.path) === from) add(ida, idb, from);
      }
    }
    quad.edgeVersion++;
  }

  _evicted(quad) {
    for (const node of quad.nodes) {
      if (this.nodeById.get(node.id) === node) this.nodeById.delete(node.id);
    }
    const back = [];
    for (const [a, b] of quad.edges) {
      const key = a.id < b.id ? `${a.id}\u0000${b.id}` : `${b.id}\u0000${a.id}`;
      if (this.edgeKeys.get(key) === quad) this.edgeKeys.delete(key);
      // The other end stays loaded: its edge waits for this quad to come back (the relation
      // may be listed in the other quad's compact file only).
      const otherPath = a.quad === quad.path ? b.quad : a.quad;
      const other = otherPath !== quad.path && this.quads.peek(otherPath);
      if (other) back.push([other, a.id, b.id]);
    }
    // Relations of this quad still waiting for another quad: forget them.
    for (const [qa, , qb] of quad.relations) {
      const otherPath = qa.slice(5) === quad.path ? qb.slice(5) : qa.slice(5);
      const list = this.waiting.get(otherPath);
      if (!list) continue;
      const kept = list.filter((w) => w[0] !== quad);
      if (kept.length) this.waiting.set(otherPath, kept);
      else this.waiting.delete(otherPath);
    }
    if (back.length) this.waiting.set(quad.path, [...(this.waiting.get(quad.path) || []), ...back]);
    this.version++;
  }
}
