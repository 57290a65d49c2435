// Data loading, separate from rendering: a prioritised request queue over a worker that fetches
// and parses map files (or over fetches made in place, inside a worker already).

import { fetchPrepared } from "./prepare.js";

/**
 * Fetches files of the map folder, at most `maxConcurrent` at a time, most urgent first (lower
 * priority number = sooner). The same file is never requested twice at once. Queued requests
 * that nobody wants any more can be dropped with `retain`.
 *
 * `base`: the map folder's absolute URL. `transport`: "worker" (a loader worker fetches and
 * parses: for the page) or "inline" (fetch and parse here: for code that is in a worker).
 */
export class Loader {
  constructor(base, maxConcurrent, transport = "worker") {
    this.base = new URL(base);
    this.maxConcurrent = maxConcurrent;
    const done = (message) => this._done(message);
    this.send = transport === "inline" ? inlineTransport(done) : workerTransport(done);
    this.nextId = 1;
    this.queue = []; // {name, kind, priority, group, waiters}
    this.active = new Map(); // request id -> job
    this.byName = new Map(); // name -> job (queued or active)
    this.bytes = 0;
    this.requests = 0;
  }

  url(name) {
    return new URL(name, this.base).href;
  }

  /** Promise of the prepared file; `group` lets `retain` drop queued jobs of that group. */
  load(kind, name, priority = 0, group = null) {
    let job = this.byName.get(name);
    if (job) {
      job.priority = Math.min(job.priority, priority);
      if (group === null) job.group = null; // someone outside the group needs it: keep it
    } else {
      job = { name, kind, priority, group, waiters: [] };
      this.byName.set(name, job);
      this.queue.push(job);
    }
    const promise = new Promise((resolve, reject) => job.waiters.push({ resolve, reject }));
    this._pump();
    return promise;
  }

  /** Drop queued (not yet started) jobs of `group` whose name is not in `wanted`. */
  retain(group, wanted) {
    this.queue = this.queue.filter((job) => {
      if (job.group !== group || wanted.has(job.name)) return true;
      this.byName.delete(job.name);
      for (const w of job.waiters) w.reject(new Error("aborted"));
      return false;
    });
  }

  get pending() {
    return this.queue.length + this.active.size;
  }

  _pump() {
    if (this.active.size >= this.maxConcurrent || !this.queue.length) return;
    this.queue.sort((a, b) => a.priority - b.priority);
    while (this.active.size < this.maxConcurrent && this.queue.length) {
      const job = this.queue.shift();
      const id = this.nextId++;
      this.active.set(id, job);
      this.requests++;
      this.send({ id, kind: job.kind, url: this.url(job.name) });
    }
  }

  _done({ id, result, error }) {
    const job = this.active.get(id);
    if (!job) return;
    this.active.delete(id);
    this.byName.delete(job.name);
    if (result && typeof result.bytes === "number") this.bytes += result.bytes;
    for (const w of job.waiters) {
      if (error) w.reject(new Error(error));
      else w.resolve(result);
    }
    this._pump();
  }
}

function workerTransport(done) {
  const worker = new Worker(new URL("./loader-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (event) => done(event.data);
  return (request) => worker.postMessage(request);
}

function inlineTransport(done) {
  return async ({ id, kind, url }) => {
    try {
      const { result } = await fetchPrepared(url, kind);
      done({ id, result });
    } catch (error) {
      done({ id, error: String(error && error.message || error) });
    }
  };
}
