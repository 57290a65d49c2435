// Input captors: turn the canvas' pointer, wheel and double-click events (mouse and touch
// alike) and the window's keys into view and selection intents the viewer carries out, the
// way sigma.js' mouse and touch captors do. They keep only gesture state (which pointers are
// down, a press that may still be a click, a pinch); the camera and the selection are the
// viewer's.

const CLICK_SLOP = 5; // pixels a press may move and still be a click
const WHEEL_ZOOM = 0.0015; // zoom per wheel pixel (exponential, so steps add up smoothly)

/**
 * Pointer, wheel and double-click events on `canvas` -> calls of `intents`:
 * grab() (a gesture starts: stop moving), pan(dx, dy), pinch(dx, dy, factor, x, y),
 * zoom(factor, x, y) (about that point), release() (a gesture ended), hover(x, y), unhover(),
 * click(x, y), zoomInAt(x, y) (a double click). Points are CSS pixels in the canvas.
 */
export class PointerCaptor {
  constructor(canvas, intents) {
    this.canvas = canvas;
    this.intents = intents;
    this.pointers = new Map(); // pointer id -> [x, y]
    this.press = null; // {x, y, moved} of a press that may be a click
    this.pinchState = null; // {dist, mid} of two pointers
    canvas.addEventListener("pointerdown", (e) => this._down(e));
    canvas.addEventListener("pointermove", (e) => this._move(e));
    canvas.addEventListener("pointerup", (e) => this._up(e));
    canvas.addEventListener("pointercancel", (e) => this._up(e));
    canvas.addEventListener("pointerleave", (e) => {
      if (e.pointerType === "mouse") intents.unhover();
    });
    canvas.addEventListener("wheel", (e) => this._wheel(e), { passive: false });
    canvas.addEventListener("dblclick", (e) => intents.zoomInAt(...this._local(e)));
  }

  _local(e) {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  _down(e) {
    this.canvas.setPointerCapture(e.pointerId);
    const p = this._local(e);
    const pointers = this.pointers;
    pointers.set(e.pointerId, p);
    this.intents.grab();
    if (pointers.size === 1) this.press = { x: p[0], y: p[1], moved: false };
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      this.pinchState = { dist: Math.hypot(a[0] - b[0], a[1] - b[1]), mid: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2] };
      this.press = null;
    }
    this.canvas.classList.add("dragging");
  }

  _move(e) {
    const p = this._local(e);
    const pointers = this.pointers;
    if (!pointers.has(e.pointerId)) {
      if (e.pointerType === "mouse") this.intents.hover(p[0], p[1]);
      return;
    }
    const prev = pointers.get(e.pointerId);
    pointers.set(e.pointerId, p);
    const press = this.press;
    if (pointers.size === 1) {
      if (press && Math.hypot(p[0] - press.x, p[1] - press.y) > CLICK_SLOP) press.moved = true;
      if (!press || press.moved) this.intents.pan(p[0] - prev[0], p[1] - prev[1]);
    } else if (pointers.size === 2 && this.pinchState) {
      const [a, b] = [...pointers.values()];
      const dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
      const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
      const last = this.pinchState;
      const factor = last.dist > 0 ? dist / last.dist : 1;
      this.pinchState = { dist, mid };
      this.intents.pinch(mid[0] - last.mid[0], mid[1] - last.mid[1], factor, mid[0], mid[1]);
    }
  }

  _up(e) {
    const pointers = this.pointers;
    if (!pointers.has(e.pointerId)) return;
    pointers.delete(e.pointerId);
    if (pointers.size < 2) this.pinchState = null;
    if (pointers.size === 0) this.canvas.classList.remove("dragging");
    const press = this.press;
    if (e.type === "pointerup" && press && !press.moved && pointers.size === 0) this.intents.click(...this._local(e));
    if (pointers.size === 0) this.press = null;
    this.intents.release();
  }

  _wheel(e) {
    e.preventDefault();
    this.intents.grab();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.canvas.clientHeight : 1;
    const [x, y] = this._local(e);
    this.intents.zoom(Math.exp(-e.deltaY * unit * WHEEL_ZOOM), x, y);
  }
}

const PAN_STEP = 0.2; // of the viewport, per arrow key

/**
 * Keys anywhere on the page (but not while typing in a field) -> calls of `intents`:
 * escape(), focusSearch() ("/"), step(dx, dy) (arrows: a fraction of the viewport),
 * action(name) ("zoom-in" for + and =, "zoom-out" for - and _, "reset" for 0).
 */
export class KeyboardCaptor {
  constructor(target, intents) {
    this.intents = intents;
    target.addEventListener("keydown", (e) => this._key(e));
  }

  _key(e) {
    const target = e.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
    if (e.key === "Escape") {
      if (!typing) this.intents.escape();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const steps = {
      ArrowLeft: [-PAN_STEP, 0], ArrowRight: [PAN_STEP, 0], ArrowUp: [0, -PAN_STEP], ArrowDown: [0, PAN_STEP],
    };
    const actions = { "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", _: "zoom-out" };
    if (e.key === "/") {
      e.preventDefault();
      this.intents.focusSearch();
    } else if (steps[e.key]) {
      e.preventDefault();
      this.intents.step(...steps[e.key]);
    } else if (actions[e.key]) {
      e.preventDefault();
      this.intents.action(actions[e.key]);
    } else if (e.key === "0") {
      this.intents.action("reset");
    }
  }
}
