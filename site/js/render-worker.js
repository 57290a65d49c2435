// The map's drawing, off the page's main thread: a RenderCore over the OffscreenCanvas the
// page transferred (see render-core.js for the messages).

import { RenderCore } from "./render-core.js";

const frame = self.requestAnimationFrame
  ? (callback) => self.requestAnimationFrame(callback)
  : (callback) => setTimeout(() => callback(performance.now()), 16);

const core = new RenderCore((message) => self.postMessage(message), frame);

self.onmessage = (event) => core.handle(event.data);
