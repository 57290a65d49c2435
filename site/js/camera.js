// The view: centre (x, y) in world coordinates and `scale` in CSS pixels per world unit.
// World y grows downward, like the screen, so there is no flip.

export class Camera {
  constructor() {
    this.x = 0;
    this.y = 0;
    this.scale = 1;
    this.width = 1; // viewport, CSS pixels
    this.height = 1;
    this.minScale = 1e-9;
    this.maxScale = 1e9;
  }

  resize(width, height) {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
  }

  toScreenX(wx) {
    return (wx - this.x) * this.scale + this.width / 2;
  }
  toScreenY(wy) {
    return (wy - this.y) * this.scale + this.height / 2;
  }
  toWorld(sx, sy) {
    return [(sx - this.width / 2) / this.scale + this.x, (sy - this.height / 2) / this.scale + this.y];
  }

  /** Visible world rectangle [xmin, xmax, ymin, ymax]. */
  rect() {
    const hw = this.width / 2 / this.scale, hh = this.height / 2 / this.scale;
    return [this.x - hw, this.x + hw, this.y - hh, this.y + hh];
  }

  clampScale(scale) {
    return Math.min(this.maxScale, Math.max(this.minScale, scale));
  }

  set(x, y, scale) {
    this.x = x;
    this.y = y;
    this.scale = this.clampScale(scale);
  }

  /** Zoom by `factor` keeping the world point under screen (sx, sy) in place. */
  zoomAbout(factor, sx, sy) {
    const [wx, wy] = this.toWorld(sx, sy);
    this.scale = this.clampScale(this.scale * factor);
    this.x = wx - (sx - this.width / 2) / this.scale;
    this.y = wy - (sy - this.height / 2) / this.scale;
  }

  panBy(dxPixels, dyPixels) {
    this.x -= dxPixels / this.scale;
    this.y -= dyPixels / this.scale;
  }

  /** Scale that fits world box [xmin, xmax, ymin, ymax] in the viewport with a margin. */
  fitScale(box, margin = 0.05) {
    const w = Math.max(box[1] - box[0], 1e-9), h = Math.max(box[3] - box[2], 1e-9);
    return Math.min(this.width / w, this.height / h) * (1 - 2 * margin);
  }
}

const RHO = Math.SQRT2;

/**
 * A smooth pan-and-zoom path between two views (van Wijk & Nuij, "Smooth and efficient zooming
 * and panning", 2003): zooms out on long trips so the motion stays readable. Returns
 * {duration (relative length S), at(t in 0..1) -> [x, y, width]} where width = visible world
 * width.
 */
export function flightPath(from, to) {
  const [x0, y0, w0] = from, [x1, y1, w1] = to;
  const dx = x1 - x0, dy = y1 - y0;
  const u1 = Math.hypot(dx, dy);
  const rho2 = RHO * RHO, rho4 = rho2 * rho2;
  if (u1 < 1e-9 * Math.max(w0, w1)) {
    const k = w1 > w0 ? 1 : -1;
    const S = Math.abs(Math.log(w1 / w0)) / RHO;
    return {
      length: S,
      at: (t) => [x0 + dx * t, y0 + dy * t, w0 * Math.exp(k * RHO * S * t)],
    };
  }
  const b0 = (w1 * w1 - w0 * w0 + rho4 * u1 * u1) / (2 * w0 * rho2 * u1);
  const b1 = (w1 * w1 - w0 * w0 - rho4 * u1 * u1) / (2 * w1 * rho2 * u1);
  const r0 = Math.log(-b0 + Math.sqrt(b0 * b0 + 1));
  const r1 = Math.log(-b1 + Math.sqrt(b1 * b1 + 1));
  const S = (r1 - r0) / RHO;
  return {
    length: S,
    at: (t) => {
      const s = t * S;
      const u = (w0 / rho2) * (Math.cosh(r0) * Math.tanh(RHO * s + r0) - Math.sinh(r0));
      const w = (w0 * Math.cosh(r0)) / Math.cosh(RHO * s + r0);
      const f = u / u1;
      return [x0 + dx * f, y0 + dy * f, t >= 1 ? w1 : w];
    },
  };
}

export function easeInOut(t) {
  return t < 0.5 ? 2 * t * t : 1 - Math.pow(-2 * t + 2, 2) / 2;
}
