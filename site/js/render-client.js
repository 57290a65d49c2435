// The page's side of the drawing: starts a RenderCore in a worker drawing into the canvas
// (transferControlToOffscreen), or in the page where that is missing or `renderer` is "page",
// and turns its messages into calls, promises and a frame callback.
//
// render-core.js (and the renderer under it) is imported only for drawing in the page: with a
// worker, the page never runs it, so it does not fetch it either.

import { MARK_KINDS } from "./passes/marks.js";

const KIND_CODES = Object.fromEntries(MARK_KINDS.map((kind, k) => [kind, k]));

export class RenderClient {
  /** `onFrame(stats)` is called after each frame the core draws. */
  constructor(canvas, settings, onFrame) {
    this.canvas = canvas;
    this.settings = settings;
    this.onFrame = onFrame;
    this.calls = new Map(); // id -> {resolve, reject}
    this.nextId = 1;
    this.stats = null; // of the last frame
    this.inWorker = settings.renderer === "worker" && typeof canvas.transferControlToOffscreen === "function" &&
      typeof OffscreenCanvas === "function";
    this.lastView = null;
    this._send = null; // (message, transfer) -> posts to the core, once started
  }

  /** Start drawing the map of `quadTree` whose files are at `base` (an absolute URL). */
  start(base, quadTree) {
    const message = { type: "init", settings: this.settings, base, tree: quadTree.data };
    if (this.inWorker) {
      this.worker = new Worker(new URL("./render-worker.js", import.meta.url), { type: "module" });
      this.worker.onmessage = (event) => this._receive(event.data);
      this.worker.onerror = (event) => console.error(`render worker: ${event.message}`);
      this._send = (m, transfer = []) => this.worker.postMessage(m, transfer);
      const offscreen = this.canvas.transferControlToOffscreen();
      this._send({ ...message, canvas: offscreen, transport: "inline" }, [offscreen]);
    } else {
      // Messages wait in order until the core is loaded, as they would in a worker's queue.
      const waiting = [{ ...message, canvas: this.canvas, transport: "worker" }];
      this._send = (m) => waiting.push(m);
      import("./render-core.js").then(({ RenderCore }) => {
        const core = new RenderCore((m) => this._receive(m), (callback) => requestAnimationFrame(callback));
        this._send = (m) => core.handle(m);
        for (const m of waiting) core.handle(m);
      }, (error) => console.error(`render core: ${error.message}`));
    }
  }

  _receive(message) {
    if (message.type === "frame") {
      this.stats = message.stats;
      this.onFrame(message.stats);
    } else if (message.type === "reply") {
      const call = this.calls.get(message.id);
      if (!call) return;
      this.calls.delete(message.id);
      if (message.error !== undefined) call.reject(new Error(message.error));
      else call.resolve(message.value);
    }
  }

  /** The view to draw: the camera, the canvas size and pixel ratio. */
  view(camera, dpr, loadNow = false) {
    const v = { x: camera.x, y: camera.y, scale: camera.scale, width: camera.width, height: camera.height, dpr };
    const last = this.lastView;
    if (!loadNow && last && last.x === v.x && last.y === v.y && last.scale === v.scale &&
        last.width === v.width && last.height === v.height && last.dpr === v.dpr) return;
    this.lastView = v;
    this._send({ type: "view", ...v, loadNow });
  }

  selection(selection) {
    this._send({ type: "selection", selection });
  }

  hidden(set) {
    this._send({ type: "hidden", ids: [...set] });
  }

  /** Dim the titles outside the filter: the graph worker's answer (graph-worker.js), or null. */
  dim(dim) {
    this._send({ type: "dim", dim });
  }

  /** Draw a path ([{id, title, x, y}] in order), or none (null). */
  path(path) {
    this._send({ type: "path", path });
  }

  palette(colors) {
    this._send({ type: "palette", colors });
  }

  /** The user's titles to mark: `entries` is [[id, kind]] (or a Map), kind one of MARK_KINDS
   * (passes/marks.js); sent as one string of ids (one per line: a single copy, where an array
   * of 50,000 strings costs a long task to post) and one byte each. */
  marks(entries) {
    const ids = [];
    const kinds = new Uint8Array(entries.size ?? entries.length);
    for (const [id, kind] of entries) {
      const k = KIND_CODES[kind];
      if (k === undefined) continue;
      kinds[ids.length] = k;
      ids.push(id); // ids are checked where they are kept (MyRatings): never a line break
    }
    this._send({ type: "marks", ids: ids.join("\n"), kinds: kinds.slice(0, ids.length) });
  }

  /** Ask the core; resolves with its answer (see RenderCore's call_ methods). */
  call(method, ...args) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => this.calls.set(id, { resolve, reject }));
    this._send({ type: "call", id, method, args });
    return promise;
  }
}
