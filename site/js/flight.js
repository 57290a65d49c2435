// Camera flights: the view glides along a smooth pan-and-zoom path (camera.js' flightPath)
// on the page's animation frames, one flight at a time; each step moves the camera and calls
// `onStep` so the viewer can send the view on.

import { easeInOut, flightPath } from "./camera.js";

export class Flights {
  constructor(camera, onStep) {
    this.camera = camera;
    this.onStep = onStep;
    this.flight = null; // {path, start, duration, target, resolve}
    this.frameRequested = false;
  }

  get active() {
    return this.flight !== null;
  }

  /** Where the view is going: the current flight's end, or the view itself. */
  goal() {
    const cam = this.camera;
    return this.flight ? this.flight.target : [cam.x, cam.y, cam.scale];
  }

  /** Animate to centre (x, y) at `scale` in about `ms` (0: at once); resolves when there. */
  to(x, y, scale, ms) {
    const cam = this.camera;
    scale = cam.clampScale(scale);
    this.stop();
    const path = flightPath([cam.x, cam.y, cam.width / cam.scale], [x, y, cam.width / scale]);
    const duration = ms * Math.min(2, Math.max(0.4, path.length / 3));
    return new Promise((resolve) => {
      if (!ms || !Number.isFinite(path.length)) {
        cam.set(x, y, scale);
        this.onStep();
        resolve();
        return;
      }
      this.flight = { path, start: performance.now(), duration, target: [x, y, scale], resolve };
      this._requestFrame();
    });
  }

  /** End the flight where it is (a gesture took over); its promise resolves. */
  stop() {
    if (!this.flight) return;
    this.flight.resolve();
    this.flight = null;
  }

  _requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame((now) => {
      this.frameRequested = false;
      if (!this.flight) return;
      this._step(now);
      if (this.flight) this._requestFrame();
    });
  }

  _step(now) {
    const f = this.flight;
    const t = Math.min(1, (now - f.start) / f.duration);
    const [x, y, w] = f.path.at(easeInOut(t));
    if (t >= 1) this.camera.set(...f.target);
    else this.camera.set(x, y, this.camera.width / w);
    if (t >= 1) this.flight = null;
    this.onStep();
    if (t >= 1) f.resolve();
  }
}
