// "From" / "To": the shortest directed recommendation path from one title to another (BFS in
// graph-worker.js), listed under the heading "Path" one title per list item and drawn on the
// map (passes/path.js). When there is none that way it says so and offers the other
// direction.

import { titleWithYear } from "./text.js";
import { SearchBox, el } from "./ui.js";

// A combobox like the main search, but type="text": the page's one <input type="search"> stays
// the main search (the "/" key, and scripts that look for it).
function endField(name, label) {
  const id = `path-${name}`;
  const input = el("input", { type: "text", id, enterkeyhint: "search", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": `${id}-suggestions`, spellcheck: "false", placeholder: "Search a title" });
  const list = el("ul", { id: `${id}-suggestions`, class: "suggestions", role: "listbox", "aria-label": `${label} suggestions`, hidden: "" });
  return { input, list, element: el("div", { class: "path-end search" }, el("label", { for: id, text: label }), input, list) };
}

export class PathFinder {
  constructor(viewer) {
    this.viewer = viewer;
    this.ends = { from: null, to: null }; // {id, title, year}
    this.ids = null; // the path shown, as ids
    this.seq = 0;
    const from = endField("from", "From"), to = endField("to", "To");
    for (const [name, f] of [["from", from], ["to", to]]) {
      f.box = new SearchBox(f.input, f.list, {
        suggest: (q) => viewer.search.suggest(q), idPrefix: `path-${name}-option`,
        onChoose: (entry) => this._chose(name, entry),
      });
    }
    this.fields = { from, to };
    this.status = el("p", { class: "path-status", role: "status", "aria-live": "polite" });
    this.list = el("ol", { class: "path-list", "aria-labelledby": "path-title" });
    this.other = el("button", { type: "button", class: "other-direction", hidden: "", onclick: () => this.show(this.ends.to.id, this.ends.from.id) });
    this.clear = el("button", { type: "button", class: "clear-path", text: "Clear path", hidden: "", onclick: () => this._clear() });
    this.element = el("section", { class: "path", "aria-labelledby": "path-title" },
      el("h3", { id: "path-title", text: "Path" }), from.element, to.element, this.status, this.other, this.list, this.clear);
  }

  _chose(name, entry) {
    this.ends[name] = entry;
    this.fields[name].input.value = titleWithYear(entry.title || entry.id, entry.year);
    if (this.ends.from && this.ends.to) this.show(this.ends.from.id, this.ends.to.id);
  }

  /** Find and show the path from `fromId` to `toId` (also "Why is this in my Tonight list?"). */
  async show(fromId, toId) {
    const seq = ++this.seq;
    this.other.hidden = true;
    this.status.textContent = "Looking for a path…";
    const found = await this.viewer.search.lookup([fromId, toId]);
    this._end("from", fromId, found.get(fromId));
    this._end("to", toId, found.get(toId));
    let path;
    try {
      path = await this.viewer.graph.path(fromId, toId);
    } catch (error) {
      this.status.textContent = `No path: ${error.message}`;
      return;
    }
    if (seq !== this.seq) return;
    if (path === null) {
      this.status.textContent = "One of these titles is not in the graph file.";
      return this._draw([], new Map());
    }
    const titles = await this.viewer.search.lookup(path);
    if (seq !== this.seq) return;
    const name = (id) => titles.get(id)?.title || found.get(id)?.title || id;
    if (!path.length) return this._none(fromId, toId, name, seq);
    this.status.textContent = `${path.length - 1} ${path.length === 2 ? "step" : "steps"} from ${name(fromId)} to ${name(toId)}.`;
    this._draw(path, titles);
    this.element.scrollIntoView?.({ block: "nearest" });
  }

  _end(name, id, entry) {
    this.ends[name] = { id, title: entry?.title || null, year: entry?.year ?? null };
    this.fields[name].input.value = titleWithYear(entry?.title || id, entry?.year);
  }

  async _none(fromId, toId, name, seq) {
    this._draw([], new Map());
    const back = await this.viewer.graph.path(toId, fromId);
    if (seq !== this.seq) return;
    const there = `No path from ${name(fromId)} to ${name(toId)}`;
    if (back && back.length) {
      this.status.textContent = `${there}; there is one the other way.`;
      this.other.textContent = `Show the path from ${name(toId)} to ${name(fromId)}`;
      this.other.hidden = false;
    } else {
      this.status.textContent = `${there}, nor the other way.`;
    }
  }

  _draw(path, titles) {
    this.ids = path.length ? path : null;
    this.list.replaceChildren(...path.map((id, k) => {
      const e = titles.get(id);
      const go = el("button", { type: "button", class: "pick", dataset: { id }, onclick: () => this.viewer.select(id, { fly: true, push: true, entry: e }) },
        el("span", { class: "t", text: e?.title || id }), el("span", { class: "y", text: Number.isInteger(e?.year) ? ` ${e.year}` : "" }));
      const li = el("li", { dataset: { id } });
      if (k > 0) li.append(el("span", { class: "step", text: "recommends → " }));
      li.append(go);
      return li;
    }));
    this.clear.hidden = !path.length;
    const points = path.map((id) => ({ id, title: titles.get(id)?.title || id, x: titles.get(id)?.x, y: titles.get(id)?.y }));
    this.viewer.client.path(points.length ? points : null);
    this._frame(points);
  }

  /** Fly to show the whole path, in the part of the map the Tonight panel leaves free. */
  _frame(points) {
    const xs = points.map((p) => p.x).filter(Number.isFinite), ys = points.map((p) => p.y).filter(Number.isFinite);
    if (!xs.length) return;
    const v = this.viewer, cam = v.camera;
    const box = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const panel = this.element.closest(".tonight")?.getBoundingClientRect();
    const covered = panel && panel.width < cam.width * 0.8 ? panel.right : 0; // px on the left
    const scale = Math.min(v.focusScale(), cam.fitScale(box, 0.15) * Math.max(0.3, 1 - covered / cam.width));
    v.flyTo((box[0] + box[1]) / 2 - covered / 2 / scale, (box[2] + box[3]) / 2, scale);
  }

  _clear() {
    this.seq++;
    this.status.textContent = "";
    this.other.hidden = true;
    this._draw([], new Map());
  }
}
