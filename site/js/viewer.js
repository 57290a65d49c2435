// The viewer: wires the map's geometry (QuadTree), the search (SearchIndex), the drawing
// (RenderClient: a worker, or the page), the input (mouse, wheel, touch, keyboard), the
// selection, the widgets and the URL together. The page's main thread owns the view (Camera)
// and sends it to the drawing side, which loads the quads the view needs.

import { Camera, easeInOut, flightPath } from "./camera.js";
import { LRU, Loader } from "./loader.js";
import { RenderClient } from "./render-client.js";
import { SearchIndex } from "./search.js";
import { QuadTree, nodeEntry } from "./tilemap.js";
import { Panel, SearchBox, Tooltip, buildLegend } from "./ui.js";
import { formatHash, parseHash } from "./urlstate.js";
import { titleWithYear } from "./text.js";

const URL_INTERVAL_MS = 300;
const CLICK_SLOP = 5; // pixels a press may move and still be a click

export class Viewer {
  constructor(root, settings) {
    this.root = root;
    this.settings = settings;
    this.canvas = root.querySelector("canvas.map");
    this.camera = new Camera();
    this.loader = new Loader(new URL(settings.dataPath, document.baseURI).href, settings.maxConcurrentRequests);
    this.tree = null; // QuadTree, once mapinfo.json is in
    this.client = new RenderClient(this.canvas, settings, (stats) => this._drawn(stats));
    this.dpr = 1;
    this.details = new LRU(settings.maxCachedDetails); // equad_ files (promises)
    this.hidden = new Set();
    this.selection = null;
    this.hovering = false; // a title is highlighted under the mouse
    this.hoverSeq = 0;
    this.flight = null;
    this.frameRequested = false;
    this.urlTimer = null;
    this.selectSeq = 0;
    this.firstDraw = null; // performance.now() when the first view was drawn complete
    this.tooltip = new Tooltip(root.querySelector(".tooltip"));
    this.status = root.querySelector(".status");
    this.panel = new Panel(root.querySelector(".panel"), {
      onPick: (id) => this.select(id, { fly: true, push: true }),
      onClose: () => this.clearSelection({ push: true }),
    });
  }

  // --- start-up ---------------------------------------------------------------------------

  async start() {
    this._resize();
    new ResizeObserver(() => this._resize()).observe(this.canvas.parentElement);
    try {
      this.tree = new QuadTree(await this.loader.load("mapinfo", "mapinfo.json", -10));
    } catch (error) {
      this._say(`No map at ${this.loader.url("")}: ${error.message}. Export one with ` +
        "“python -m exporters all --db CRAWL.sqlite --out site/data”.", true);
      throw error;
    }
    const info = this.tree.info;
    const root = this.tree.rootBox;
    this.camera.minScale = this.camera.fitScale(root, 0) * 0.5;
    this.camera.maxScale = Math.max(this.camera.minScale * 2, this.settings.maxLeafPixels / this.tree.leafWidth);
    this.client.start(this.loader.url(""), this.tree);
    this.search = new SearchIndex(this.loader, this.settings, info);
    const legendDone = this._loadLegend();
    const searchDone = this.search.init();
    this._bindInput();
    this._bindSearch();
    if (window.matchMedia("(max-width: 700px)").matches) this.action("legend");
    window.addEventListener("popstate", () => this._applyHash(location.hash, false));
    window.addEventListener("hashchange", () => this._applyHash(location.hash, false));
    this._applyHash(location.hash, true);
    this._sendView(true);
    await Promise.all([legendDone, searchDone]);
    this.root.classList.add("ready");
    return this;
  }

  async _loadLegend() {
    const container = this.root.querySelector(".legend-body");
    try {
      const { data } = await this.loader.load("json", "legend.json", -4);
      this.legend = data;
      if (Array.isArray(data.nodeColors) && data.nodeColors.every((c) => typeof c === "string")) {
        this.client.palette(data.nodeColors);
      }
      buildLegend(container, data, this.hidden, () => this.client.hidden(this.hidden));
    } catch (error) {
      console.warn(`no legend (${error.message})`);
      container.textContent = "No legend in this map.";
    }
  }

  _say(text, isError = false) {
    this.status.textContent = text;
    this.status.hidden = !text;
    this.status.classList.toggle("error", isError);
  }

  _resize() {
    const box = this.canvas.parentElement.getBoundingClientRect();
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    const [cx, cy] = [this.camera.x, this.camera.y];
    this.camera.resize(box.width, box.height);
    this.camera.x = cx;
    this.camera.y = cy;
    this.dpr = dpr;
    this.canvas.style.width = `${this.camera.width}px`;
    this.canvas.style.height = `${this.camera.height}px`;
    if (this.tree) {
      this.camera.minScale = this.camera.fitScale(this.tree.rootBox, 0) * 0.5;
      this._sendView(true);
    }
  }

  /** Tell the drawing side where the view is (`loadNow`: load its quads without waiting). */
  _sendView(loadNow) {
    if (this.tree) this.client.view(this.camera, this.dpr, loadNow);
  }

  /** After each frame the drawing side drew. */
  _drawn(stats) {
    if (this.firstDraw === null && stats.complete) {
      this.firstDraw = performance.now();
      performance.mark("map-first-draw");
      this.root.dispatchEvent(new CustomEvent("mapdrawn"));
    }
  }

  /** The last frame's figures (quads in memory, titles drawn, timings): for tests and benchmarks. */
  get frameStats() {
    return this.client.stats;
  }

  /** Titles drawn in the last frame: [{id, name, year, community, x, y, sx, sy, r}]. */
  visibleTitles() {
    return this.client.call("visible");
  }

  /** Labels drawn in the last frame: [{text, box: [x0, y0, x1, y1], strong}]. */
  drawnLabels() {
    return this.client.call("labels");
  }

  /** Paths of the quads in memory. */
  loadedQuads() {
    return this.client.call("quads");
  }

  // --- view -------------------------------------------------------------------------------

  /** The opening view: where most titles are (TileMap.homeBox). */
  homeView() {
    const box = this.tree.homeBox;
    return [(box[0] + box[1]) / 2, (box[2] + box[3]) / 2, this.camera.fitScale(box)];
  }

  fit() {
    this.camera.set(...this.homeView());
    this._viewChanged();
  }

  /** Scale at which a selected title's neighbourhood is readable. */
  focusScale() {
    const info = this.tree.info;
    const line = Number.isFinite(info.averageLineLength) ? info.averageLineLength : 0;
    const width = Math.max(4 * this.tree.leafWidth, 3 * line);
    return this.camera.clampScale(Math.min(this.camera.width, this.camera.height) / width);
  }

  /** Screen offset (px) that centres a title in the part of the map the panel leaves free. */
  _panelOffset() {
    const panel = this.panel.element.getBoundingClientRect();
    const stage = this.canvas.getBoundingClientRect();
    if (!panel.width || !stage.width) return [0, 0];
    if (panel.width < stage.width * 0.8) return [Math.max(0, stage.right - panel.left) / 2, 0];
    return [0, Math.max(0, stage.bottom - panel.top) / 2];
  }

  /** Animate to centre (x, y) at `scale`; resolves when there. */
  flyTo(x, y, scale, ms = this.settings.flyMs) {
    scale = this.camera.clampScale(scale);
    if (this.flight) this.flight.resolve();
    const cam = this.camera;
    const path = flightPath([cam.x, cam.y, cam.width / cam.scale], [x, y, cam.width / scale]);
    const duration = ms * Math.min(2, Math.max(0.4, path.length / 3));
    return new Promise((resolve) => {
      if (!ms || !Number.isFinite(path.length)) {
        cam.set(x, y, scale);
        this._viewChanged();
        resolve();
        return;
      }
      this.flight = { path, start: performance.now(), duration, target: [x, y, scale], resolve };
      this._requestFrame();
    });
  }

  _stepFlight(now) {
    const f = this.flight;
    const t = Math.min(1, (now - f.start) / f.duration);
    const [x, y, w] = f.path.at(easeInOut(t));
    if (t >= 1) this.camera.set(...f.target);
    else this.camera.set(x, y, this.camera.width / w);
    this._viewChanged();
    if (t >= 1) {
      this.flight = null;
      f.resolve();
    }
  }

  _viewChanged() {
    this._sendView(false);
    this._scheduleUrl();
  }

  /** A frame of the page's own: it only moves the camera along a flight. */
  _requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame((now) => {
      this.frameRequested = false;
      if (!this.flight) return;
      this._stepFlight(now);
      if (this.flight) this._requestFrame();
    });
  }

  // --- URL --------------------------------------------------------------------------------

  _hashNow(id = this.selection ? this.selection.id : null, view = null) {
    const cam = this.camera;
    const [x, y, scale] = view || [cam.x, cam.y, cam.scale];
    const root = this.tree.rootBox;
    return formatHash({ id, x, y, z: Math.log2(scale) }, root[1] - root[0]);
  }

  _scheduleUrl() {
    if (this.urlTimer || !this.tree || this.applyingHash) return;
    this.urlTimer = setTimeout(() => {
      this.urlTimer = null;
      const hash = this._hashNow();
      if (hash !== location.hash) history.replaceState(null, "", hash || location.pathname + location.search);
    }, URL_INTERVAL_MS);
  }

  _push(hash) {
    clearTimeout(this.urlTimer);
    this.urlTimer = null;
    if (hash !== location.hash) history.pushState(null, "", hash || location.pathname + location.search);
  }

  _applyHash(hash, initial) {
    const state = parseHash(hash);
    const hasView = state.x !== null && state.y !== null && state.z !== null;
    this.applyingHash = true;
    if (hasView) {
      this.camera.set(state.x, state.y, 2 ** state.z);
      this._sendView(true);
    } else if (initial) {
      this.fit();
    }
    this.applyingHash = false;
    const current = this.selection ? this.selection.id : this.pendingId;
    if (state.id && state.id !== current) {
      this.select(state.id, { fly: !hasView, push: false, instant: initial && !hasView });
    } else if (!state.id && (this.selection || this.panel.open)) {
      this.clearSelection({ push: false });
    }
  }

  // --- selection --------------------------------------------------------------------------

  async locate(id) {
    const [loaded] = await this.client.call("lookup", [id]);
    if (loaded) return loaded[1];
    const found = await this.search.lookup([id]);
    return found.get(id) || null;
  }

  _detail(quadPath) {
    const name = `equad_${quadPath}.json`;
    let promise = this.details.get(name);
    if (!promise) {
      promise = this.loader.load("quad", name, -6);
      this.details.set(name, promise);
      promise.catch(() => this.details.delete(name));
      this.details.trim();
    }
    return promise;
  }

  /**
   * Select a title: fly to it (or not), open its panel, highlight its neighbourhood.
   * `entry` (optional) is what the caller already knows: {x, y, quad, title, year}.
   */
  async select(id, { fly = true, push = true, instant = false, entry = null } = {}) {
    const seq = ++this.selectSeq;
    this.pendingId = id;
    const where = entry && entry.quad !== undefined && Number.isFinite(entry.x) ? entry : await this.locate(id);
    if (seq !== this.selectSeq) return;
    this.pendingId = null;
    if (!where) {
      this._say(`${id} is not on this map.`);
      setTimeout(() => this._say(""), 4000);
      if (push === false && this.selection === null) this.panel.close();
      return;
    }
    const scale = this.camera.clampScale(Math.max(this.camera.scale, this.focusScale()));
    this.selection = { id, x: where.x, y: where.y, title: where.title, neighbours: [] };
    this.client.selection(this.selection);
    this.panel.show({ id, title: where.title, year: where.year, loading: true });
    const [dx, dy] = this._panelOffset();
    const target = [where.x + dx / scale, where.y + dy / scale, scale];
    if (push) this._push(this._hashNow(id, fly ? target : null));
    if (fly && instant) {
      this.camera.set(...target);
      this._viewChanged();
    } else if (fly) {
      this.flyTo(...target);
    }
    let detail = null;
    try {
      const data = await this._detail(where.quad);
      detail = data.nodes.find((n) => n.id === id) || null;
      if (seq !== this.selectSeq) return;
      this._showDetail(id, where, detail, data);
    } catch (error) {
      if (seq !== this.selectSeq) return;
      console.warn(`no details for ${id}: ${error.message}`);
      this.panel.show({ id, title: where.title, year: where.year });
    }
  }

  async _showDetail(id, where, detail, data) {
    const seq = this.selectSeq;
    const r = (detail && detail.record) || {};
    const recs = Array.isArray(r.recs) ? r.recs.map(String) : null;
    const by = Array.isArray(r.by) ? r.by.map(String) : null;
    let linked = null;
    if (!recs && !by) {
      // Tiles without the panel lists: fall back to the title's edges on the map.
      linked = [];
      for (const [, a, , b] of data.relations) {
        if (a === id && !linked.includes(b)) linked.push(b);
        if (b === id && !linked.includes(a)) linked.push(a);
      }
    }
    const title = detail ? detail.name : where.title;
    const year = detail ? detail.year : where.year;
    this.selection.title = title;
    this.client.selection(this.selection);
    this.panel.show({
      id, title, year, rating: r.rating, votes: r.votes, genres: r.genres, directors: r.directors,
      href: r.href, recs, by, byCount: Number.isInteger(r.byCount) ? r.byCount : null, linked,
    });
    document.title = `${titleWithYear(title || id, year)} · IMDb recommendation map`;
    const ids = [...new Set([...(recs || []), ...(by || []), ...(linked || [])])];
    const recSet = new Set(recs || linked || []), bySet = new Set(by || []);
    const found = await this.resolve(ids);
    if (seq !== this.selectSeq || !this.selection || this.selection.id !== id) return;
    this.panel.fill(found);
    this.selection.neighbours = ids.map((nid) => {
      const e = found.get(nid);
      const kind = recSet.has(nid) && bySet.has(nid) ? "both" : bySet.has(nid) ? "by" : "rec";
      return {
        id: nid, kind, title: e ? e.title : null,
        x: e && Number.isFinite(e.x) ? e.x : null, y: e && Number.isFinite(e.y) ? e.y : null,
        community: e && Number.isInteger(e.community) ? e.community : null,
      };
    });
    this.client.selection(this.selection);
    this.root.dispatchEvent(new CustomEvent("panelready", { detail: { id } }));
  }

  /** Titles, years and positions of ids: loaded quads first, then the id shards. */
  async resolve(ids) {
    const found = new Map(await this.client.call("lookup", ids));
    const missing = [];
    const fromDetails = new Map();
    for (const promise of this.details.values()) {
      const data = await promise.catch(() => null);
      if (data) for (const n of data.nodes) fromDetails.set(n.id, n);
    }
    for (const id of ids) {
      if (found.has(id)) continue;
      const n = fromDetails.get(id);
      if (n) found.set(id, nodeEntry(n));
      else missing.push(id);
    }
    if (missing.length) {
      for (const [id, e] of await this.search.lookup(missing)) found.set(id, e);
    }
    return found;
  }

  clearSelection({ push = true } = {}) {
    this.selectSeq++;
    this.pendingId = null;
    const had = this.selection !== null || this.panel.open;
    this.selection = null;
    this.client.selection(null);
    this.panel.close();
    document.title = "IMDb recommendation map";
    if (had && push) this._push(this._hashNow(null));
  }

  // --- input ------------------------------------------------------------------------------

  /** The title drawn under screen point (sx, sy), or null. */
  hitTest(sx, sy) {
    return this.client.call("pick", sx, sy);
  }

  _bindInput() {
    const canvas = this.canvas;
    const pointers = new Map();
    let press = null; // {x, y, time} of a possible click
    let pinch = null;
    const local = (e) => {
      const r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    };
    const stopFlight = () => {
      if (this.flight) {
        this.flight.resolve();
        this.flight = null;
      }
    };
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      const p = local(e);
      pointers.set(e.pointerId, p);
      stopFlight();
      if (pointers.size === 1) press = { x: p[0], y: p[1], time: performance.now(), moved: false };
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        pinch = { dist: Math.hypot(a[0] - b[0], a[1] - b[1]), mid: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] };
        press = null;
      }
      this.canvas.classList.add("dragging");
    });
    canvas.addEventListener("pointermove", (e) => {
      const p = local(e);
      if (!pointers.has(e.pointerId)) {
        if (e.pointerType === "mouse") this._hoverAt(p[0], p[1]);
        return;
      }
      const prev = pointers.get(e.pointerId);
      pointers.set(e.pointerId, p);
      if (pointers.size === 1) {
        if (press && Math.hypot(p[0] - press.x, p[1] - press.y) > CLICK_SLOP) press.moved = true;
        if (!press || press.moved) {
          this.camera.panBy(p[0] - prev[0], p[1] - prev[1]);
          this._clearHover();
          this._viewChanged();
        }
      } else if (pointers.size === 2 && pinch) {
        const [a, b] = [...pointers.values()];
        const dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
        const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        this.camera.panBy(mid[0] - pinch.mid[0], mid[1] - pinch.mid[1]);
        if (pinch.dist > 0) this.camera.zoomAbout(dist / pinch.dist, mid[0], mid[1]);
        pinch = { dist, mid };
        this._viewChanged();
      }
    });
    const release = (e) => {
      if (!pointers.has(e.pointerId)) return;
      pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = null;
      if (pointers.size === 0) this.canvas.classList.remove("dragging");
      if (e.type === "pointerup" && press && !press.moved && pointers.size === 0) {
        const [x, y] = local(e);
        this.hitTest(x, y).then((hit) => {
          if (hit) this.select(hit.id, { fly: false, push: true });
          else if (this.selection) this.clearSelection({ push: true });
        });
      }
      if (pointers.size === 0) press = null;
      this._sendView(true);
    };
    canvas.addEventListener("pointerup", release);
    canvas.addEventListener("pointercancel", release);
    canvas.addEventListener("pointerleave", (e) => {
      if (e.pointerType === "mouse") this._clearHover();
    });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      stopFlight();
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.camera.height : 1;
      const [x, y] = local(e);
      this.camera.zoomAbout(Math.exp(-e.deltaY * unit * 0.0015), x, y);
      this._clearHover();
      this._viewChanged();
    }, { passive: false });
    canvas.addEventListener("dblclick", (e) => {
      const [x, y] = local(e);
      const [wx, wy] = this.camera.toWorld(x, y);
      this.flyTo(wx, wy, this.camera.scale * this.settings.zoomStep * this.settings.zoomStep, this.settings.flyMs / 2);
    });
    window.addEventListener("keydown", (e) => this._key(e));
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => this.action(button.dataset.action));
    }
  }

  /** Where the view is going: the current flight's end, or the view itself. */
  _goal() {
    const cam = this.camera;
    return this.flight ? this.flight.target : [cam.x, cam.y, cam.scale];
  }

  action(name) {
    const [x, y, scale] = this._goal(); // repeated presses add up
    const step = this.settings.zoomStep;
    if (name === "zoom-in") this.flyTo(x, y, scale * step, 250);
    else if (name === "zoom-out") this.flyTo(x, y, scale / step, 250);
    else if (name === "reset") this.flyTo(...this.homeView());
    else if (name === "legend") {
      const legend = this.root.querySelector(".legend");
      legend.classList.toggle("collapsed");
      this.root.querySelector("[data-action=legend]").setAttribute("aria-expanded", String(!legend.classList.contains("collapsed")));
    }
  }

  _key(e) {
    const target = e.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
    if (e.key === "Escape") {
      if (typing) return;
      if (this.selection || this.panel.open) this.clearSelection({ push: true });
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const cam = this.camera;
    const pan = 0.2;
    const moves = {
      ArrowLeft: [-cam.width * pan, 0], ArrowRight: [cam.width * pan, 0],
      ArrowUp: [0, -cam.height * pan], ArrowDown: [0, cam.height * pan],
    };
    if (e.key === "/") {
      e.preventDefault();
      this.root.querySelector("input[type=search]").focus();
    } else if (moves[e.key]) {
      e.preventDefault();
      const [dx, dy] = moves[e.key];
      const [x, y, scale] = this._goal();
      this.flyTo(x + dx / scale, y + dy / scale, scale, 200);
    } else if (e.key === "+" || e.key === "=") {
      e.preventDefault();
      this.action("zoom-in");
    } else if (e.key === "-" || e.key === "_") {
      e.preventDefault();
      this.action("zoom-out");
    } else if (e.key === "0") {
      this.action("reset");
    }
  }

  /** Highlight the title under the mouse and show its name (the latest request wins). */
  async _hoverAt(x, y) {
    const seq = ++this.hoverSeq;
    const hit = await this.client.call("hover", x, y);
    if (seq !== this.hoverSeq) return;
    this.hovering = Boolean(hit);
    this.canvas.classList.toggle("pointing", this.hovering);
    if (hit) this.tooltip.show(titleWithYear(hit.name, hit.year), x, y);
    else this.tooltip.hide();
  }

  _clearHover() {
    this.hoverSeq++;
    this.tooltip.hide();
    if (!this.hovering) return;
    this.hovering = false;
    this.canvas.classList.remove("pointing");
    this.client.call("hover", null, null);
  }

  // --- search -----------------------------------------------------------------------------

  _bindSearch() {
    const input = this.root.querySelector("input[type=search]");
    input.form?.addEventListener("submit", (e) => e.preventDefault());
    const listbox = this.root.querySelector(".suggestions");
    this.searchBox = new SearchBox(input, listbox, {
      suggest: (q) => this.search.suggest(q),
      onChoose: (entry) => this.select(entry.id, { fly: true, push: true, entry }),
    });
  }
}
