// Page start-up: settings from the map element's data-* attributes and ?data=, then the viewer.
// The viewer is exposed as `window.imdbMap` for the console; tests and the benchmark read only
// its `inspect()` (plain data: see viewer.js).

import { SettingsError, resolveSettings, settingsFromElement, settingsFromQuery } from "./settings.js";
import { Viewer } from "./viewer.js";

export async function createViewer(root, options = {}) {
  const settings = resolveSettings(settingsFromElement(root), settingsFromQuery(location.search), options);
  const viewer = new Viewer(root, settings);
  await viewer.start();
  return viewer;
}

const root = document.querySelector("#app");
if (root && !root.hasAttribute("data-manual")) {
  window.imdbMap = null;
  window.imdbMapReady = createViewer(root).then(
    (viewer) => (window.imdbMap = viewer),
    (error) => {
      const status = root.querySelector(".status");
      if (error instanceof SettingsError && status) {
        status.textContent = error.message;
        status.hidden = false;
        status.classList.add("error");
      }
      console.error(error);
      throw error;
    },
  );
  window.imdbMapReady.catch(() => {});
}
