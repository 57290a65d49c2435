// What the page says about itself beyond the map: keyboard hints only where there is a
// keyboard, and a "demo data" badge on a map made from the sandbox (its titles, people and
// ids are invented, so nothing links to IMDb).

/** Whether the page is used by touch alone (a phone, a tablet): no hover, a coarse pointer. */
export function touchOnly() {
  return window.matchMedia("(hover: none) and (pointer: coarse)").matches;
}

/** Append each `[data-key-hint]` input's hint ("( / )") to its placeholder, unless touch-only. */
export function showKeyHints(root) {
  if (touchOnly()) return;
  for (const input of root.querySelectorAll("input[data-key-hint]")) {
    input.placeholder = `${input.placeholder}  ${input.dataset.keyHint}`;
  }
}

/** Whether mapinfo.json says the map was made from the sandbox's invented data. */
export function isDemoMap(info) {
  return Boolean(info && info.demo === true);
}

/** The header's "demo data" badge, added once when the map is a demo map. */
export function showDemoBadge(root, info) {
  if (!isDemoMap(info) || root.querySelector(".demo-badge")) return;
  const badge = document.createElement("span");
  badge.className = "demo-badge";
  badge.textContent = "demo data";
  badge.title = "A map of the bundled sandbox: titles, people and ids are invented";
  const brand = root.querySelector(".brand");
  if (brand) brand.after(badge);
  else root.prepend(badge);
}
