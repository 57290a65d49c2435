// Canvas 2D drawing of one frame, as six passes called in order (passes/): the overview
// bitmap, edges, nodes, the user's marks, the selection's neighbourhood, labels. Reads the
// TileMap and the view; never loads anything. The render worker and the page's fallback both draw with it
// (render-core.js).

import { drawBitmap } from "./passes/bitmap.js";
import { drawEdges } from "./passes/edges.js";
import { LabelPass } from "./passes/labels.js";
import { drawMarks } from "./passes/marks.js";
import { drawNodes } from "./passes/nodes.js";
import { drawPath } from "./passes/path.js";
import { drawSelection } from "./passes/selection.js";

export class Renderer {
  constructor(canvas, settings) {
    this.canvas = canvas;
    // desynchronized (for a page canvas, when drawing on the main thread): frames go to the
    // screen without waiting for the compositor's commit, which on a machine without a GPU
    // rasterises the whole canvas on the main thread (measured: long tasks in the benchmark's
    // tour went from 7-17 to 1-4). The render worker's OffscreenCanvas does not need it.
    this.ctx = canvas.getContext("2d", { alpha: false, desynchronized: true });
    this.settings = settings;
    this.palette = settings.nodeColors;
    this.dpr = 1;
    this.builtVersion = "";
    this.paletteVersion = 0;
    const labels = new LabelPass(settings);
    // In drawing order; each is (ctx, frame) -> void (see `_frame` for what a frame holds).
    // The path (passes/path.js) is drawn with the selection: one pass, one timing.
    const emphasis = (ctx, frame) => {
      drawSelection(ctx, frame);
      drawPath(ctx, frame);
    };
    this.passes = [drawBitmap, drawEdges, drawNodes, drawMarks, emphasis, (ctx, frame) => labels.draw(ctx, frame)];
    this.quadOrder = []; // loaded quads, deepest first (big nodes are drawn last, on top)
    this.visibleNodes = []; // [node, sx, sy, r] of the last frame, for hit tests
    this.placedLabels = []; // [{candidate, x, y, box}] of the last frame
    this.timings = { rebuildMs: 0, maxRebuildMs: 0, drawMs: 0, maxDrawMs: 0, rebuilds: 0 };
  }

  setPalette(colors) {
    if (Array.isArray(colors) && colors.length) this.palette = colors;
    this.paletteVersion++;
  }

  color(community) {
    const p = this.palette;
    return p[community % p.length];
  }

  resize(width, height, dpr) {
    this.dpr = dpr;
    const w = Math.round(width * dpr), h = Math.round(height * dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
  }

  radius(node, zoomFactor) {
    const s = this.settings;
    return (s.nodeMinRadius + (s.nodeMaxRadius - s.nodeMinRadius) * node.weight ** s.nodeSizePower) * zoomFactor;
  }

  /**
   * Only the quads the view needs are drawn (the LRU keeps others for when the view comes
   * back), so zooming out after a deep visit does not draw thousands of small titles.
   */
  _rebuild(map) {
    const key = `${map.version}|${map.wantedVersion}`;
    if (this.builtVersion === key) return;
    const t0 = performance.now();
    this.builtVersion = key;
    this.quadOrder = [...map.quads.values()].filter((q) => map.wanted.has(q.path)).sort((a, b) => b.depth - a.depth);
    const t = this.timings;
    t.rebuildMs = performance.now() - t0;
    t.maxRebuildMs = Math.max(t.maxRebuildMs, t.rebuildMs);
    t.rebuilds++;
  }

  /**
   * Draw a frame. `state`: {camera, map, hidden (Set of communities), bitmap, selection,
   * hover, marks (Map id -> mark kind), now}. Returns true while something is still fading
   * in (ask for another frame).
   */
  draw(state) {
    const t0 = performance.now();
    const animating = this._draw(state);
    const t = this.timings;
    t.drawMs = performance.now() - t0;
    t.maxDrawMs = Math.max(t.maxDrawMs, t.drawMs);
    return animating;
  }

  _draw(state) {
    let t = performance.now();
    const { camera, map } = state;
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = this.settings.background;
    ctx.fillRect(0, 0, camera.width, camera.height);
    if (!map.tree) return false;
    this._rebuild(map);
    const frame = this._frame(state);
    // Time spent per pass in the last frame (ms): bitmap (with the clear), edges, nodes,
    // marks, selection, labels; reported with the frame's figures (render-core.js: `passMs`).
    const phases = [];
    for (const pass of this.passes) {
      pass(ctx, frame);
      const now = performance.now();
      phases.push(now - t);
      t = now;
    }
    ctx.globalAlpha = 1;
    this.timings.phases = phases;
    this.visibleNodes = frame.visible;
    this.placedLabels = frame.labels;
    return frame.animating;
  }

  /** What every pass reads (the view, the map, the style) and writes (what it drew). */
  _frame({ camera, map, hidden, dimmed = null, path = null, bitmap, selection, hover, marks = null, now }) {
    const s = this.settings;
    const W = camera.width, H = camera.height;
    const [vx0, vx1, vy0, vy1] = camera.rect();
    const root = map.rootBox;
    const zoomFactor = Math.min(2.2, Math.max(1, (camera.scale / camera.fitScale(root, 0)) ** 0.12));
    const frame = {
      camera, map, hidden, dimmed, path, bitmap, selection, hover, marks, now, settings: s, root, W, H,
      dpr: this.dpr,
      quads: this.quadOrder,
      hiddenKey: hidden.size ? [...hidden].sort((a, b) => a - b).join(",") : "",
      paletteVersion: this.paletteVersion,
      dim: selection ? 0.28 : 1, // everything but the selection steps back
      /** True when world box [x0, x1, y0, y1] meets the view. */
      meets: (b) => b[1] >= vx0 && b[0] <= vx1 && b[3] >= vy0 && b[2] <= vy1,
      sx: (x) => (x - camera.x) * camera.scale + W / 2,
      sy: (y) => (y - camera.y) * camera.scale + H / 2,
      color: (community) => this.color(community),
      radius: (node) => this.radius(node, zoomFactor),
      /** A quad's opacity while it fades in after loading (keeps frames coming until done). */
      fade: (quad) => {
        if (!s.fadeMs) return 1;
        const f = (now - quad.loadedAt) / s.fadeMs;
        if (f < 1) frame.animating = true;
        return Math.min(1, Math.max(0, f));
      },
      // Written by the passes:
      animating: false, // something wants another frame (a fade, edges or labels to finish)
      visible: [], // [node, sx, sy, r] drawn (nodes)
      emphasised: [], // [{id, name, x, y, r, main}] (selection), labelled first
      labels: [], // [{candidate, x, y, box}] placed (labels)
    };
    return frame;
  }
}
