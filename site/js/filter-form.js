// The filter form of the Tonight panel: "Max runtime" (minutes), genres (any of), year range,
// minimum rating, minimum votes, title type, unseen only. It reads and writes the plain
// filter of filters.js; genres and types are offered once the graph file says which exist.

import { cleanFilter } from "./filters.js";
import { el } from "./ui.js";

let nextId = 0;

function field(label, input, unit = null) {
  input.id = `filter-${++nextId}`;
  return el("div", { class: "filter-field" }, el("label", { for: input.id, text: label }), input,
    unit && el("span", { class: "unit", text: unit }));
}

function numberInput(name, { min, max, step = 1, placeholder = "" }) {
  return el("input", { type: "number", name, min: String(min), max: String(max), step: String(step), inputmode: "numeric", placeholder });
}

export class FilterForm {
  /** `onChange(filter)` after each edit (debounced by the caller). */
  constructor(onChange) {
    this.onChange = onChange;
    this.inputs = {
      maxRuntime: numberInput("maxRuntime", { min: 1, max: 10000, placeholder: "e.g. 100" }),
      yearFrom: numberInput("yearFrom", { min: 1800, max: 2200 }),
      yearTo: numberInput("yearTo", { min: 1800, max: 2200 }),
      minRating: numberInput("minRating", { min: 0, max: 10, step: 0.1 }),
      minVotes: numberInput("minVotes", { min: 0, max: 1e9 }),
      type: el("select", { name: "type" }, el("option", { value: "", text: "Any" })),
      unseen: el("input", { type: "checkbox", name: "unseen" }),
    };
    this.genreBox = el("div", { class: "genre-list" });
    this.genres = new Set(); // chosen, kept even before the graph says which exist
    const i = this.inputs;
    // "Fits tonight" and "unseen" stay in view; the rest fold away (opened when one is set),
    // so the suggestions start high in the panel.
    this.more = el("details", { class: "more-filters" }, el("summary", { text: "More filters" }),
      el("div", { class: "filter-row" }, field("Year from", i.yearFrom), field("Year to", i.yearTo)),
      el("div", { class: "filter-row" }, field("Minimum rating", i.minRating), field("Minimum votes", i.minVotes)),
      field("Title type", i.type),
      el("fieldset", { class: "genres" }, el("legend", { text: "Genres (any of)" }), this.genreBox));
    this.element = el("form", { class: "filters", "aria-label": "Filters" },
      field("Max runtime", i.maxRuntime, "min"),
      el("label", { class: "unseen" }, i.unseen, document.createTextNode(" Unseen only")),
      this.more,
      el("button", { type: "reset", class: "clear-filters", text: "Clear filters" }));
    this.element.addEventListener("submit", (e) => e.preventDefault());
    this.element.addEventListener("input", () => this.onChange(this.read()));
    this.element.addEventListener("change", () => this.onChange(this.read()));
    this.element.addEventListener("reset", () => setTimeout(() => {
      this.genres.clear();
      this.onChange(this.read());
    }));
  }

  /** Offer the graph file's genres and title types. */
  offer(genres, types) {
    const chosen = this.inputs.type.value;
    this.inputs.type.replaceChildren(el("option", { value: "", text: "Any" }),
      ...types.map((t) => el("option", { value: t, text: t })));
    this.inputs.type.value = types.includes(chosen) ? chosen : "";
    this.genreBox.replaceChildren(...genres.map((g) => {
      const box = el("input", { type: "checkbox", name: "genre", value: g });
      box.checked = this.genres.has(g);
      box.addEventListener("change", () => (box.checked ? this.genres.add(g) : this.genres.delete(g)));
      return el("label", { class: "genre" }, box, document.createTextNode(` ${g}`));
    }));
    this.offered = true;
  }

  /** The filter the form shows. */
  read() {
    const i = this.inputs;
    return cleanFilter({
      maxRuntime: i.maxRuntime.value, yearFrom: i.yearFrom.value, yearTo: i.yearTo.value,
      minRating: i.minRating.value, minVotes: i.minVotes.value,
      types: i.type.value ? [i.type.value] : [], genres: [...this.genres], unseen: i.unseen.checked,
    });
  }

  /** Show filter `f` (from the URL). */
  write(f) {
    const i = this.inputs;
    const text = (v) => (v === null || v === undefined ? "" : String(v));
    i.maxRuntime.value = text(f.maxRuntime);
    i.yearFrom.value = text(f.yearFrom);
    i.yearTo.value = text(f.yearTo);
    i.minRating.value = text(f.minRating);
    i.minVotes.value = text(f.minVotes);
    i.unseen.checked = f.unseen;
    const type = f.types[0] || "";
    if (type && ![...i.type.options].some((o) => o.value === type)) i.type.append(el("option", { value: type, text: type }));
    i.type.value = type;
    this.genres = new Set(f.genres);
    for (const box of this.genreBox.querySelectorAll("input")) box.checked = this.genres.has(box.value);
    if ([f.yearFrom, f.yearTo, f.minRating, f.minVotes].some((v) => v !== null && v !== undefined) ||
        f.types.length || f.genres.length) this.more.open = true;
  }
}
