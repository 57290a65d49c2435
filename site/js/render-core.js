// Everything that draws the map, in one place that can run in a worker: the quads in memory
// (TileMap), the Renderer, the overview bitmap, and a copy of the view the page sends.
//
// The page talks to it with messages (render-client.js), so the same code runs in a worker
// over an OffscreenCanvas (the page's main thread then only handles input) or, where there is
// no OffscreenCanvas, in the page itself.
//
// In:  {type: "init", canvas, settings, base, tree, transport}
//      {type: "view", x, y, scale, width, height, dpr, loadNow}
//      {type: "selection", selection} · {type: "hidden", ids} · {type: "palette", colors}
//      {type: "dim", dim: null | {mode: "pass"|"fail", ids: "id\nid…"}} (the filter's titles)
//      {type: "path", path: null | [{id, title, x, y}]} (drawn by passes/path.js)
//      {type: "marks", ids, kinds}: the user's titles (ids: one per line; the i-th has kind
//        MARK_KINDS[kinds[i]])
//      {type: "call", id, method, args}: methods `hover`, `pick`, `lookup`, `inspect`,
//        `markedCommunities`
// Out: {type: "frame", stats} after each frame drawn · {type: "reply", id, value | error}

import { Camera } from "./camera.js";
import { Loader } from "./loader.js";
import { MARK_KINDS } from "./passes/marks.js";
import { Renderer } from "./renderer.js";
import { QuadTree, TileMap, nodeEntry } from "./tilemap.js";

const LOAD_INTERVAL_MS = 90; // quad requests at most this often while moving
const HIT_SLOP = 4; // pixels around a title that still hit it
const SLOW_FRAME_MS = 50; // a frame this long is a visible stutter (like a long task)

export class RenderCore {
  /** `post(message)` answers the page; `frame(callback)` asks for an animation frame. */
  constructor(post, frame) {
    this.post = post;
    this.frame = frame;
    this.camera = new Camera();
    this.map = null;
    this.renderer = null;
    this.bitmap = null;
    this.hidden = new Set();
    this.dimmed = null; // (id) -> true for titles the filter dims, or null
    this.path = null;
    this.selection = null;
    this.hover = null;
    this.frameRequested = false;
    this.lastLoad = 0;
    this.loadTimer = null;
    this.complete = false; // a frame has been drawn with everything the first view needs
    this.frames = 0;
    this.slowFrames = 0; // frames that took over SLOW_FRAME_MS to draw
    this.bitmapLoads = 0; // overview bitmaps being fetched
    this.lastAnimating = false; // the last frame asked for another
    this.bitmapName = null; // the overview bitmap drawn
    this.marks = new Map(); // the user's titles: id -> mark kind ("high", "low", "seen", "watchlist")
    this.markCommunity = new Map(); // marked id -> its community, once a loaded quad showed it
    this.markedVersion = -1; // the map version whose nodes markCommunity has seen
  }

  handle(msg) {
    switch (msg.type) {
      case "init":
        return this._init(msg);
      case "view":
        return this._view(msg);
      case "selection":
        this.selection = msg.selection;
        return this.requestRender();
      case "hidden":
        this.hidden = new Set(msg.ids);
        return this.requestRender();
      case "dim":
        this.dimmed = dimTest(msg.dim);
        return this.requestRender();
      case "path":
        this.path = msg.path;
        return this.requestRender();
      case "palette":
        this.renderer.setPalette(msg.colors);
        return this.requestRender();
      case "marks":
        return this._marks(msg);
      case "call":
        return this._call(msg);
      default:
        throw new Error(`render core: unknown message ${msg.type}`);
    }
  }

  _init({ canvas, settings, base, tree, transport }) {
    this.settings = settings;
    this.loader = new Loader(base, settings.maxConcurrentRequests, transport);
    this.map = new TileMap(new QuadTree(tree), this.loader, settings, () => this.requestRender());
    this.renderer = new Renderer(canvas, settings);
    // The first view is complete once the small bitmap is drawn, or known to be missing.
    this.bitmapSettled = !settings.useBitmap;
    if (settings.useBitmap) {
      this._loadBitmap("image_2400low.jpg", -3).finally(() => {
        this.bitmapSettled = true;
        this.requestRender();
      });
    }
  }

  async _loadBitmap(name, priority) {
    this.bitmapLoads++;
    try {
      const bitmap = await this.loader.load("bitmap", name, priority);
      if (this.bitmap && this.bitmap.width >= bitmap.width) {
        bitmap.close();
        return;
      }
      if (this.bitmap) this.bitmap.close();
      this.bitmap = bitmap;
      this.bitmapName = name;
      this.requestRender();
    } catch (error) {
      console.warn(`no overview bitmap ${name} (${error.message})`);
    } finally {
      this.bitmapLoads--;
    }
  }

  _view({ x, y, scale, width, height, dpr, loadNow }) {
    const cam = this.camera;
    if (width !== cam.width || height !== cam.height || dpr !== this.renderer.dpr) {
      cam.resize(width, height);
      this.renderer.resize(cam.width, cam.height, dpr);
      loadNow = true;
    }
    cam.x = x;
    cam.y = y;
    cam.scale = scale;
    this._scheduleLoad(loadNow);
    this.requestRender();
  }

  _scheduleLoad(now) {
    const since = performance.now() - this.lastLoad;
    if (now || since >= LOAD_INTERVAL_MS) {
      clearTimeout(this.loadTimer);
      this.loadTimer = null;
      this.lastLoad = performance.now();
      this.map.update(this.camera);
      return;
    }
    if (!this.loadTimer) {
      this.loadTimer = setTimeout(() => {
        this.loadTimer = null;
        this._scheduleLoad(true);
      }, LOAD_INTERVAL_MS - since);
    }
  }

  requestRender() {
    if (this.frameRequested || !this.renderer) return;
    this.frameRequested = true;
    this.frame((now) => this._frame(now));
  }

  _frame(now) {
    this.frameRequested = false;
    const animating = this.renderer.draw({
      camera: this.camera,
      map: this.map,
      hidden: this.hidden,
      dimmed: this.dimmed,
      path: this.path,
      bitmap: this.bitmap,
      selection: this.selection,
      hover: this.hover,
      marks: this.marks,
      now,
    });
    this._locateMarks();
    this.frames++;
    this.lastAnimating = animating;
    if (this.renderer.timings.drawMs > SLOW_FRAME_MS) this.slowFrames++;
    const map = this.map;
    const complete = map.quads.size > 0 && !map.pending && this.bitmapSettled;
    if (complete && !this.complete) {
      this.complete = true;
      if (this.bitmap) this._loadBitmap("image_2400.jpg", 50); // not if the small one is missing
    }
    const r = this.renderer.timings;
    this.post({
      type: "frame",
      stats: {
        frames: this.frames, slowFrames: this.slowFrames, complete, quads: map.quads.size, wanted: map.wanted.size,
        visible: this.renderer.visibleNodes.length, drawMs: r.drawMs, maxDrawMs: r.maxDrawMs,
        maxAddMs: map.timings.maxAddMs, requests: this.loader.requests, passMs: r.phases || [],
        marksLocated: this.markCommunity.size,
      },
    });
    if (animating) this.requestRender();
  }

  // --- the user's titles -----------------------------------------------------------------

  _marks({ ids, kinds }) {
    this.marks = new Map();
    if (ids) ids.split("\n").forEach((id, i) => this.marks.set(id, MARK_KINDS[kinds[i]]));
    for (const id of this.markCommunity.keys()) if (!this.marks.has(id)) this.markCommunity.delete(id);
    this.markedVersion = -1;
    this.requestRender();
  }

  /** Note the community of marked titles in newly loaded quads (the tiles are the only place
   * the page learns communities from; titles never loaded stay unknown). */
  _locateMarks() {
    const map = this.map;
    if (!this.marks.size || this.markedVersion === map.version) return;
    this.markedVersion = map.version;
    for (const id of this.marks.keys()) {
      if (this.markCommunity.has(id)) continue;
      const node = map.nodeById.get(id);
      if (node && node.community !== null && node.community !== undefined) this.markCommunity.set(id, node.community);
    }
  }

  // --- calls from the page ----------------------------------------------------------------

  _call({ id, method, args }) {
    let value;
    try {
      value = this[`call_${method}`](...args);
    } catch (error) {
      this.post({ type: "reply", id, error: String(error && error.message || error) });
      return;
    }
    this.post({ type: "reply", id, value });
  }

  _hit(sx, sy) {
    let best = null, bestD = Infinity;
    for (const v of this.renderer.visibleNodes) {
      const d = Math.hypot(v[1] - sx, v[2] - sy);
      if (d <= v[3] + HIT_SLOP && d - v[3] < bestD) {
        best = v;
        bestD = d - v[3];
      }
    }
    return best;
  }

  /** The title under (sx, sy) is highlighted (or none, with null); returns it. */
  call_hover(sx, sy) {
    const hit = sx === null ? null : this._hit(sx, sy);
    if ((hit ? hit[0] : null) !== (this.hover ? this.hover[0] : null)) this.requestRender();
    this.hover = hit;
    return hit && summary(hit);
  }

  /** The title under (sx, sy), or null. */
  call_pick(sx, sy) {
    const hit = this._hit(sx, sy);
    return hit && summary(hit);
  }

  /** What the loaded quads know of these ids: [[id, entry]] for those found. */
  call_lookup(ids) {
    const out = [];
    for (const id of ids) {
      const n = this.map.nodeById.get(id);
      if (n) out.push([id, nodeEntry(n)]);
    }
    return out;
  }

  /**
   * What the last frame drew and whether drawing has settled, as plain data (the page's
   * `inspect()` adds its own side): `settled` is true when no frame, quad load, bitmap or
   * deferred work (fades, edge paths, labels) is pending, i.e. the canvas shows the view as
   * it will stay.
   */
  /** Per community, how many of the user's seen or rated titles are known to be in it:
   * {located, counts: [[community, seen]]} (`located`: marked titles whose community is known). */
  call_markedCommunities() {
    const counts = new Map();
    for (const [id, community] of this.markCommunity) {
      if (this.marks.get(id) === "watchlist") continue;
      counts.set(community, (counts.get(community) || 0) + 1);
    }
    return { located: this.markCommunity.size, counts: [...counts] };
  }

  call_inspect() {
    const map = this.map;
    const settled = !this.frameRequested && !this.lastAnimating && !this.loadTimer && this.bitmapSettled &&
      this.bitmapLoads === 0 && !map.pending && this.loader.pending === 0;
    return {
      settled,
      bitmap: this.bitmapName,
      quads: [...map.quads.keys()],
      titles: this.renderer.visibleNodes.map((v) => ({ ...summary(v), mark: this.marks.get(v[0].id) || null, dimmed: Boolean(this.dimmed && this.dimmed(v[0].id)) })),
      path: this.path && this.path.map((p) => p.id),
      labels: this.renderer.placedLabels.map(({ candidate: c, box }) => ({ text: c.text, box, strong: c.strong })),
    };
  }
}

/** The filter's answer as a test: ids listed pass ("pass") or fail ("fail"). */
function dimTest(dim) {
  if (!dim || typeof dim.ids !== "string") return null;
  const ids = new Set(dim.ids ? dim.ids.split("\n") : []);
  return dim.mode === "pass" ? (id) => !ids.has(id) : (id) => ids.has(id);
}

function summary([node, sx, sy, r]) {
  return {
    id: node.id, name: node.name, year: node.year, community: node.community, quad: node.quad,
    x: node.x, y: node.y, sx, sy, r,
  };
}
