// The viewer, a thin coordinator: it owns the view (Camera, flights) and wires the map's
// geometry (QuadTree), the drawing (RenderClient: a worker, or the page), the input captors,
// the selection, the search, the widgets and the URL together. The page's main thread owns
// the view and sends it to the drawing side, which loads the quads the view needs.
//
// `inspect()` is its one window for tests, benchmarks and the console: plain data, no handles.

import { Camera } from "./camera.js";
import { KeyboardCaptor, PointerCaptor } from "./captors.js";
import { Flights } from "./flight.js";
import { GraphClient } from "./graph-client.js";
import { isDemoMap, showDemoBadge, showKeyHints } from "./hints.js";
import { Hover } from "./hover.js";
import { Loader } from "./loader.js";
import { Mine } from "./mine.js";
import { MyRatings } from "./myratings.js";
import { RenderClient } from "./render-client.js";
import { SearchIndex } from "./search.js";
import { Selection } from "./selection.js";
import { QuadTree } from "./tilemap.js";
import { TonightPanel } from "./tonight-ui.js";
import { Panel, SearchBox, Tooltip, buildLegend } from "./ui.js";
import { UrlHistory, formatHash, parseHash } from "./urlstate.js";
import { VisibleArea, boxOf, frameView, showsAll } from "./visible-area.js";

const URL_INTERVAL_MS = 300;
const NOTICE_MS = 4000; // how long a passing notice ("not on this map") stays
const FRAME_PAD = 28; // CSS px a framed title or neighbour keeps from the visible area's edges

export class Viewer {
  constructor(root, settings) {
    this.root = root;
    this.settings = settings;
    this.canvas = root.querySelector("canvas.map");
    this.camera = new Camera();
    this.flights = new Flights(this.camera, () => this._viewChanged());
    this.loader = new Loader(new URL(settings.dataPath, document.baseURI).href, settings.maxConcurrentRequests);
    this.tree = null; // QuadTree, once mapinfo.json is in
    this.client = new RenderClient(this.canvas, settings, (stats) => this._drawn(stats));
    this.dpr = 1;
    this.hidden = new Set();
    this.urls = new UrlHistory(URL_INTERVAL_MS);
    this.applyingHash = false;
    this.firstDraw = null; // performance.now() when the first view was drawn complete
    this.hover = new Hover(this.canvas, new Tooltip(root.querySelector(".tooltip")), this.client);
    this.status = root.querySelector(".status");
    this.panel = new Panel(root.querySelector(".panel"), {
      onPick: (id) => this.select(id, { fly: true, push: true }),
      onClose: () => this.clearSelection({ push: true }),
    });
    this.search = null; // SearchIndex and Selection, once mapinfo.json is in
    this.selection = null;
    this.ratings = new MyRatings(); // the user's own titles, on this device only
    // The whole graph (graph.bin.gz) in a worker, started by the first feature that needs it.
    this.graph = new GraphClient(this.loader.url("graph.bin.gz"));
    this.tonight = null; // TonightPanel, once the search is in
    this.drawn = new Promise((resolve) => (this._resolveDrawn = resolve)); // the first draw
    this.mine = null; // their import panel, marks' key and panel line (mine.js)
    // What the camera keeps framed in the visible area while the user has not moved it:
    // null, {kind: "home"} or {kind: "selection", id, scale, always}.
    this.framing = null;
    this.area = new VisibleArea(this.canvas, root, () => this._reframe());
    root.addEventListener("panelready", () => this._reframe());
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
    this.panel.origins = this.tree.info.origins || null;
    this.panel.edgeOrigins = this.tree.info.edgeOrigins ?? null;
    this.panel.demo = isDemoMap(this.tree.info); // invented ids: no links to IMDb
    showDemoBadge(this.root, this.tree.info);
    showKeyHints(this.root);
    this._credits(this.tree.info.origins);
    this.camera.minScale = this.camera.fitScale(this.tree.rootBox, 0) * 0.5;
    this.camera.maxScale = Math.max(this.camera.minScale * 2, this.settings.maxLeafPixels / this.tree.leafWidth);
    this.client.start(this.loader.url(""), this.tree);
    this.search = new SearchIndex(this.loader, this.settings, this.tree.info);
    this.selection = new Selection({
      root: this.root, client: this.client, loader: this.loader, search: this.search, panel: this.panel,
      settings: this.settings,
    });
    const legendDone = this._loadLegend();
    const searchDone = this.search.init();
    this._bindInput();
    this._bindSearch();
    this.tonight = new TonightPanel(this, this.root.querySelector(".tonight"));
    this.mine = new Mine(this, { searchDone, legendDone });
    if (window.matchMedia("(max-width: 700px)").matches) this.action("legend");
    this.urls.listen((hash) => this._applyHash(hash, false));
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

  /** TMDb's terms ask every product showing its data for this notice: shown whenever the
   * map holds TMDb data (mapinfo's `origins`), and only then. */
  _credits(origins) {
    const credits = this.root.querySelector(".credits");
    if (!credits) return;
    const tmdb = Boolean(origins && typeof origins === "object" && Object.hasOwn(origins, "tmdb"));
    credits.hidden = !tmdb;
    this.root.classList.toggle("with-tmdb", tmdb);
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
      this._reframe();
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
      this._resolveDrawn();
    }
    this.mine?.drawn(stats);
  }

  // --- view -------------------------------------------------------------------------------

  /**
   * The part of the canvas no panel, sheet or legend covers ({left, top, right, bottom,
   * width, height}, canvas CSS px): every framing aims at it. Elements with a
   * `data-covers-map` attribute count (see visible-area.js).
   */
  visibleArea() {
    return this.area.rect();
  }

  /** The opening view: where most titles are (TileMap.homeBox), in the visible area. */
  homeView() {
    const box = this.tree.homeBox;
    const pad = 0.05 * Math.min(this.camera.width, this.camera.height);
    return frameView(this.camera, this.visibleArea(), box, Infinity, pad);
  }

  fit() {
    this.camera.set(...this.homeView());
    this.framing = { kind: "home" };
    this._viewChanged();
  }

  /** The view that frames the selection (the title and the neighbours located so far). */
  _selectionView(framing) {
    const sel = this.selection && this.selection.current;
    if (!sel || sel.id !== framing.id) return null;
    const points = this._selectionPoints(sel);
    const most = this.camera.clampScale(Math.max(framing.scale, this.focusScale()));
    return frameView(this.camera, this.visibleArea(), boxOf(points), most, FRAME_PAD);
  }

  _selectionPoints(sel) {
    return [[sel.x, sel.y], ...sel.neighbours.map((n) => [n.x, n.y])];
  }

  /**
   * Keep what `this.framing` names in the visible area after it changed (a panel reached its
   * final size, the legend closed) or the selection's neighbours arrived: the home view is
   * framed again; a selection moves only when part of it would be hidden (or, the first
   * time after a search, always).
   */
  _reframe() {
    const framing = this.framing;
    if (!framing || !this.tree || this.applyingHash) return null;
    if (framing.kind === "home") {
      // Before the first view is drawn (the legend just loaded) at once; later, a short glide.
      this.flyTo(...this.homeView(), this.firstDraw === null ? 0 : this.settings.flyMs / 2);
      return null;
    }
    const target = this._selectionView(framing);
    if (!target) return null;
    const sel = this.selection.current;
    const keep = !framing.always &&
      showsAll(this.camera, this.flights.goal(), this.visibleArea(), this._selectionPoints(sel), FRAME_PAD / 2);
    framing.always = false;
    if (!keep) this.flyTo(...target);
    return target;
  }

  /** Scale at which a selected title's neighbourhood is readable. */
  focusScale() {
    const info = this.tree.info;
    const line = Number.isFinite(info.averageLineLength) ? info.averageLineLength : 0;
    const width = Math.max(4 * this.tree.leafWidth, 3 * line);
    return this.camera.clampScale(Math.min(this.camera.width, this.camera.height) / width);
  }

  /** Animate to centre (x, y) at `scale`; resolves when there. */
  flyTo(x, y, scale, ms = this.settings.flyMs) {
    return this.flights.to(x, y, scale, ms);
  }

  _viewChanged() {
    this._sendView(false);
    if (this.tree && !this.applyingHash) this.urls.replaceSoon(() => this._hashNow());
  }

  action(name) {
    const [x, y, scale] = this.flights.goal(); // repeated presses add up
    const step = this.settings.zoomStep;
    if (name === "zoom-in" || name === "zoom-out") this.framing = null;
    if (name === "zoom-in") this.flyTo(x, y, scale * step, 250);
    else if (name === "zoom-out") this.flyTo(x, y, scale / step, 250);
    else if (name === "reset") {
      this.framing = { kind: "home" };
      this.flyTo(...this.homeView());
    }
    else if (name === "tonight") this.tonight.toggle();
    else if (name === "legend") {
      const legend = this.root.querySelector(".legend");
      legend.classList.toggle("collapsed");
      this.root.querySelector("[data-action=legend]").setAttribute("aria-expanded", String(!legend.classList.contains("collapsed")));
    }
  }

  // --- URL --------------------------------------------------------------------------------

  _hashNow(id = this.selection && this.selection.current ? this.selection.current.id : null, view = null) {
    const cam = this.camera;
    const [x, y, scale] = view || [cam.x, cam.y, cam.scale];
    const root = this.tree.rootBox;
    const filter = this.tonight ? this.tonight.filter : null;
    return formatHash({ id, x, y, z: Math.log2(scale), filter }, root[1] - root[0]);
  }

  _applyHash(hash, initial) {
    const state = parseHash(hash);
    const hasView = state.x !== null && state.y !== null && state.z !== null;
    this.applyingHash = true;
    if (hasView) {
      this.framing = null; // the URL's view wins
      this.camera.set(state.x, state.y, 2 ** state.z);
      this._sendView(true);
    } else if (initial) {
      this.fit();
    }
    this.applyingHash = false;
    this.tonight.applyFilter(state.filter);
    if (state.id && state.id !== this.selection.id) {
      this.select(state.id, { fly: !hasView, push: false, instant: initial && !hasView });
    } else if (!state.id && (this.selection.current || this.panel.open)) {
      this.clearSelection({ push: false });
    }
  }

  // --- selection --------------------------------------------------------------------------

  /**
   * Select a title: open its panel, highlight its neighbourhood, and frame it with its
   * neighbours in the visible area (`fly` true), or only uncover it if it is hidden ("uncover",
   * a tap on the map), or leave the view alone (false: the URL gave the view).
   * `entry` (optional) is what the caller already knows: {x, y, quad, title, year}.
   */
  async select(id, { fly = true, push = true, instant = false, entry = null } = {}) {
    const focus = () => {
      if (!fly) {
        this.framing = null;
        if (push) this.urls.push(this._hashNow(id, null));
        return;
      }
      // A search or a pick frames the title; a tap ("uncover") moves only if it is hidden.
      this.framing = { kind: "selection", id, scale: this.camera.scale, always: fly === true };
      if (!instant) {
        const target = this._reframe();
        if (push) this.urls.push(this._hashNow(id, fly === true ? target : null));
        return;
      }
      const target = this._selectionView(this.framing);
      this.framing.always = false;
      if (push) this.urls.push(this._hashNow(id, target));
      this.camera.set(...target);
      this._viewChanged();
    };
    const outcome = await this.selection.select(id, entry, focus);
    if (outcome !== "missing") return;
    this._say(`${id} is not on this map.`);
    setTimeout(() => this._say(""), NOTICE_MS);
    if (push === false && this.selection.current === null) this.panel.close();
  }

  clearSelection({ push = true } = {}) {
    const had = this.selection.clear();
    if (had && push) this.urls.push(this._hashNow(null));
  }

  // --- input ------------------------------------------------------------------------------

  /** The captors' intents, carried out on the camera, the hover and the selection. */
  _bindInput() {
    const cam = this.camera;
    new PointerCaptor(this.canvas, {
      grab: () => {
        this.framing = null; // the user moves the view now
        this.flights.stop();
      },
      pan: (dx, dy) => {
        cam.panBy(dx, dy);
        this.hover.clear();
        this._viewChanged();
      },
      pinch: (dx, dy, factor, x, y) => {
        cam.panBy(dx, dy);
        cam.zoomAbout(factor, x, y);
        this._viewChanged();
      },
      zoom: (factor, x, y) => {
        this.framing = null;
        this.flights.stop(); // the wheel takes over from a flight
        cam.zoomAbout(factor, x, y);
        this.hover.clear();
        this._viewChanged();
      },
      release: () => this._sendView(true),
      hover: (x, y) => this.hover.at(x, y),
      unhover: () => this.hover.clear(),
      click: async (x, y) => {
        const hit = await this.client.call("pick", x, y);
        if (hit) this.select(hit.id, { fly: "uncover", push: true });
        else if (this.selection.current) this.clearSelection({ push: true });
      },
      zoomInAt: (x, y) => {
        this.framing = null;
        const [wx, wy] = cam.toWorld(x, y);
        const step = this.settings.zoomStep;
        this.flyTo(wx, wy, cam.scale * step * step, this.settings.flyMs / 2);
      },
    });
    new KeyboardCaptor(window, {
      escape: () => {
        if (this.selection.current || this.panel.open) this.clearSelection({ push: true });
      },
      focusSearch: () => this.root.querySelector("input[type=search]").focus(),
      step: (fx, fy) => {
        this.framing = null;
        const [x, y, scale] = this.flights.goal();
        this.flyTo(x + (fx * cam.width) / scale, y + (fy * cam.height) / scale, scale, 200);
      },
      action: (name) => this.action(name),
    });
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => this.action(button.dataset.action));
    }
  }

  _bindSearch() {
    const input = this.root.querySelector("input[type=search]");
    input.form?.addEventListener("submit", (e) => e.preventDefault());
    const listbox = this.root.querySelector(".suggestions");
    this.searchBox = new SearchBox(input, listbox, {
      suggest: (q) => this.search.suggest(q),
      onChoose: (entry) => this.select(entry.id, { fly: true, push: true, entry }),
    });
  }

  // --- inspection -------------------------------------------------------------------------

  /**
   * The viewer's state as plain data (a copy: changing it changes nothing), for tests,
   * benchmarks and the console. Resolves with
   *   firstDraw   performance.now() when the first view was drawn complete, or null
   *   renderer    "worker" or "page": where the map is drawn
   *   view        {x, y, scale, width, height}: the camera
   *   selection   null or {id, title, neighbours: [{id, kind, title, x, y, community}]}
   *   frame       the last frame's figures: {frames, slowFrames, complete, quads, wanted,
   *               visible, drawMs, maxDrawMs, maxAddMs, requests, marksLocated, passMs (per
   *               drawing pass: bitmap, edges, nodes, marks, selection, labels)}, or null
   *               before the first
   *   treeQuads   quads in the map's tree
   *   quads       paths of the quads in memory
   *   titles      titles drawn: [{id, name, year, community, quad, x, y, sx, sy, r, mark}]
   *               (`mark`: "high", "low", "seen", "watchlist" for the user's titles, else null)
   *   labels      labels drawn: [{text, box: [x0, y0, x1, y1] (padded), strong}]
   *   bitmap      the overview bitmap drawn (file name), or null
   *   ratings     the user's titles per kind: {rated, seen, watchlist, liked}
   *   tonight     {open, filter, dim: {passing, total} | null, list: [id], graphStarted,
   *               path: [id] | null} (titles carry `dimmed`: outside the filter)
   *   settled     nothing is moving, loading or left to draw: the canvas shows the view as
   *               it will stay (until the next input)
   */
  async inspect() {
    const cam = this.camera;
    const core = this.tree ? await this.client.call("inspect") : { settled: false, bitmap: null, quads: [], titles: [], labels: [] };
    const selected = this.selection && this.selection.current;
    return {
      firstDraw: this.firstDraw,
      renderer: this.client.inWorker ? "worker" : "page",
      view: { x: cam.x, y: cam.y, scale: cam.scale, width: cam.width, height: cam.height },
      selection: selected && {
        id: selected.id, title: selected.title, neighbours: selected.neighbours.map((n) => ({ ...n })),
      },
      frame: this.client.stats && { ...this.client.stats },
      treeQuads: this.tree ? this.tree.tree.paths.length : 0,
      ratings: this.ratings.counts(),
      tonight: this.tonight ? this.tonight.state() : null,
      ...core,
      settled: core.settled && !this.flights.active && !this.urls.pending && this.loader.pending === 0 &&
        !(this.selection && this.selection.busy),
    };
  }
}
