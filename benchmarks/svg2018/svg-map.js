// The 2018 approach, for the site benchmark only: the same tiles, loaded by the same TileMap
// with the same rule, but drawn the way shingle.js draws them: every node and edge of the
// quads in view is an SVG element (a node is a zero-length line with round caps and a
// non-scaling stroke, an edge an elliptical arc), the view is a transform on their group, and
// the browser repaints the whole scene on every pan and zoom step. No labels (shingle.js has
// none on the map either), no bitmap: a generous baseline.
//
// It exposes what benchmarks/bench_site.py reads from the real viewer: the `map-first-draw`
// performance mark and `imdbMap.inspect()` (the fields the benchmark uses: firstDraw, frame,
// settled).

import { Camera } from "../js/camera.js";
import { Loader } from "../js/loader.js";
import { DEFAULTS } from "../js/settings.js";
import { QuadTree, TileMap } from "../js/tilemap.js";

const SVG = "http://www.w3.org/2000/svg";
const SLOW_FRAME_MS = 50;

class SvgMap {
  constructor(svg) {
    this.svg = svg;
    this.world = svg.querySelector(".world");
    this.settings = { ...DEFAULTS, useBitmap: false };
    this.camera = new Camera();
    this.loader = new Loader(new URL("../data/", document.baseURI).href, this.settings.maxConcurrentRequests);
    this.groups = new Map(); // quad path -> {g, edgeVersion}
    this.firstDraw = null;
    this.frameStats = { frames: 0, slowFrames: 0, quads: 0, wanted: 0, visible: 0, drawMs: 0, maxDrawMs: 0, maxAddMs: 0 };
    this.frameRequested = false;
  }

  async start() {
    this.tree = new QuadTree(await this.loader.load("mapinfo", "mapinfo.json", -10));
    this.map = new TileMap(this.tree, this.loader, this.settings, () => this.requestFrame());
    const box = this.svg.getBoundingClientRect();
    this.camera.resize(box.width, box.height);
    const home = this.tree.homeBox;
    this.camera.set((home[0] + home[1]) / 2, (home[2] + home[3]) / 2, this.camera.fitScale(home));
    this.camera.minScale = this.camera.fitScale(this.tree.rootBox, 0) * 0.5;
    this.camera.maxScale = this.settings.maxLeafPixels / this.tree.leafWidth;
    this._bindInput();
    this.map.update(this.camera);
    this.requestFrame();
  }

  _bindInput() {
    let drag = null;
    this.svg.addEventListener("pointerdown", (e) => {
      this.svg.setPointerCapture(e.pointerId);
      drag = [e.clientX, e.clientY];
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!drag) return;
      this.camera.panBy(e.clientX - drag[0], e.clientY - drag[1]);
      drag = [e.clientX, e.clientY];
      this.requestFrame();
    });
    this.svg.addEventListener("pointerup", () => {
      drag = null;
      this.map.update(this.camera); // like shingle.js: load on mouse-up, not during the drag
    });
    this.svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      this.camera.zoomAbout(Math.exp(-e.deltaY * 0.0015), e.clientX, e.clientY);
      this.map.update(this.camera);
      this.requestFrame();
    }, { passive: false });
  }

  requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this._frame());
  }

  _frame() {
    this.frameRequested = false;
    const t0 = performance.now();
    const cam = this.camera;
    this.world.setAttribute("transform",
      `translate(${cam.width / 2 - cam.x * cam.scale} ${cam.height / 2 - cam.y * cam.scale}) scale(${cam.scale})`);
    const wanted = this.map.wanted;
    for (const [path, entry] of this.groups) {
      if (!wanted.has(path) || this.map.quads.peek(path) !== entry.quad) {
        entry.g.remove();
        this.groups.delete(path);
      }
    }
    let visible = 0;
    const quads = [...this.map.quads.values()].filter((q) => wanted.has(q.path)).sort((a, b) => b.depth - a.depth);
    for (const quad of quads) {
      let entry = this.groups.get(quad.path);
      if (!entry || entry.edgeVersion !== quad.edgeVersion) {
        if (entry) entry.g.remove();
        entry = { quad, g: this._group(quad), edgeVersion: quad.edgeVersion };
        this.groups.set(quad.path, entry);
        this.world.append(entry.g);
      }
      visible += quad.nodes.length;
    }
    const s = this.frameStats;
    s.frames++;
    s.drawMs = performance.now() - t0;
    s.maxDrawMs = Math.max(s.maxDrawMs, s.drawMs);
    if (s.drawMs > SLOW_FRAME_MS) s.slowFrames++;
    s.quads = this.map.quads.size;
    s.wanted = wanted.size;
    s.visible = visible;
    s.maxAddMs = this.map.timings.maxAddMs;
    if (this.firstDraw === null && s.quads > 0 && !this.map.pending) {
      this.firstDraw = performance.now();
      performance.mark("map-first-draw");
    }
  }

  /** The real viewer's inspection object, reduced to what the benchmark reads. */
  async inspect() {
    return {
      firstDraw: this.firstDraw,
      renderer: "svg",
      frame: { ...this.frameStats },
      settled: !this.frameRequested && this.map !== undefined && !this.map.pending && this.loader.pending === 0,
    };
  }

  /** One quad's SVG: its edges (arcs, coloured by their first node), then its nodes. */
  _group(quad) {
    const palette = this.settings.nodeColors;
    const color = (c) => palette[c % palette.length];
    const g = document.createElementNS(SVG, "g");
    const edges = document.createElementNS(SVG, "g");
    edges.setAttribute("class", "edges");
    for (const [a, b] of quad.edges) {
      const path = document.createElementNS(SVG, "path");
      const r = Math.hypot(b.x - a.x, b.y - a.y) * 2;
      path.setAttribute("d", `M${a.x} ${a.y}A${r} ${r} 0 0 1 ${b.x} ${b.y}`);
      path.setAttribute("stroke", color(a.community));
      edges.append(path);
    }
    const nodes = document.createElementNS(SVG, "g");
    nodes.setAttribute("class", "nodes");
    const { nodeMinRadius: r0, nodeMaxRadius: r1, nodeSizePower: p } = this.settings;
    for (const node of quad.nodes) {
      const line = document.createElementNS(SVG, "line");
      line.setAttribute("x1", node.x);
      line.setAttribute("y1", node.y);
      line.setAttribute("x2", node.x);
      line.setAttribute("y2", node.y);
      line.setAttribute("stroke", color(node.community));
      line.setAttribute("stroke-width", `${2 * (r0 + (r1 - r0) * node.weight ** p)}px`);
      nodes.append(line);
    }
    g.append(edges, nodes);
    return g;
  }
}

const map = new SvgMap(document.querySelector("svg.map"));
window.imdbMap = map;
map.start().catch((error) => console.error(error));
