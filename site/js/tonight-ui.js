// The Tonight panel: the ranked, explained list of unseen titles (graph-worker.js computes
// it), the filter shared with the map (filter-form.js; titles outside dim), "I liked…" picks
// when there are no ratings, and the path between two titles (path-ui.js). Titles come from
// the search index; everything is inserted with textContent.

import { FilterForm } from "./filter-form.js";
import { formatFilter, isEmptyFilter, cleanFilter } from "./filters.js";
import { PathFinder } from "./path-ui.js";
import { titleWithYear } from "./text.js";
import { SearchBox, announceDrawer, el, onOtherDrawer } from "./ui.js";

const LIST_LENGTH = 20;
const FILTER_DELAY_MS = 150; // typing "120" in Max runtime asks once, not three times
const KNOWN_MAX = 2000; // titles kept from look-ups (id -> search entry)

export class TonightPanel {
  /** `viewer`: the Viewer (its graph, ratings, search, client, select and URL). */
  constructor(viewer, element) {
    this.viewer = viewer;
    this.graph = viewer.graph;
    this.element = element;
    onOtherDrawer(element, () => {
      if (this.open) this.toggle(false);
    });
    this.filter = cleanFilter({});
    this.picked = new Map(); // id -> {title, year}: "I liked…"
    this.ratingsVersion = 0;
    this.seq = 0;
    this.dimSeq = 0;
    this.dimInfo = null; // {passing, total} of the filter on the map
    this.listIds = [];
    this.known = new Map(); // id -> search entry {title, year, x, y, …} from earlier look-ups
    this.answered = null; // {filter (URL form), ratings (version)} the list shown answers
    // {workerMs, shownMs, titlesMs} of the last list: the worker's answer, the list in the page
    // (from the request), its titles (from the answer: the search's id shards)
    this.timings = null;
    this.timer = null;
    this.form = new FilterForm((f) => this._formChanged(f));
    this._build();
    viewer.ratings.addEventListener("change", () => this._ratingsChanged());
  }

  _build() {
    const close = el("button", { type: "button", class: "tonight-close", "aria-label": "Close Tonight", text: "×", onclick: () => this.toggle(false) });
    this.status = el("p", { class: "tonight-status", role: "status", "aria-live": "polite" });
    this.list = el("ol", { class: "tonight-list", "aria-label": "Suggestions for tonight" });
    const likedInput = el("input", { type: "text", id: "liked-input", enterkeyhint: "search", role: "combobox", "aria-autocomplete": "list",
      "aria-expanded": "false", "aria-controls": "liked-suggestions", spellcheck: "false", placeholder: "A title you liked" });
    const likedList = el("ul", { id: "liked-suggestions", class: "suggestions", role: "listbox", "aria-label": "Titles you may have liked", hidden: "" });
    this.likedBox = new SearchBox(likedInput, likedList, {
      suggest: (q) => this.viewer.search.suggest(q), idPrefix: "liked-option",
      onChoose: (entry) => this.pick(entry.id, entry),
    });
    this.chips = el("ul", { class: "picked", "aria-label": "Titles you picked" });
    const liked = el("div", { class: "liked search" }, el("label", { for: "liked-input", text: "I liked…" }), likedInput, likedList, this.chips);
    this.paths = new PathFinder(this.viewer);
    this.element.replaceChildren(close, el("h2", { id: "tonight-title", text: "Tonight" }), this.form.element, liked,
      this.status, this.list, this.paths.element);
  }

  get open() {
    return !this.element.hidden;
  }

  toggle(open = !this.open) {
    this.element.hidden = !open;
    document.querySelector("[data-action=tonight]")?.setAttribute("aria-expanded", String(open));
    if (open) {
      announceDrawer(this.element);
      this.refresh();
    }
  }

  /** Add a title to "I liked…" (the list starts from it). */
  pick(id, entry = null) {
    this.picked.set(id, entry || { title: null, year: null });
    this.likedBox.input.value = "";
    this._chips();
    this._ratingsChanged();
  }

  _chips() {
    this.chips.replaceChildren(...[...this.picked].map(([id, e]) => el("li", { dataset: { id } },
      el("span", { text: titleWithYear(e.title || id, e.year) }),
      el("button", { type: "button", class: "unpick", "aria-label": `Remove ${e.title || id}`, text: "×", onclick: () => {
        this.picked.delete(id);
        this._chips();
        this._ratingsChanged();
      } }))));
  }

  _ratingsChanged() {
    this.ratingsVersion++;
    if (this.graph.started) this._shareCommunitySeen();
    if (this.filter.unseen) this._dim();
    if (this.open) this.refresh();
  }

  /**
   * Once the graph file is in (for Tonight or the filter, never just for this), the legend's
   * "seen per community" can be complete rather than only over the quads loaded: counts of
   * the titles rated or seen go to the ratings panel (mine.js's showCommunitySeen), again
   * after each change of the ratings.
   */
  async _shareCommunitySeen() {
    const show = this.viewer.mine?.showCommunitySeen;
    if (typeof show !== "function") return;
    const seen = [...this.viewer.ratings.entries].filter(([, e]) => e.kind !== "watchlist").map(([id]) => id);
    if (!seen.length) return; // forgotten: the panel clears its counts itself
    try {
      const counts = await this.graph.perCommunity(seen);
      show.call(this.viewer.mine, counts, true);
    } catch (error) {
      console.warn(`seen per community: ${error.message}`);
    }
  }

  // --- filter ---------------------------------------------------------------------------

  _formChanged(filter) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this._setFilter(filter);
      this.viewer.urls.replaceSoon(() => this.viewer._hashNow());
    }, FILTER_DELAY_MS);
  }

  /** The filter in the URL (on load, back and forward). */
  applyFilter(filter) {
    if (formatFilter(filter).join("&") === formatFilter(this.filter).join("&")) return;
    this.form.write(filter);
    this._setFilter(filter);
  }

  _setFilter(filter) {
    const same = formatFilter(filter).join("&") === formatFilter(this.filter).join("&");
    this.filter = filter;
    if (same) return;
    this._dim();
    if (this.open) this.refresh();
  }

  /** Dim the titles outside the filter on the map: after the first draw, never before. */
  async _dim() {
    const seq = ++this.dimSeq;
    if (isEmptyFilter(this.filter)) {
      this.dimInfo = null;
      this.viewer.client.dim(null);
      return;
    }
    await this.viewer.drawn;
    try {
      await this.graph.ratings(this.viewer.ratings, this.picked.keys(), this.ratingsVersion);
      const dim = await this.graph.filter(this.filter);
      if (seq !== this.dimSeq) return;
      this.dimInfo = dim && { passing: dim.passing, total: dim.total };
      this.viewer.client.dim(dim);
    } catch (error) {
      this._say(`The filter could not be applied to the map: ${error.message}`);
    }
  }

  // --- the list ---------------------------------------------------------------------------

  _say(text) {
    this.status.textContent = text;
  }

  /** Ask the worker for the list under the current ratings and filter, and show it. */
  async refresh() {
    const seq = ++this.seq;
    const asked = { filter: formatFilter(this.filter).join("&"), ratings: this.ratingsVersion };
    if (!this.graph.started || !this.form.offered) this._say("Loading the whole graph…");
    try {
      const info = await this.graph.load();
      if (!this.form.offered) {
        this.form.offer(info.genres, info.types);
        this._shareCommunitySeen();
      }
      const counts = await this.graph.ratings(this.viewer.ratings, this.picked.keys(), this.ratingsVersion);
      if (counts) this.seeds = counts.seeds;
      const t0 = performance.now();
      const list = await this.graph.tonight(this.filter, LIST_LENGTH);
      if (seq !== this.seq) return;
      const t1 = performance.now();
      const shown = this._show(list, seq); // the list is in the page when this returns
      const t2 = performance.now();
      await shown;
      if (seq !== this.seq) return;
      this.answered = asked;
      this.timings = { workerMs: t1 - t0, shownMs: t2 - t0, titlesMs: performance.now() - t1 };
    } catch (error) {
      if (seq === this.seq) this._say(`Tonight is not available: ${error.message}`);
    }
  }

  /**
   * Show the list at once, titled from what earlier look-ups found (`known`); titles not
   * known yet show their id until the search's id shards answer (as the title panel does).
   */
  async _show(list, seq) {
    const ids = [...new Set(list.flatMap((s) => [s.id, ...s.why]))];
    this.listIds = list.map((s) => s.id);
    this._render(list);
    const missing = ids.filter((id) => !this.known.has(id));
    if (missing.length) {
      const found = await this.viewer.search.lookup(missing);
      for (const [id, entry] of found) this.known.set(id, entry);
      if (this.known.size > KNOWN_MAX) this.known = new Map([...this.known].slice(-KNOWN_MAX / 2));
      if (seq !== this.seq) return;
      this._render(list);
    }
  }

  _render(list) {
    const name = (id) => this.known.get(id)?.title || this.picked.get(id)?.title || id;
    this.list.replaceChildren(...list.map((s) => this._item(s, this.known.get(s.id), name)));
    this.element.dataset.state = "ready";
    if (list.length) this._say(`${list.length} suggestions for tonight.`);
    else if (!this.seeds) this._say("Nothing to start from yet: import your ratings (7/10 or more counts as liked) or pick titles you liked.");
    else this._say("No unseen title fits these filters.");
  }

  _item(s, entry, name) {
    const title = entry?.title || s.id;
    const go = el("button", { type: "button", class: "pick", dataset: { id: s.id }, onclick: () => this.viewer.select(s.id, { fly: true, push: true, entry }) },
      el("span", { class: "t", text: title }), el("span", { class: "y", text: Number.isInteger(entry?.year) ? ` ${entry.year}` : "" }));
    const names = s.why.map(name);
    const why = el("p", { class: "why", text: names.length ? `because you liked ${names.join(" and ")}` : "" });
    const item = el("li", { dataset: { id: s.id, why: s.why.join(" ") } }, go, why);
    if (s.why.length) {
      item.append(el("button", { type: "button", class: "why-path", text: "Why is this in my Tonight list?",
        onclick: () => this.paths.show(s.why[0], s.id) }));
    }
    return item;
  }

  /** Plain data for inspect(). */
  state() {
    return {
      open: this.open, filter: { ...this.filter }, dim: this.dimInfo && { ...this.dimInfo },
      list: [...this.listIds], answered: this.answered && { ...this.answered }, ratingsVersion: this.ratingsVersion,
      filterKey: formatFilter(this.filter).join("&"), timings: this.timings && { ...this.timings }, graphStarted: this.graph.started, graphStartedAt: this.graph.startedAt, path: this.paths.ids && [...this.paths.ids],
    };
  }
}
