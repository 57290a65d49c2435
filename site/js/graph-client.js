// The page's side of graph-worker.js: the worker (and with it graph.bin.gz and graphfile.js)
// starts on the first call, never at start-up, so the first map draw never waits for them.
// Every method returns a promise of the worker's answer (see graph-worker.js).

export class GraphClient {
  constructor(fileUrl) {
    this.fileUrl = fileUrl;
    this.worker = null;
    this.calls = new Map();
    this.nextId = 1;
    this.ratingsVersion = -1; // the ratings the worker holds
    this.startedAt = null; // performance.now() when the worker (and the graph file) started
  }

  get started() {
    return this.worker !== null;
  }

  _start() {
    this.startedAt = performance.now();
    this.worker = new Worker(new URL("./graph-worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = ({ data }) => {
      const call = this.calls.get(data.id);
      if (!call) return;
      this.calls.delete(data.id);
      if (data.error !== undefined) call.reject(new Error(data.error));
      else call.resolve(data.value);
    };
    this.worker.onerror = (event) => {
      for (const call of this.calls.values()) call.reject(new Error(`graph worker: ${event.message}`));
      this.calls.clear();
    };
    this.call("init", this.fileUrl);
  }

  call(method, ...args) {
    if (!this.worker) this._start();
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => this.calls.set(id, { resolve, reject }));
    this.worker.postMessage({ id, method, args });
    return promise;
  }

  load() {
    return this.call("load");
  }

  /** Send the user's titles (MyRatings) and picks when they changed since the last send. */
  ratings(myRatings, picked, version) {
    if (version === this.ratingsVersion) return Promise.resolve(null);
    this.ratingsVersion = version;
    const rows = [...myRatings.entries].map(([id, e]) => [id, e.kind, e.rating]);
    return this.call("ratings", rows, [...picked]);
  }

  tonight(filter, limit) {
    return this.call("tonight", filter, limit);
  }

  filter(filter) {
    return this.call("filter", filter);
  }

  path(fromId, toId) {
    return this.call("path", fromId, toId);
  }

  /** Map community -> how many of `ids` are in it (for the legend's "seen per community"). */
  perCommunity(ids) {
    return this.call("perCommunity", [...ids]);
  }
}
