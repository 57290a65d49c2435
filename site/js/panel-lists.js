// The parts of the panel's lists that say what the map leaves out: "5 of 12 on this map" with
// the recommendations that were not crawled listed greyed (name when the crawl knows it, id
// otherwise), and "Show all 38" under "Recommended by 38 (first 30 shown)". Crawled text is
// inserted with textContent only.

import { titleWithYear } from "./text.js";

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

let headings = 0; // ids of the "Not on this map" headings, unique in the page

const validMissing = (missing) =>
  Array.isArray(missing) ? missing.filter((m) => m && typeof m.id === "string" && m.id) : [];

/** The count of "Recommends": "5" when all are on the map, else "5 of 12 on this map". */
export function recsCount(shown, total, missing) {
  const all = Number.isInteger(total) && total > shown ? total : shown + validMissing(missing).length;
  return all > shown ? `${shown} of ${all} on this map` : String(shown);
}

/** The greyed list of recommendations not on this map (empty when there is none). */
export function missingSection(missing) {
  const entries = validMissing(missing);
  if (!entries.length) return [];
  const heading = node("p", "missing-heading", `Not on this map (${entries.length})`);
  heading.id = `missing-heading-${++headings}`;
  const list = node("ul", "title-list list-missing");
  list.setAttribute("aria-labelledby", heading.id);
  for (const m of entries) {
    const name = typeof m.name === "string" && m.name ? m.name : null;
    const item = node("li", "missing", name ? titleWithYear(name, Number.isInteger(m.year) ? m.year : null) : m.id);
    item.dataset.id = m.id;
    item.title = name ? `${m.id}: not crawled, so not on this map` : "not crawled, so not on this map";
    list.append(item);
  }
  return [heading, list];
}

/**
 * A "Show all N" button when `total` recommenders exist and `shown` are listed; on a click
 * `load()` resolves {ids, origins, found} of the others, `append(ids, origins, found)` puts
 * them in the list, the count then reads N. Null when there is nothing more to show.
 */
export function showAllButton(section, shown, total, load, append) {
  if (!Number.isInteger(total) || total <= shown || typeof load !== "function") return null;
  const button = node("button", "show-all-list", `Show all ${total}`);
  button.type = "button";
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Loading…";
    try {
      const { ids, origins, found } = await load();
      append(ids, origins, found);
      const count = section.querySelector("h3 .count");
      if (count) count.textContent = String(shown + ids.length);
      button.remove();
    } catch (error) {
      console.warn(`could not load the whole list: ${error.message}`);
      button.disabled = false;
      button.textContent = `Show all ${total} (failed, try again)`;
    }
  });
  return button;
}
