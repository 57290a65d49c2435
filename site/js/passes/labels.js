// Drawing pass 5: labels, the emphasised titles first, then the biggest visible ones, never
// overlapping (placement: ../labels.js). Each label is drawn once into a small sprite and then
// only copied; a frame shapes and rasterises a bounded number of new ones.

import { placeLabels } from "../labels.js";
import { LRU } from "../lru.js";

const LABEL_MAX_CHARS = 42;
const HALO = 2; // pixels of dark outline around label text
const SPRITES = 800; // label sprites kept
const MEASURES_PER_FRAME = 40;
const SPRITES_PER_FRAME = 8;

export class LabelPass {
  constructor(settings) {
    this.settings = settings;
    this.sprites = new LRU(SPRITES, (key, bitmap) => bitmap.close());
    this.scratch = null; // an OffscreenCanvas sprites are drawn in
    this.spriteBudget = 0;
  }

  /**
   * Place and draw the labels of `frame.emphasised` and `frame.visible`; the placed ones go to
   * `frame.labels`, and `frame.animating` is set when some had to wait for the next frame.
   */
  draw(ctx, frame) {
    const s = this.settings;
    if (s.labelMaxCount === 0) return;
    const { visible, emphasised, W, H, dpr } = frame;
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
          frame.animating = true;
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
      if (taken.has(node.id) || (frame.dimmed && frame.dimmed(node.id))) continue; // filtered out: no label
      tried++;
      const text = shorten(node.name);
      const width = measure(node, text);
      if (width === null) continue;
      candidates.push({ x: v[1], y: v[2], r: v[3], text, width, height, strong: false });
    }
    const placed = placeLabels(candidates, W, H, { max: s.labelMaxCount + emphasised.length, padding: s.labelPadding });
    frame.labels = placed;
    for (const { candidate: c, x, y } of placed) {
      const sprite = this._sprite(c.text, c.width, height, c.main ? "#ffffff" : s.labelColor, c.strong, dpr, frame);
      if (!sprite) continue;
      ctx.globalAlpha = c.strong ? 1 : Math.max(0.45, frame.dim);
      ctx.drawImage(sprite, Math.round((x - HALO) * dpr) / dpr, Math.round((y - height / 2 - HALO) * dpr) / dpr,
        sprite.width / dpr, sprite.height / dpr);
    }
    this.sprites.trim();
  }

  _sprite(text, width, height, color, urgent, dpr, frame) {
    const s = this.settings;
    const key = `${color}|${s.labelFont}|${dpr}|${text}`;
    let sprite = this.sprites.get(key);
    if (sprite) return sprite;
    if (!urgent && this.spriteBudget-- <= 0) {
      frame.animating = true;
      return null;
    }
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
