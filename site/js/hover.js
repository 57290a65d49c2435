// The title under the mouse: asks the drawing side what is there, rings it (the drawing side
// does) and shows its name in the tooltip; the latest request wins.

import { titleWithYear } from "./text.js";

export class Hover {
  constructor(canvas, tooltip, client) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.client = client;
    this.hovering = false; // a title is highlighted
    this.seq = 0;
  }

  /** Highlight the title at screen point (x, y), if any. */
  async at(x, y) {
    const seq = ++this.seq;
    const hit = await this.client.call("hover", x, y);
    if (seq !== this.seq) return;
    this.hovering = Boolean(hit);
    this.canvas.classList.toggle("pointing", this.hovering);
    if (hit) this.tooltip.show(titleWithYear(hit.name, hit.year), x, y);
    else this.tooltip.hide();
  }

  clear() {
    this.seq++;
    this.tooltip.hide();
    if (!this.hovering) return;
    this.hovering = false;
    this.canvas.classList.remove("pointing");
    this.client.call("hover", null, null);
  }
}
