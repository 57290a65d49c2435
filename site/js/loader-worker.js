// Fetches and parses map files off the main thread, and returns them ready to use
// (see prepare.js for the kinds).
//
// Message in: {id, kind, url}; out: {id, result} or {id, error}. {cancel: id} aborts a fetch.

import { fetchPrepared } from "./prepare.js";

const controllers = new Map();

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.cancel !== undefined) {
    controllers.get(msg.cancel)?.abort();
    return;
  }
  const controller = new AbortController();
  controllers.set(msg.id, controller);
  try {
    const { result, transfer } = await fetchPrepared(msg.url, msg.kind, controller.signal);
    self.postMessage({ id: msg.id, result }, transfer);
  } catch (error) {
    const aborted = error && error.name === "AbortError";
    self.postMessage({ id: msg.id, error: aborted ? "aborted" : String(error && error.message || error) });
  } finally {
    controllers.delete(msg.id);
  }
};
