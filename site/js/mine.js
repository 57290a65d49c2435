// "My ratings": the panel that imports a ratings export (file input or a file dropped on the
// page), says what came of it, lists the titles it could not place, and forgets everything on
// request; the key of the map's marks at the top of the legend, with how much of each
// community the user has seen; the user's own verdict in a title's panel. The file's reading
// and matching are ratings-import.js'; the entries live in MyRatings (viewer.ratings), whose
// "change" event redraws everything here.
//
// Everything from a file is inserted with textContent. The reader (ratings-import.js) is loaded
// on the first import only: the first map draw does not fetch it.

import { LIKED_FROM, stronger } from "./myratings.js";
import { MARK_KINDS, MARK_STYLES, markPath } from "./passes/marks.js";
import { titleWithYear } from "./text.js";
import { announceDrawer, el, onOtherDrawer } from "./ui.js";

const MAX_LISTED = 100; // unmatched titles listed (the rest are counted)
const SLICE_MS = 10; // work this long at most before letting the page go on

/** The mark of an entry: "high", "low", "seen" or "watchlist". */
export function markOf(entry) {
  if (entry.kind === "rated") return entry.rating >= LIKED_FROM ? "high" : "low";
  return entry.kind;
}

/** What the user made of a title, in words, or null. */
export function verdict(entry) {
  if (!entry) return null;
  if (entry.kind === "rated") return `Your rating: ${entry.rating}/10`;
  return entry.kind === "seen" ? "Seen" : "On your watchlist";
}

export class Mine {
  /** `viewer`: the started Viewer; `searchDone`, `legendDone`: its start-up promises. */
  constructor(viewer, { searchDone, legendDone }) {
    this.viewer = viewer;
    this.ratings = viewer.ratings;
    this.searchDone = searchDone;
    const root = viewer.root;
    this.toggle = root.querySelector(".mine-toggle");
    this.section = root.querySelector(".mine");
    this.input = root.querySelector("#mine-file");
    this.summary = root.querySelector(".mine-summary");
    this.unmatched = root.querySelector(".mine-unmatched");
    this.key = this._buildKey(root.querySelector(".legend"));
    this.busy = false;
    this.changePending = false; // a "change" of the ratings waits for its task
    this.marksSeq = 0; // the latest marks being built
    this.imports = 0; // imports finished (the section's data-imports: tests wait on it)
    this.located = -1; // marked titles whose community was known at the last count
    this.external = null; // complete counts per community given by another part, if any
    this._bind(root);
    viewer.panel.yours = (id) => verdict(this.ratings.get(id));
    // In a task of its own: an import's merge and storage take one already.
    this.ratings.addEventListener("change", () => {
      if (this.changePending) return;
      this.changePending = true;
      setTimeout(() => {
        this.changePending = false;
        this._changed();
      }, 0);
    });
    legendDone.then(() => this._refreshCommunities(true));
    this._changed();
    if (this.ratings.error) this._say(this.ratings.error, true);
  }

  _bind(root) {
    this.toggle.addEventListener("click", () => this.open(this.section.hidden));
    onOtherDrawer(this.section, () => this.open(false));
    this.section.querySelector(".mine-close").addEventListener("click", () => this.open(false));
    this.input.addEventListener("change", () => {
      if (this.input.files.length) this.importFile(this.input.files[0]);
    });
    this.section.querySelector(".mine-forget").addEventListener("click", () => this.forget());
    const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
    window.addEventListener("dragover", (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      root.classList.add("dropping");
    });
    window.addEventListener("dragleave", (e) => {
      if (e.relatedTarget === null) root.classList.remove("dropping");
    });
    window.addEventListener("drop", (e) => {
      root.classList.remove("dropping");
      if (!hasFiles(e)) return;
      e.preventDefault();
      const file = e.dataTransfer.files[0];
      if (file) this.importFile(file);
    });
  }

  open(show) {
    this.section.hidden = !show;
    this.toggle.setAttribute("aria-expanded", String(show));
    if (show) announceDrawer(this.section);
  }

  _say(text, isError = false) {
    this.summary.textContent = text;
    this.summary.classList.toggle("error", isError);
  }

  /** Read, match and keep a ratings export; resolves with the summary said. */
  async importFile(file) {
    if (this.busy) {
      this._say("An import is already running; wait for it to finish.", true);
      return this.summary.textContent;
    }
    this.busy = true;
    this.open(true); // where the outcome is said
    this.section.setAttribute("aria-busy", "true");
    this.unmatched.replaceChildren();
    let reader = null;
    try {
      reader = await import("./ratings-import.js");
      const { ImportError, MAX_FILE_BYTES, matchItems, readExport, summarise } = reader;
      if (file.size > MAX_FILE_BYTES) {
        throw new ImportError(`${file.name} is ${Math.round(file.size / 2 ** 20)} MB: too big for a ratings export.`);
      }
      this._say(`Reading ${file.name}…`);
      const read = await readExport(await file.text(), file.name);
      // IMDb rows name their titles: mark them at once (a title not on the map is simply never
      // drawn); the count of those on the map follows when matching is done.
      if (read.format.source === "imdb") this._sendMarks(read.items);
      await this.searchDone;
      const search = this.viewer.search;
      if (read.format.source === "letterboxd" && !search.manifest) {
        throw new ImportError("This map has no search index, so Letterboxd titles (they carry no IMDb id) cannot be matched; IMDb exports still can.");
      }
      this._say(`Matching ${read.items.length.toLocaleString("en-US")} titles with the map…`);
      const match = await matchItems(read.items, search);
      await this.ratings.mergeInSlices(match.matched);
      const text = summarise(read, match);
      const refused = this.ratings.error; // storage refused: kept for this visit only
      this._say(refused ? `${text} ${refused[0].toUpperCase()}${refused.slice(1)}.` : text, Boolean(refused));
      this._listUnmatched(match);
    } catch (error) {
      this._sendMarks(); // only what is kept
      const known = reader !== null && error instanceof reader.ImportError;
      if (!known) console.warn(`import of ${file.name} failed: ${error.stack || error}`);
      this._say(known ? error.message : `Could not import ${file.name}: ${error.message}`, true);
    } finally {
      this.busy = false;
      this.section.removeAttribute("aria-busy");
      this.input.value = ""; // the same file may be imported again
      this.section.dataset.imports = String(++this.imports);
    }
    return this.summary.textContent;
  }

  _listUnmatched({ missing, ambiguous }) {
    const sections = [];
    const list = (heading, cls, items, text) => {
      if (!items.length) return;
      const ul = el("ul", { class: "mine-list" }, ...items.slice(0, MAX_LISTED).map((it) => el("li", { text: text(it) })));
      if (items.length > MAX_LISTED) ul.append(el("li", { class: "muted", text: `… and ${items.length - MAX_LISTED} more` }));
      sections.push(el("section", { class: cls }, el("h3", { text: `${heading} (${items.length})` }), ul));
    };
    list("Not found on this map", "mine-missing", missing, (it) => titleWithYear(it.title, it.year));
    list("Ambiguous: not guessed", "mine-ambiguous", ambiguous,
      (it) => `${titleWithYear(it.title, it.year)}: ${it.candidates.map((c) => `${titleWithYear(c.title, c.year)} ${c.id}`).join(", ")}` +
        (it.more ? ` and ${it.more} more` : ""));
    this.unmatched.replaceChildren(...sections);
  }

  forget() {
    if (this.busy) {
      this._say("An import is running: forget your ratings once it is done.", true);
      return;
    }
    this.ratings.forget();
    this.unmatched.replaceChildren();
    this._say(this.ratings.error || "Your ratings are forgotten: nothing of them is left on this device.", Boolean(this.ratings.error));
  }

  // --- marks, key, panel ------------------------------------------------------------------

  /**
   * Mark the kept titles, and `extra` items ({id, kind, rating}) as they would be kept; built
   * in slices of SLICE_MS (50,000 titles take longer than a task should), then sent at once.
   * Resolves with the count per mark kind; a newer call supersedes an unfinished one.
   */
  async _sendMarks(extra = []) {
    const seq = ++this.marksSeq;
    const entries = new Map();
    const counts = new Map(MARK_KINDS.map((k) => [k, 0]));
    let start = performance.now();
    const slice = async () => {
      if (performance.now() - start < SLICE_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, 0));
      start = performance.now();
      return seq !== this.marksSeq;
    };
    let n = 0;
    for (const [id, e] of this.ratings.entries) {
      entries.set(id, markOf(e));
      if ((++n & 1023) === 0 && await slice()) return null;
    }
    for (const it of extra) {
      const old = this.ratings.get(it.id);
      entries.set(it.id, markOf(old ? stronger(old, it) : it));
      if ((++n & 1023) === 0 && await slice()) return null;
    }
    for (const kind of entries.values()) counts.set(kind, counts.get(kind) + 1);
    this.viewer.client.marks(entries);
    return counts;
  }

  async _changed() {
    const counts = await this._sendMarks();
    if (!counts) return; // superseded
    let total = 0;
    for (const [kind, n] of counts) {
      this.key.counts.get(kind).textContent = n.toLocaleString("en-US");
      total += n;
    }
    this.key.section.hidden = total === 0;
    this.toggle.textContent = total ? `My ratings (${total.toLocaleString("en-US")})` : "My ratings";
    this.viewer.panel.showYours();
    this.located = -1;
    if (!total) this.external = null; // forgotten: nothing is seen any more
    this._refreshCommunities(true);
  }

  /** The marks' key, at the top of the legend: one line per kind, drawn as on the map. */
  _buildKey(legend) {
    const counts = new Map();
    const items = MARK_KINDS.map((kind) => {
      const style = MARK_STYLES[kind];
      const icon = el("canvas", { class: "mine-icon", width: "32", height: "32", "aria-hidden": "true" });
      const ctx = icon.getContext("2d");
      ctx.scale(2, 2);
      ctx.beginPath();
      markPath(ctx, style.shape, 8, 8, 5);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = "#0d1117";
      ctx.stroke();
      ctx.lineWidth = 1.8;
      ctx.strokeStyle = style.color;
      ctx.stroke();
      const n = el("span", { class: "size", text: "0" });
      counts.set(kind, n);
      return el("li", { class: `mine-key-item mark-${kind}` }, icon, el("span", { class: "name", text: style.label }), n);
    });
    const note = el("p", { class: "mine-key-note muted", text: "“seen” per community: among the parts of the map loaded so far." });
    const section = el("section", { class: "mine-key", "aria-labelledby": "mine-key-title" },
      el("h2", { id: "mine-key-title", text: "Your titles" }), el("ul", { class: "legend-list" }, ...items), note);
    section.hidden = true;
    legend.prepend(section);
    return { section, counts, note };
  }

  /** After each frame: recount per community when more marked titles have been located. */
  drawn(stats) {
    if (this.ratings.size && stats.marksLocated !== this.located) this._refreshCommunities(false);
  }

  async _refreshCommunities(force) {
    if (this.external) return this._showCommunities(this.external, true);
    if (!this.ratings.size) return this._showCommunities(new Map(), false);
    if (this.counting && !force) return;
    this.counting = true;
    try {
      const { located, counts } = await this.viewer.client.call("markedCommunities");
      this.located = located;
      this._showCommunities(new Map(counts), false);
    } finally {
      this.counting = false;
    }
  }

  /**
   * Show per community how many of its titles the user has seen (or rated): `counts` is
   * Map community -> seen; `complete` when every title's community was known (e.g. from the
   * graph file) rather than only those of the quads loaded so far. Another part may call
   * this with complete counts (again after each "change" of the ratings): they then win over
   * the tiles' partial ones until the ratings are forgotten.
   */
  showCommunitySeen(counts, complete = true) {
    this.external = complete ? counts : null;
    this._showCommunities(counts, complete);
  }

  _showCommunities(counts, complete) {
    this.key.note.hidden = complete;
    const sizes = new Map((this.viewer.legend?.communities || []).map((c) => [c.id, c.size]));
    for (const box of this.viewer.root.querySelectorAll(".legend-item input[data-community]")) {
      const community = Number(box.dataset.community);
      const label = box.closest(".legend-item");
      let span = label.querySelector(".seen");
      const n = counts.get(community) || 0;
      if (!n) {
        span?.remove();
        continue;
      }
      if (!span) {
        span = el("span", { class: "seen" });
        label.querySelector(".size").before(span);
      }
      span.textContent = `${n.toLocaleString("en-US")} seen`;
      const size = sizes.get(community);
      span.title = Number.isFinite(size) ? `you have seen ${n} of its ${size} titles` : `you have seen ${n} of its titles`;
    }
  }
}
