// Canvas 2D drawing of one frame: background bitmap, edges, nodes, the selection's
// neighbourhood, and labels. Reads the TileMap and the view; never loads anything.

import { placeLabels } from "./labels.js";
import { LRU } from "./lru.js";

const REC_COLOR = "#ffd166"; // edges to titles the selected one recommends
const BY_COLOR = "#4cc9f0"; // edges from titles recommending it
const LABEL_MAX_CHARS = 42;
const HALO = 2; // pixels of dark outline around label text
const SPRITES = 800; // label sprites kept
const MEASURES_PER_FRAME = 40;
const SQUARE_BELOW = 2.2; // radius (px) under which a title is drawn as a square
const SPRITES_PER_FRAME = 8;
// Milliseconds a frame may spend rebuilding quads' edge paths; the rest wait for the next
// frame (drawing their previous paths meanwhile), so a zoom that wakes many quads at once
// does not make one long frame.
const EDGE_REBUILD_MS = 6;

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
    this.sprites = new LRU(SPRITES, (key, bitmap) => bitmap.close());
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

  /** The quad's nodes per community, made once. */
  _groups(quad) {
    if (!quad.groups) {
      const groups = new Map();
      for (const node of quad.nodes) {
        let list = groups.get(node.community);
        if (!list) groups.set(node.community, (list = []));
        list.push(node);
      }
      quad.groups = [...groups.entries()];
    }
    return quad.groups;
  }

  /**
   * The quad's edges in world coordinates, one Path2D per colour, with their bounding boxes:
   * made when the quad is first drawn and again only when its edges or the hidden
   * communities change, so a frame only strokes them.
   */
  _edgePaths(quad, map, hidden, hiddenKey, deadline) {
    const wanted = map.wanted;
    const base = `${quad.edgeVersion}|${hiddenKey}|${this.paletteVersion}`;
    if (quad.edgeBase === base) {
      // Rebuild only if a quad at the other end of an edge started or stopped being drawn.
      if (quad.edgeWanted === map.wantedVersion) return quad.edgePaths;
      let same = true;
      for (const [path, was] of quad.edgeDeps) {
        if (wanted.has(path) !== was) {
          same = false;
          break;
        }
      }
      if (same) {
        quad.edgeWanted = map.wantedVersion;
        return quad.edgePaths;
      }
    }
    if (quad.edgePaths && performance.now() > deadline) {
      this.edgesPending = true; // out of time this frame: the old paths once more
      return quad.edgePaths;
    }
    const deps = new Map();
    for (const [a, b] of quad.edges) {
      deps.set(a.quad, wanted.has(a.quad));
      deps.set(b.quad, wanted.has(b.quad));
    }
    quad.edgeDeps = deps;
    quad.edgeBase = base;
    quad.edgeWanted = map.wantedVersion;
    const byColor = new Map();
    for (const [a, b] of quad.edges) {
      if (hidden.has(a.community) || hidden.has(b.community)) continue;
      if (!wanted.has(a.quad) || !wanted.has(b.quad)) continue; // an end that is not drawn
      const color = this.color(a.community);
      let g = byColor.get(color);
      if (!g) byColor.set(color, (g = { color, path: new Path2D(), box: [Infinity, -Infinity, Infinity, -Infinity] }));
      g.path.moveTo(a.x, a.y);
      g.path.lineTo(b.x, b.y);
      const box = g.box;
      if (a.x < box[0]) box[0] = a.x;
      if (a.x > box[1]) box[1] = a.x;
      if (a.y < box[2]) box[2] = a.y;
      if (a.y > box[3]) box[3] = a.y;
      if (b.x < box[0]) box[0] = b.x;
      if (b.x > box[1]) box[1] = b.x;
      if (b.y < box[2]) box[2] = b.y;
      if (b.y > box[3]) box[3] = b.y;
    }
    quad.edgePaths = [...byColor.values()];
    return quad.edgePaths;
  }

  /**
   * Draw a frame. `state`: {camera, map, hidden (Set of communities), bitmap, selection,
   * hover, now}. Returns true while something is still fading in (ask for another frame).
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
    const tStart = performance.now();
    const { camera, map, hidden, bitmap, selection, hover, now } = state;
    const s = this.settings;
    const ctx = this.ctx;
    const dpr = this.dpr;
    const W = camera.width, H = camera.height;
    let animating = false;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = s.background;
    ctx.fillRect(0, 0, W, H);
    if (!map.tree) return false;
    this._rebuild(map);
    const hiddenKey = hidden.size ? [...hidden].sort((a, b) => a - b).join(",") : "";
    const [vx0, vx1, vy0, vy1] = camera.rect();
    const meets = (b) => b[1] >= vx0 && b[0] <= vx1 && b[3] >= vy0 && b[2] <= vy1;
    const root = map.rootBox;
    const fitScale = camera.fitScale(root, 0);
    const zoomFactor = Math.min(2.2, Math.max(1, (camera.scale / fitScale) ** 0.12));
    const dim = selection ? 0.28 : 1;

    // 1. The overview bitmap over exactly the root box, fading out as nodes take over.
    if (bitmap) {
      const screenPerBitmapPixel = camera.scale / (bitmap.width / (root[1] - root[0]));
      const t = Math.log2(Math.max(screenPerBitmapPixel, 1e-9) / 1.5) / 2.5;
      const opacity = Math.min(1, Math.max(0.1, 1 - t)) * (selection ? 0.5 : 1);
      ctx.globalAlpha = opacity;
      ctx.imageSmoothingEnabled = true;
      // Only the part of the bitmap on screen: zoomed in, the whole image scaled up is many
      // times the canvas, and a software rasteriser pays for all of it.
      const dx = camera.toScreenX(root[0]), dy = camera.toScreenY(root[2]);
      const dw = (root[1] - root[0]) * camera.scale, dh = (root[3] - root[2]) * camera.scale;
      const x0 = Math.max(0, dx), y0 = Math.max(0, dy);
      const x1 = Math.min(W, dx + dw), y1 = Math.min(H, dy + dh);
      if (x1 > x0 && y1 > y0 && dw > 0 && dh > 0) {
        const kx = bitmap.width / dw, ky = bitmap.height / dh;
        ctx.drawImage(bitmap, (x0 - dx) * kx, (y0 - dy) * ky, (x1 - x0) * kx, (y1 - y0) * ky,
          x0, y0, x1 - x0, y1 - y0);
      }
    }

    const fade = (quad) => {
      if (!s.fadeMs) return 1;
      const f = (now - quad.loadedAt) / s.fadeMs;
      if (f < 1) animating = true;
      return Math.min(1, Math.max(0, f));
    };

    const tBitmap = performance.now();
    // 2. Edges: stroked in world coordinates (constant pixel width).
    ctx.setTransform(dpr * camera.scale, 0, 0, dpr * camera.scale,
      dpr * (W / 2 - camera.x * camera.scale), dpr * (H / 2 - camera.y * camera.scale));
    ctx.lineWidth = s.edgeWidth / camera.scale;
    ctx.lineCap = "round";
    const deadline = performance.now() + EDGE_REBUILD_MS;
    this.edgesPending = false;
    for (const quad of this.quadOrder) {
      if (!quad.edges.length || !meets(quad.edgeBox)) continue;
      const alpha = s.edgeOpacity * fade(quad) * dim;
      if (alpha <= 0.003) continue;
      ctx.globalAlpha = alpha;
      for (const g of this._edgePaths(quad, map, hidden, hiddenKey, deadline)) {
        if (!meets(g.box)) continue;
        ctx.strokeStyle = g.color;
        ctx.stroke(g.path);
      }
    }

    const tEdges = performance.now();
    // 3. Nodes, batched per quad and community, in screen coordinates.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const visible = [];
    const sx = (x) => (x - camera.x) * camera.scale + W / 2;
    const sy = (y) => (y - camera.y) * camera.scale + H / 2;
    ctx.lineWidth = 1;
    ctx.strokeStyle = s.background;
    for (const quad of this.quadOrder) {
      if (!meets(quad.box)) continue;
      const alpha = fade(quad) * dim;
      ctx.globalAlpha = alpha;
      for (const [community, nodes] of this._groups(quad)) {
        if (hidden.has(community)) continue;
        // Small titles are squares (cheap to rasterise, and indistinguishable from discs at
        // that size); bigger ones are discs with a thin outline in the background colour.
        ctx.fillStyle = this.color(community);
        let discs = null;
        for (const node of nodes) {
          const x = sx(node.x), y = sy(node.y);
          const r = this.radius(node, zoomFactor);
          if (x < -r || x > W + r || y < -r || y > H + r) continue;
          visible.push([node, x, y, r]);
          if (r < SQUARE_BELOW) {
            ctx.fillRect(x - r * 0.89, y - r * 0.89, r * 1.78, r * 1.78);
            continue;
          }
          if (!discs) {
            discs = true;
            ctx.beginPath();
          }
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        if (!discs) continue;
        ctx.fill();
        ctx.stroke();
      }
    }
    this.visibleNodes = visible;

    const tNodes = performance.now();
    // 4. The selection: its edges, neighbours and itself, at full strength.
    const emphasised = [];
    if (selection) {
      ctx.globalAlpha = 1;
      const x0 = sx(selection.x), y0 = sy(selection.y);
      for (const n of selection.neighbours) {
        if (n.x === null || (n.community !== null && hidden.has(n.community))) continue;
        ctx.strokeStyle = n.kind === "by" ? BY_COLOR : REC_COLOR;
        ctx.lineWidth = n.kind === "both" ? 2.2 : 1.4;
        ctx.globalAlpha = 0.85;
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        ctx.lineTo(sx(n.x), sy(n.y));
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
      ctx.lineWidth = 1.5;
      for (const n of selection.neighbours) {
        if (n.x === null || (n.community !== null && hidden.has(n.community))) continue;
        const node = map.nodeById.get(n.id);
        const r = node ? this.radius(node, zoomFactor) + 1 : 3.5;
        const x = sx(n.x), y = sy(n.y);
        ctx.beginPath();
        ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = node ? this.color(node.community) : "#9aa4b2";
        ctx.fill();
        ctx.strokeStyle = n.kind === "by" ? BY_COLOR : REC_COLOR;
        ctx.stroke();
        emphasised.push({ id: n.id, name: n.title, x, y, r });
      }
      const node = map.nodeById.get(selection.id);
      const r = (node ? this.radius(node, zoomFactor) : 5) + 3;
      ctx.beginPath();
      ctx.arc(x0, y0, r, 0, 2 * Math.PI);
      ctx.fillStyle = node ? this.color(node.community) : "#9aa4b2";
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      emphasised.unshift({ id: selection.id, name: selection.title, x: x0, y: y0, r: r + 2, main: true });
    }
    if (hover) {
      ctx.globalAlpha = 1;
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(hover[1], hover[2], hover[3] + 3, 0, 2 * Math.PI);
      ctx.stroke();
    }

    // 5. Labels: the selection first, then the biggest visible titles, never overlapping.
    const tSel = performance.now();
    this._labels(ctx, visible, emphasised, W, H, dim);
    ctx.globalAlpha = 1;
    // Time spent per phase in the last frame (ms): bitmap, edges, nodes, selection, labels.
    const tEnd = performance.now();
    this.timings.phases = [tBitmap - tStart, tEdges - tBitmap, tNodes - tEdges, tSel - tNodes, tEnd - tSel];
    if (this.labelsPending || this.edgesPending) {
      this.labelsPending = false;
      animating = true;
    }
    return animating;
  }

  _labels(ctx, visible, emphasised, W, H, dim) {
    const s = this.settings;
    if (s.labelMaxCount === 0) return;
    ctx.font = s.labelFont;
    const height = parseFloat(s.labelFont) * 1.2 || 14;
    // New labels cost text shaping (measure) and rasterising (sprite): a frame does a bounded
    // amount of both, and asks for another frame to do the rest (labels appear over a few
    // frames instead of one long one).
    let measureBudget = MEASURES_PER_FRAME;
    this.spriteBudget = SPRITES_PER_FRAME;
    const measure = (holder, text) => {
      if (holder.labelFont !== s.labelFont || holder.labelText !== text) {
        if (measureBudget-- <= 0) {
          this.labelsPending = true;
          return null;
        }
        holder.labelText = text;
        holder.labelFont = s.labelFont;
        holder.labelWidth = ctx.measureText(text).width;
      }
      return holder.labelWidth;
    };
    const candidates = [];
    const taken = new Set();
    for (const e of emphasised) {
      if (!e.name) continue;
      const text = shorten(e.name);
      e.labelWidth = ctx.measureText(text).width;
      candidates.push({ x: e.x, y: e.y, r: e.r, text, width: e.labelWidth, height, strong: true, main: e.main });
      taken.add(e.id);
    }
    const ranked = visible.length > 1 ? [...visible].sort((p, q) => q[0].weight - p[0].weight) : visible;
    let tried = 0;
    for (const v of ranked) {
      if (tried > s.labelMaxCount * 3) break;
      const node = v[0];
      if (taken.has(node.id)) continue;
      tried++;
      const text = shorten(node.name);
      const width = measure(node, text);
      if (width === null) continue;
      candidates.push({ x: v[1], y: v[2], r: v[3], text, width, height, strong: false });
    }
    const placed = placeLabels(candidates, W, H, { max: s.labelMaxCount + emphasised.length, padding: s.labelPadding });
    this.placedLabels = placed; // the last frame's, for RenderCore's `labels` call
    // Each label is drawn once into a small sprite (text with its dark halo) and then only
    // copied: software-rasterised text is the costliest part of a frame otherwise.
    const dpr = this.dpr;
    for (const { candidate: c, x, y } of placed) {
      const sprite = this._sprite(c.text, c.width, height, c.main ? "#ffffff" : s.labelColor, c.strong);
      if (!sprite) continue;
      ctx.globalAlpha = c.strong ? 1 : Math.max(0.45, dim);
      ctx.drawImage(sprite, Math.round((x - HALO) * dpr) / dpr, Math.round((y - height / 2 - HALO) * dpr) / dpr,
        sprite.width / dpr, sprite.height / dpr);
    }
    this.sprites.trim();
  }

  _sprite(text, width, height, color, urgent) {
    const s = this.settings;
    const key = `${color}|${s.labelFont}|${this.dpr}|${text}`;
    let sprite = this.sprites.get(key);
    if (sprite) return sprite;
    if (!urgent && this.spriteBudget-- <= 0) {
      this.labelsPending = true;
      return null;
    }
    const dpr = this.dpr;
    if (!this.scratch) {
      this.scratch = new OffscreenCanvas(1, 1);
      this.scratchContext = this.scratch.getContext("2d");
    }
    const canvas = this.scratch, g = this.scratchContext;
    canvas.width = Math.ceil((width + 2 * HALO) * dpr); // also resets the context's state
    canvas.height = Math.ceil((height + 2 * HALO) * dpr);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.font = s.labelFont;
    g.textBaseline = "middle";
    g.lineJoin = "round";
    g.lineWidth = 3;
    g.strokeStyle = s.background;
    g.strokeText(text, HALO, HALO + height / 2);
    g.fillStyle = color;
    g.fillText(text, HALO, HALO + height / 2);
    sprite = canvas.transferToImageBitmap(); // an ImageBitmap is the cheapest drawImage source
    this.sprites.set(key, sprite);
    return sprite;
  }
}

function shorten(text) {
  const chars = Array.from(text);
  return chars.length > LABEL_MAX_CHARS ? `${chars.slice(0, LABEL_MAX_CHARS - 1).join("")}…` : text;
}
