// The page's widgets: info panel, legend, search box, tooltip. Everything that comes from the
// crawl is inserted with textContent (never innerHTML), and links only if they are http(s).

import { missingSection, recsCount, showAllButton } from "./panel-lists.js";
import { formatVotes, sourceTag, titleLink, titleWithYear } from "./text.js";

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

// --- drawers ----------------------------------------------------------------------------
// My ratings and Tonight open over the same side of the map: one at a time. Opening one
// announces it; the others close.

const DRAWER_EVENT = "imdbmap-drawer";

export function announceDrawer(element) {
  document.dispatchEvent(new CustomEvent(DRAWER_EVENT, { detail: element }));
}

/** Call `close()` whenever a drawer other than `element` opens. */
export function onOtherDrawer(element, close) {
  document.addEventListener(DRAWER_EVENT, (event) => {
    if (event.detail !== element) close();
  });
}

// --- info panel ---------------------------------------------------------------------------

export class Panel {
  constructor(element, { onPick, onClose }) {
    this.element = element;
    this.body = element.querySelector(".panel-body");
    this.onPick = onPick;
    element.querySelector(".panel-close").addEventListener("click", onClose);
    this.lists = new Map(); // id -> [button elements] to fill in when titles arrive
    this.origins = null; // mapinfo's {source: bit}, to tag each recommendation with its source
    this.edgeOrigins = null; // mapinfo's bits shared by every edge, when the lists leave them out
    this.yours = null; // (id) -> what the user made of the title ("Your rating: 8/10"), or null
    this.demo = false; // a map of invented titles: no "Open on IMDb" links
  }

  get open() {
    return !this.element.hidden;
  }

  close() {
    this.element.hidden = true;
    this.body.replaceChildren();
    document.body.classList.remove("panel-open");
  }

  /**
   * Show a title. `info`: {id, title, year, rating, votes, genres, directors, href, recs,
   * recsOrigin, recsCount, recsMissing, by, byOrigin, byCount, byMore, linked}; list entries
   * are ids, titled later with `fill`; `recsOrigin` / `byOrigin` give each entry's sources
   * (bits of `this.origins`); `recsMissing` the recommendations not on this map
   * ([{id, name, year}], shown greyed); `byMore()` resolves the recommenders past the first
   * ones listed ({ids, origins, found}).
   */
  show(info) {
    this.lists = new Map();
    const rows = [];
    const facts = [];
    if (typeof info.rating === "number") facts.push(`★ ${info.rating.toFixed(1)}`);
    if (typeof info.votes === "number") facts.push(`${formatVotes(info.votes)} votes`);
    if (facts.length) rows.push(el("p", { class: "facts", text: facts.join(" · ") }));
    if (Array.isArray(info.genres) && info.genres.length) {
      rows.push(el("p", { class: "genres" }, ...info.genres.map((g) => el("span", { class: "chip", text: String(g) }))));
    }
    if (Array.isArray(info.directors) && info.directors.length) {
      rows.push(el("p", { class: "directors", text: `Directed by ${info.directors.map(String).join(", ")}` }));
    }
    const link = this.demo ? null : titleLink(info.id, info.href);
    if (link) {
      rows.push(el("p", {}, el("a", { class: "imdb-link", href: link.href, target: "_blank", rel: "noopener noreferrer", text: `Open on ${link.site} ↗` })));
    }
    const title = el("h2", { class: "panel-title", id: "panel-title" }, document.createTextNode(info.title || info.id));
    if (Number.isInteger(info.year)) title.append(el("span", { class: "year", text: ` (${info.year})` }));
    const sections = [];
    if (info.recs) {
      const count = recsCount(info.recs.length, info.recsCount, info.recsMissing);
      const section = this._list("Recommends", "recs", info.recs, info.recs.length, info.recsOrigin, count);
      section.append(...missingSection(info.recsMissing));
      sections.push(section);
    }
    if (info.by) {
      const section = this._list("Recommended by", "by", info.by, info.byCount ?? info.by.length, info.byOrigin);
      const more = showAllButton(section, info.by.length, info.byCount, info.byMore, (ids, origins, found) => {
        const list = section.querySelector(".title-list");
        ids.forEach((id, k) => list.append(this._entry(id, origins ? origins[k] : this.edgeOrigins)));
        this.fill(found);
      });
      if (more) section.append(more);
      sections.push(section);
    }
    if (!info.recs && !info.by && info.linked) sections.push(this._list("Linked on the map", "linked", info.linked, info.linked.length));
    if (info.loading) sections.push(el("p", { class: "muted", text: "Loading…" }));
    this.body.replaceChildren(title, ...rows, ...sections);
    this.element.hidden = false;
    this.element.dataset.id = info.id;
    document.body.classList.add("panel-open");
    this.showYours();
  }

  /** Show (again) what the user made of the open title, under its name. */
  showYours() {
    const old = this.body.querySelector(".yours");
    const text = this.open && this.yours ? this.yours(this.element.dataset.id) : null;
    if (!text) return old?.remove();
    const row = old || el("p", { class: "yours" });
    row.textContent = text;
    if (!old) this.body.querySelector(".panel-title")?.after(row);
  }

  _list(heading, kind, ids, total, origins = null, countText = null) {
    const count = countText ?? (total > ids.length ? `${total} (first ${ids.length} shown)` : String(total));
    const list = el("ol", { class: `title-list list-${kind}` });
    const shared = Number.isInteger(this.edgeOrigins) && kind !== "linked" ? ids.map(() => this.edgeOrigins) : null;
    const masks = Array.isArray(origins) && origins.length === ids.length ? origins : shared;
    ids.forEach((id, k) => list.append(this._entry(id, masks ? masks[k] : null)));
    const h = el("h3", {}, document.createTextNode(`${heading} `), el("span", { class: "count", text: count }));
    return el("section", { class: `list-section section-${kind}` }, h, ids.length ? list : el("p", { class: "muted", text: "none" }));
  }

  /** A list entry: a button that selects `id`, tagged with its sources (`mask`). */
  _entry(id, mask) {
    const button = el("button", { type: "button", class: "pick", dataset: { id } });
    button.append(el("span", { class: "t", text: id }), el("span", { class: "y", text: "" }));
    // Inside the button, so the source is part of the entry's accessible name.
    const tag = sourceTag(mask, this.origins);
    if (tag) {
      const kindOf = tag.text === "both" ? "both" : tag.text.toLowerCase();
      button.append(el("span", { class: `src src-${kindOf}`, role: "img", "aria-label": tag.label, title: tag.label, text: tag.text }));
    }
    button.addEventListener("click", () => this.onPick(id));
    if (!this.lists.has(id)) this.lists.set(id, []);
    this.lists.get(id).push(button);
    return el("li", {}, button);
  }

  /** Put titles and years on list entries: `found` is Map id -> {title, year}. */
  fill(found) {
    for (const [id, buttons] of this.lists) {
      const entry = found.get(id);
      if (!entry || !entry.title) continue;
      for (const b of buttons) {
        b.querySelector(".t").textContent = entry.title;
        b.querySelector(".y").textContent = Number.isInteger(entry.year) ? ` ${entry.year}` : "";
        b.title = titleWithYear(entry.title, entry.year);
      }
    }
  }
}

// --- legend -------------------------------------------------------------------------------

export function buildLegend(container, legend, hidden, onChange) {
  const entries = [...(legend.communities || [])].sort((a, b) => (b.size || 0) - (a.size || 0));
  const list = el("ul", { class: "legend-list" });
  const boxes = [];
  for (const c of entries) {
    if (!Number.isInteger(c.id)) continue;
    const box = el("input", { type: "checkbox", dataset: { community: String(c.id) } });
    box.checked = !hidden.has(c.id);
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(c.id);
      else hidden.add(c.id);
      onChange();
    });
    boxes.push(box);
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = typeof c.color === "string" && /^#[0-9a-f]{3,8}$/i.test(c.color) ? c.color : "#888";
    const label = el("label", { class: "legend-item" }, box, swatch,
      el("span", { class: "name", text: String(c.name ?? `Community ${c.id}`) }),
      el("span", { class: "size", text: formatVotes(c.size) }));
    list.append(el("li", {}, label));
  }
  const setAll = (show) => {
    for (const b of boxes) {
      b.checked = show;
      const id = Number(b.dataset.community);
      if (show) hidden.delete(id);
      else hidden.add(id);
    }
    onChange();
  };
  const tools = el("div", { class: "legend-tools" },
    el("button", { type: "button", class: "show-all", text: "Show all", onclick: () => setAll(true) }),
    el("button", { type: "button", class: "hide-all", text: "Hide all", onclick: () => setAll(false) }));
  container.replaceChildren(tools, list);
}

// --- search box ---------------------------------------------------------------------------

/**
 * An <input type="search"> with a suggestion list (ARIA combobox). `suggest(query)` returns a
 * promise of entries; `onChoose(entry)` flies to one. Stale answers (the user typed on) are
 * ignored. "No matching title" shows only for an answer: an empty one marked `incomplete`
 * (type on) shows nothing, and while an answer is on its way the list says "Searching…"
 * rather than keep an earlier "No matching title".
 */
export class SearchBox {
  constructor(input, listbox, { suggest, onChoose, idPrefix = "suggestion" }) {
    this.input = input;
    this.idPrefix = idPrefix; // option ids are `${idPrefix}-${i}`: unique per box on a page
    this.listbox = listbox;
    this.suggest = suggest;
    this.onChoose = onChoose;
    this.entries = [];
    this.active = -1;
    this.seq = 0;
    this.lastQuery = null;
    input.addEventListener("input", () => this.update());
    input.addEventListener("keydown", (e) => this._key(e));
    input.addEventListener("focus", () => this.entries.length && this._open(true));
    // Close a moment after focus leaves (a click on a suggestion lands first), unless focus has
    // come back by then: a query typed right after choosing keeps its suggestions open.
    input.addEventListener("blur", () => setTimeout(() => {
      if (document.activeElement !== input) this._open(false);
    }, 150));
  }

  async update() {
    const query = this.input.value;
    const seq = ++this.seq;
    if (!query.trim()) {
      this._render([], query);
      return;
    }
    let entries;
    try {
      const answer = this.suggest(query);
      this._searching();
      entries = await answer;
    } catch (error) {
      console.warn(`search failed: ${error.message}`);
      entries = [];
    }
    if (seq !== this.seq) return;
    this._render(entries, query);
  }

  _render(entries, query) {
    this.entries = entries;
    this.active = entries.length ? 0 : -1;
    this.lastQuery = query;
    const items = entries.map((e, i) => {
      const li = el("li", { role: "option", id: `${this.idPrefix}-${i}`, class: "suggestion", dataset: { id: e.id } },
        el("span", { class: "t", text: e.title || e.id }),
        el("span", { class: "y", text: Number.isInteger(e.year) ? String(e.year) : "" }),
        el("span", { class: "v", text: e.votes ? formatVotes(e.votes) : "" }));
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault();
        this.choose(i);
      });
      return li;
    });
    if (!entries.length && query.trim() && !entries.incomplete) {
      items.push(el("li", { class: "no-results", role: "presentation", text: "No matching title" }));
    }
    this.listbox.replaceChildren(...items);
    this.listbox.dataset.query = query; // what the list answers (tests wait for it)
    this.listbox.removeAttribute("aria-busy");
    this._highlight();
    this._open(items.length > 0);
    this.listbox.dispatchEvent(new CustomEvent("suggestions", { detail: { query, count: entries.length } }));
  }

  /** A shown "No matching title" answers an earlier query: "Searching…" until this one's
   * answer comes (a cached answer replaces it before the page paints). */
  _searching() {
    this.listbox.setAttribute("aria-busy", "true");
    if (!this.listbox.querySelector(".no-results")) return;
    this.listbox.replaceChildren(el("li", { class: "searching", role: "presentation", text: "Searching…" }));
  }

  _open(open) {
    this.listbox.hidden = !open;
    this.input.setAttribute("aria-expanded", String(open));
  }

  _highlight() {
    [...this.listbox.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${this.idPrefix}-${this.active}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  async _key(e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!this.entries.length) return;
      e.preventDefault();
      const n = this.entries.length;
      this.active = (this.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      this._highlight();
      this._open(true);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (this.lastQuery !== this.input.value) await this.update();
      if (this.entries.length) this.choose(Math.max(0, this.active));
    } else if (e.key === "Escape") {
      e.stopPropagation();
      if (!this.listbox.hidden) this._open(false);
      else this.input.blur();
    }
  }

  choose(i) {
    const entry = this.entries[i];
    if (!entry) return;
    this._open(false);
    this.input.blur();
    this.onChoose(entry);
  }
}

// --- tooltip ------------------------------------------------------------------------------

export class Tooltip {
  constructor(element) {
    this.element = element;
    this.current = null;
  }
  show(text, x, y) {
    if (this.current !== text) {
      this.element.textContent = text;
      this.current = text;
    }
    this.element.style.transform = `translate(${Math.round(x + 14)}px, ${Math.round(y + 14)}px)`;
    this.element.hidden = false;
  }
  hide() {
    this.element.hidden = true;
    this.current = null;
  }
}
