// Reads the whole recommendation graph (`graph.bin.gz`, written by exporters/graphfile.py,
// whose docstring gives the layout byte by byte) for the features that need every edge:
// ratings overlay, "Tonight", paths. No DOM, so it runs as well in a worker; nothing on the
// first map draw imports it, so the map never waits for the file.

const MAGIC = "IMDBGRF\0";
export const GRAPH_FILE_VERSION = 2;
const SECTIONS_OF_VERSION = { 1: 11, 2: 12 }; // version 2 added `community`
const HEAD_BYTES = 24;
const SECTIONS = [
  ["outStart", Uint32Array],
  ["outTarget", Uint32Array],
  ["votes", Uint32Array],
  ["genreBits", Uint32Array],
  ["idStart", Uint32Array],
  ["year", Uint16Array],
  ["runtime", Uint16Array],
  ["rating", Uint8Array],
  ["type", Uint8Array],
  ["idBytes", Uint8Array],
  ["tables", Uint8Array],
  ["community", Uint32Array], // 0xFFFFFFFF = none (version 2)
];

export class GraphFileError extends Error {}

// Views of `buffer`'s sections, no copies (every section starts at a multiple of 4).
function sections(buffer) {
  if (!(buffer instanceof ArrayBuffer)) {
    throw new GraphFileError("graph file: expecting an ArrayBuffer");
  }
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, Math.min(8, buffer.byteLength)));
  if (buffer.byteLength < HEAD_BYTES || magic !== MAGIC) {
    throw new GraphFileError(`not a graph file: starts with ${JSON.stringify(magic)}`);
  }
  const version = view.getUint32(8, true);
  if (version > GRAPH_FILE_VERSION) {
    throw new GraphFileError(
      `graph file version ${version} is newer than this reader's ${GRAPH_FILE_VERSION}: reload the site`,
    );
  }
  const n = view.getUint32(12, true);
  const e = view.getUint32(16, true);
  const count = view.getUint32(20, true);
  const expected = SECTIONS_OF_VERSION[version] ?? SECTIONS.length;
  if (count < expected || buffer.byteLength < HEAD_BYTES + 8 * count) {
    throw new GraphFileError(`graph file truncated: header of ${count} sections cut short`);
  }
  const out = { version, n, e, community: null };
  SECTIONS.slice(0, expected).forEach(([name, Type], k) => {
    const offset = view.getUint32(HEAD_BYTES + 8 * k, true);
    const length = view.getUint32(HEAD_BYTES + 8 * k + 4, true);
    if (offset + length > buffer.byteLength) {
      throw new GraphFileError(
        `graph file truncated: section ${name} ends at byte ${offset + length}, the file has ${buffer.byteLength}`,
      );
    }
    out[name] = new Type(buffer, offset, length / Type.BYTES_PER_ELEMENT);
  });
  if (out.outStart.length !== n + 1 || out.outTarget.length !== e) {
    throw new GraphFileError(`graph file sections disagree with its counts (${n} nodes, ${e} edges)`);
  }
  return out;
}

// The reverse CSR by counting sort: in-edges of t are inSource[inStart[t]..inStart[t+1]], by
// source number. One pass over the edges; storing it would nearly double the file.
function reverse(n, outStart, outTarget) {
  const inStart = new Uint32Array(n + 1);
  for (let k = 0; k < outTarget.length; k++) inStart[outTarget[k] + 1]++;
  for (let i = 0; i < n; i++) inStart[i + 1] += inStart[i];
  const fill = inStart.slice(0, n);
  const inSource = new Uint32Array(outTarget.length);
  for (let s = 0; s < n; s++) {
    for (let k = outStart[s], end = outStart[s + 1]; k < end; k++) {
      inSource[fill[outTarget[k]]++] = s;
    }
  }
  return { inStart, inSource };
}

export class GraphFile {
  constructor(buffer) {
    const s = sections(buffer);
    Object.assign(this, s);
    const tables = JSON.parse(new TextDecoder().decode(s.tables));
    this.genreTable = tables.genres;
    this.typeTable = tables.types;
    Object.assign(this, reverse(s.n, s.outStart, s.outTarget));
    this.decoder = new TextDecoder();
    this.byId = null; // id -> node number, built on the first index() call
  }
  get nodeCount() {
    return this.n;
  }
  get edgeCount() {
    return this.e;
  }
  // Titles node i recommends, in rank order (a view, not a copy).
  neighbours(i) {
    return this.outTarget.subarray(this.outStart[i], this.outStart[i + 1]);
  }
  // Titles that recommend node i, by node number (a view, not a copy).
  recommendedBy(i) {
    return this.inSource.subarray(this.inStart[i], this.inStart[i + 1]);
  }
  id(i) {
    if (this.ascii === undefined) {
      // One decode of the whole table: byte offsets are string offsets when it is all ASCII
      // (tt ids are), and slicing a string is far cheaper than 176K TextDecoder calls.
      const all = this.decoder.decode(this.idBytes);
      this.ascii = all.length === this.idBytes.length ? all : null;
    }
    if (this.ascii !== null) return this.ascii.slice(this.idStart[i], this.idStart[i + 1]);
    return this.decoder.decode(this.idBytes.subarray(this.idStart[i], this.idStart[i + 1]));
  }
  // Node number of `id`, or -1 when the title is not on this map.
  index(id) {
    if (this.byId === null) {
      this.byId = new Map();
      for (let i = 0; i < this.n; i++) this.byId.set(this.id(i), i);
    }
    const i = this.byId.get(id);
    return i === undefined ? -1 : i;
  }
  yearOf(i) {
    return this.year[i] || null;
  }
  runtimeOf(i) {
    return this.runtime[i] || null;
  }
  ratingOf(i) {
    return this.rating[i] ? this.rating[i] / 10 : null;
  }
  votesOf(i) {
    return this.votes[i] || null;
  }
  // The title's community (legend.json's id), or null (unknown, or a version 1 file).
  communityOf(i) {
    const c = this.community ? this.community[i] : 0xffffffff;
    return c === 0xffffffff ? null : c;
  }
  typeOf(i) {
    return this.typeTable[this.type[i]];
  }
  genresOf(i) {
    const bits = this.genreBits[i];
    return this.genreTable.filter((_, g) => (bits >>> g) & 1);
  }
}

// The graph in an ArrayBuffer holding `graph.bin` (inflated) -> a GraphFile.
export function parseGraphFile(buffer) {
  return new GraphFile(buffer);
}

// Fetch `url` (graph.bin.gz) and parse it. A host that sends the .gz with Content-Encoding:
// gzip has let the browser inflate it already, so inflate only what still starts gzip'd.
export async function loadGraphFile(url, fetchImpl = fetch) {
  const response = await fetchImpl(url);
  if (!response.ok) throw new GraphFileError(`graph file ${url}: HTTP ${response.status}`);
  let buffer = await response.arrayBuffer();
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream("gzip"));
    buffer = await new Response(stream).arrayBuffer();
  }
  return parseGraphFile(buffer);
}
