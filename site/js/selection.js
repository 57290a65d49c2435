// The selected title: where it is (the loaded quads, else the search index), its details
// (equad_ files, cached), its panel, and its neighbours, which the drawing side highlights.
// Camera moves and the URL are the viewer's: `select` hands it the title's position.

import { LRU } from "./lru.js";
import { nodeEntry } from "./tilemap.js";
import { titleWithYear } from "./text.js";

const PAGE_TITLE = "IMDb recommendation map";

export class Selection {
  constructor({ root, client, loader, search, panel, settings }) {
    this.root = root;
    this.client = client;
    this.loader = loader;
    this.search = search;
    this.panel = panel;
    this.details = new LRU(settings.maxCachedDetails); // equad_ files (promises)
    this.current = null; // {id, x, y, title, neighbours: [{id, kind, title, x, y, community}]}
    this.pendingId = null; // being located
    this.seq = 0; // the latest select or clear wins
    this.busy = 0; // selections still being located, detailed or resolved (inspect: not settled)
  }

  /** The selected id, or the one being located. */
  get id() {
    return this.current ? this.current.id : this.pendingId;
  }

  async locate(id) {
    const [loaded] = await this.client.call("lookup", [id]);
    if (loaded) return loaded[1];
    const found = await this.search.lookup([id]);
    return found.get(id) || null;
  }

  _detail(quadPath) {
    const name = `equad_${quadPath}.json`;
    let promise = this.details.get(name);
    if (!promise) {
      promise = this.loader.load("quad", name, -6);
      this.details.set(name, promise);
      promise.catch(() => this.details.delete(name));
      this.details.trim();
    }
    return promise;
  }

  /**
   * Select a title and open its panel; `entry` (optional) is what the caller already knows:
   * {x, y, quad, title, year}. `focus(where)` is called once it is located, before its details
   * load. Resolves "selected", "missing" (not on this map) or "superseded" (another select or
   * clear came first).
   */
  async select(id, entry, focus) {
    this.busy++;
    try {
      return await this._select(id, entry, focus);
    } finally {
      this.busy--;
    }
  }

  async _select(id, entry, focus) {
    const seq = ++this.seq;
    this.pendingId = id;
    const where = entry && entry.quad !== undefined && Number.isFinite(entry.x) ? entry : await this.locate(id);
    if (seq !== this.seq) return "superseded";
    this.pendingId = null;
    if (!where) return "missing";
    this.current = { id, x: where.x, y: where.y, title: where.title, neighbours: [] };
    this.client.selection(this.current);
    this.panel.show({ id, title: where.title, year: where.year, loading: true });
    focus(where);
    try {
      const data = await this._detail(where.quad);
      const detail = data.nodes.find((n) => n.id === id) || null;
      if (seq !== this.seq) return "superseded";
      await this._showDetail(id, where, detail, data);
    } catch (error) {
      if (seq !== this.seq) return "superseded";
      console.warn(`no details for ${id}: ${error.message}`);
      this.panel.show({ id, title: where.title, year: where.year });
    }
    return "selected";
  }

  async _showDetail(id, where, detail, data) {
    const seq = this.seq;
    const r = (detail && detail.record) || {};
    const recs = Array.isArray(r.recs) ? r.recs.map(String) : null;
    const by = Array.isArray(r.by) ? r.by.map(String) : null;
    let linked = null;
    if (!recs && !by) {
      // Tiles without the panel lists: fall back to the title's edges on the map.
      linked = [];
      for (const [, a, , b] of data.relations) {
        if (a === id && !linked.includes(b)) linked.push(b);
        if (b === id && !linked.includes(a)) linked.push(a);
      }
    }
    const title = detail ? detail.name : where.title;
    const year = detail ? detail.year : where.year;
    this.current.title = title;
    this.client.selection(this.current);
    this.panel.show({
      id, title, year, rating: r.rating, votes: r.votes, genres: r.genres, directors: r.directors,
      href: r.href, recs, by, byCount: Number.isInteger(r.byCount) ? r.byCount : null, linked,
      recsOrigin: Array.isArray(r.recsOrigin) ? r.recsOrigin : null,
      byOrigin: Array.isArray(r.byOrigin) ? r.byOrigin : null,
      recsCount: Number.isInteger(r.recsCount) ? r.recsCount : null,
      recsMissing: Array.isArray(r.recsMissing) ? r.recsMissing : null,
      byMore: () => this._moreBy(id, where.quad),
    });
    document.title = `${titleWithYear(title || id, year)} · ${PAGE_TITLE}`;
    const ids = [...new Set([...(recs || []), ...(by || []), ...(linked || [])])];
    const recSet = new Set(recs || linked || []), bySet = new Set(by || []);
    // A lookup that fails leaves the lists as ids, not the panel empty.
    const found = await this.resolve(ids).catch((error) => {
      console.warn(`titles of ${id}'s lists not found: ${error.message}`);
      return new Map();
    });
    if (seq !== this.seq || !this.current || this.current.id !== id) return;
    this.panel.fill(found);
    this.current.neighbours = ids.map((nid) => {
      const e = found.get(nid);
      const kind = recSet.has(nid) && bySet.has(nid) ? "both" : bySet.has(nid) ? "by" : "rec";
      return {
        id: nid, kind, title: e ? e.title : null,
        x: e && Number.isFinite(e.x) ? e.x : null, y: e && Number.isFinite(e.y) ? e.y : null,
        community: e && Number.isInteger(e.community) ? e.community : null,
      };
    });
    this.client.selection(this.current);
    this.root.dispatchEvent(new CustomEvent("panelready", { detail: { id } }));
  }

  /** The recommenders of `id` past the first ones its record lists (the quad's byquad_
   * file, fetched on demand): {ids, origins, found} for the panel's "Show all". */
  async _moreBy(id, quadPath) {
    const { data } = await this.loader.load("json", `byquad_${quadPath}.json`, -6);
    const rest = data && typeof data === "object" && Object.hasOwn(data, id) ? data[id] : null;
    if (!rest || !Array.isArray(rest.by)) throw new Error(`byquad_${quadPath}.json does not list ${id}`);
    const ids = rest.by.map(String);
    const origins = Array.isArray(rest.byOrigin) && rest.byOrigin.length === ids.length ? rest.byOrigin : null;
    return { ids, origins, found: await this.resolve(ids) };
  }

  /** Titles, years and positions of ids: loaded quads first, then the id shards. */
  async resolve(ids) {
    const found = new Map(await this.client.call("lookup", ids));
    const missing = [];
    const fromDetails = new Map();
    for (const promise of this.details.values()) {
      const data = await promise.catch(() => null);
      if (data) for (const n of data.nodes) fromDetails.set(n.id, n);
    }
    for (const id of ids) {
      if (found.has(id)) continue;
      const n = fromDetails.get(id);
      if (n) found.set(id, nodeEntry(n));
      else missing.push(id);
    }
    if (missing.length) {
      for (const [id, e] of await this.search.lookup(missing)) found.set(id, e);
    }
    return found;
  }

  /** Close the panel and forget the selection; true if there was one to close. */
  clear() {
    this.seq++;
    this.pendingId = null;
    const had = this.current !== null || this.panel.open;
    this.current = null;
    this.client.selection(null);
    this.panel.close();
    document.title = PAGE_TITLE;
    return had;
  }
}
