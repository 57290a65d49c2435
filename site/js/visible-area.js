// The visible map area: the part of the canvas that no panel, sheet or legend covers. Every
// framing of the camera (the opening view, "whole map", a selected title and its neighbours)
// aims at it, so what the viewer shows is never under something else.
//
// Any element of the page with a `data-covers-map` attribute counts: a new panel joins by
// carrying the attribute (added in the HTML or later, shown or hidden at will). A covering
// element that is hidden (no box) covers nothing. `VisibleArea` watches those elements'
// sizes and tells its owner when the free rectangle changed (a panel opened, the phone's
// sheet grew to its final size, the legend was closed).

export const COVERS_MAP = "[data-covers-map]";

// A free rectangle narrower or lower than this (CSS px) is useless to frame into: the
// viewer then frames into the whole canvas rather than into a sliver.
const MIN_SIDE = 48;

const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);

function intersect(a, b) {
  return {
    left: Math.max(a.left, b.left), top: Math.max(a.top, b.top),
    right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom),
  };
}

/**
 * The largest rectangle of `stage` left free by the `covers` (all {left, top, right, bottom},
 * the same coordinates), found greedily: biggest cover first, each cuts the free rectangle
 * on the side that keeps most of it. Returns {left, top, right, bottom, width, height}
 * relative to the stage's top-left corner.
 */
export function freeRect(stage, covers) {
  let free = { left: stage.left, top: stage.top, right: stage.right, bottom: stage.bottom };
  const cuts = covers
    .map((c) => intersect(c, free))
    .filter((c) => area(c) > 0)
    .sort((a, b) => area(b) - area(a));
  for (const cover of cuts) {
    const c = intersect(cover, free);
    if (area(c) <= 0) continue;
    const options = [
      { ...free, right: c.left }, { ...free, left: c.right },
      { ...free, bottom: c.top }, { ...free, top: c.bottom },
    ];
    free = options.reduce((best, o) => (area(o) > area(best) ? o : best));
  }
  if (free.right - free.left < MIN_SIDE || free.bottom - free.top < MIN_SIDE) {
    free = { left: stage.left, top: stage.top, right: stage.right, bottom: stage.bottom };
  }
  return {
    left: free.left - stage.left, top: free.top - stage.top,
    right: free.right - stage.left, bottom: free.bottom - stage.top,
    width: free.right - free.left, height: free.bottom - free.top,
  };
}

export class VisibleArea {
  /** `canvas`: the map; `root`: where covering elements live; `onChange(rect)` after it changed. */
  constructor(canvas, root, onChange) {
    this.canvas = canvas;
    this.root = root;
    this.onChange = onChange;
    this.last = null;
    this.watched = new Set();
    this.pending = false;
    this.sizes = new ResizeObserver(() => this._soon());
    // New covering elements (a panel added later, or given the attribute later) join.
    new MutationObserver(() => this._watch()).observe(root, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-covers-map"],
    });
    this._watch();
  }

  /** The free rectangle in canvas CSS pixels: {left, top, right, bottom, width, height}. */
  rect() {
    const stage = this.canvas.getBoundingClientRect();
    const covers = [];
    for (const element of this.root.querySelectorAll(COVERS_MAP)) {
      const box = element.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) covers.push(box);
    }
    return freeRect(stage, covers);
  }

  _watch() {
    const now = new Set(this.root.querySelectorAll(COVERS_MAP));
    for (const element of now) if (!this.watched.has(element)) this.sizes.observe(element);
    for (const element of this.watched) if (!now.has(element)) this.sizes.unobserve(element);
    if (now.size !== this.watched.size || [...now].some((e) => !this.watched.has(e))) this._soon();
    this.watched = now;
  }

  _soon() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const rect = this.rect();
      const last = this.last;
      this.last = rect;
      const same = last && ["left", "top", "right", "bottom"].every((k) => Math.abs(last[k] - rect[k]) < 1);
      if (!same) this.onChange(rect);
    });
  }
}

// --- framing into the free rectangle ------------------------------------------------------

/** World box [xmin, xmax, ymin, ymax] of points [[x, y], ...] (finite ones only), or null. */
export function boxOf(points) {
  const box = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    box[0] = Math.min(box[0], x);
    box[1] = Math.max(box[1], x);
    box[2] = Math.min(box[2], y);
    box[3] = Math.max(box[3], y);
  }
  return box[0] <= box[1] ? box : null;
}

/**
 * The view [x, y, scale] of `camera` (its size and scale limits) that shows world `box` in
 * the free rectangle `rect` (VisibleArea.rect()), `pad` CSS px inside its edges, no closer
 * than `maxScale`; the box's centre lands on the rectangle's centre.
 */
export function frameView(camera, rect, box, maxScale, pad) {
  const p = Math.min(pad, rect.width / 4, rect.height / 4);
  const w = Math.max(box[1] - box[0], 1e-9), h = Math.max(box[3] - box[2], 1e-9);
  const fit = Math.min((rect.width - 2 * p) / w, (rect.height - 2 * p) / h);
  const scale = camera.clampScale(Math.min(fit, maxScale));
  const ax = rect.left + rect.width / 2, ay = rect.top + rect.height / 2;
  const cx = (box[0] + box[1]) / 2, cy = (box[2] + box[3]) / 2;
  return [cx - (ax - camera.width / 2) / scale, cy - (ay - camera.height / 2) / scale, scale];
}

/** Whether every point lies in `rect`, `pad` px inside its edges, in view [x, y, scale]. */
export function showsAll(camera, view, rect, points, pad) {
  const [vx, vy, scale] = view;
  const p = Math.min(pad, rect.width / 4, rect.height / 4);
  return points.every(([x, y]) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return true;
    const sx = (x - vx) * scale + camera.width / 2, sy = (y - vy) * scale + camera.height / 2;
    return sx >= rect.left + p && sx <= rect.right - p && sy >= rect.top + p && sy <= rect.bottom - p;
  });
}
