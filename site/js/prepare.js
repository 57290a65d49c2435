// Fetching and parsing of map files into the shapes the viewer uses; no DOM, so it runs in a
// worker (the loader worker and the render worker both use it).
//
// Kinds: "json" (as is), "mapinfo" (quad tree flattened into arrays), "quad" (node records with
// plain-text names, relations as arrays), "titles" / "ids" (search shards, with each title's
// words), "keys" (a JSON object's keys, one per line), "bitmap" (an ImageBitmap whose white
// background became transparent).

import { decodeName, words } from "./text.js";

/** Fetch `url` and prepare it as `kind`: {result, transfer} (objects to transfer, if any). */
export async function fetchPrepared(url, kind, signal) {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  if (kind === "bitmap") {
    const bitmap = await whiteToAlpha(await response.blob());
    return { result: bitmap, transfer: [bitmap] };
  }
  const prepare = PREPARE[kind];
  if (!prepare) throw new Error(`unknown file kind ${kind}`);
  const text = await response.text();
  const result = prepare(JSON.parse(text));
  result.bytes = text.length;
  return { result, transfer: [] };
}

const PREPARE = {
  json: (data) => ({ data }),
  keys: (data) => ({ keys: Object.keys(data).join("\n") }), // a table's ids, cheap to post
  mapinfo: prepareMapinfo,
  quad: prepareQuad,
  titles: prepareEntries,
  ids: prepareEntries,
};

function prepareMapinfo(info) {
  if (!info || typeof info !== "object" || !info.quadtree) throw new Error("mapinfo.json has no quadtree");
  const paths = [], boxes = [], left = [], right = [], parent = [];
  const stack = [[info.quadtree, "", -1]];
  while (stack.length) {
    const [node, path, up] = stack.pop();
    const q = paths.length;
    paths.push(path);
    parent.push(up);
    boxes.push(+node.xmin, +node.xmax, +node.ymin, +node.ymax);
    left.push(-1);
    right.push(-1);
    if (up >= 0) (path.endsWith("l") ? left : right)[up] = q;
    if (node.right) stack.push([node.right, path + "r", q]);
    if (node.left) stack.push([node.left, path + "l", q]);
  }
  const { quadtree, ...rest } = info;
  return {
    info: rest,
    tree: {
      paths,
      boxes: Float64Array.from(boxes),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      parent: Int32Array.from(parent),
    },
  };
}

function num(v, fallback = 0) {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

// A node record for drawing and hovering; `record` (equad only) keeps every field for the panel.
function prepareNode(raw, full) {
  const node = {
    id: String(raw.nodeid),
    name: decodeName(raw.name),
    x: num(raw.x),
    y: num(raw.y),
    size: num(raw.size),
    community: Number.isInteger(raw.community) && raw.community >= 0 ? raw.community : 0,
    year: Number.isInteger(raw.year) ? raw.year : null,
  };
  if (full) node.record = raw;
  return node;
}

function prepareQuad(data) {
  if (!data || !Array.isArray(data.nodes)) throw new Error("quad file has no nodes");
  const full = data.header && data.header.compact === false;
  const nodes = [];
  for (const raw of data.nodes) {
    if (raw && raw.nodeid !== undefined && raw.name) nodes.push(prepareNode(raw, full));
  }
  const relations = [];
  for (const r of data.relations || []) {
    if (r && r.quadA && r.quadB) relations.push([r.quadA, String(r.nodeidA), r.quadB, String(r.nodeidB)]);
  }
  const h = data.header || {};
  return { nodes, relations, full, box: [num(h.xmin), num(h.xmax), num(h.ymin), num(h.ymax)] };
}

// Search shard entries [id, title, year, quad, x, y, votes] -> objects with the title's words.
function prepareEntries(data) {
  if (!Array.isArray(data)) throw new Error("search shard is not a list");
  const entries = [];
  for (const e of data) {
    if (!Array.isArray(e) || e.length < 6) continue;
    const title = typeof e[1] === "string" ? e[1] : String(e[0]);
    entries.push({
      id: String(e[0]),
      title,
      year: Number.isInteger(e[2]) ? e[2] : null,
      quad: typeof e[3] === "string" ? e[3] : "",
      x: num(e[4]),
      y: num(e[5]),
      votes: num(e[6], 0),
      words: words(title),
    });
  }
  return { entries };
}

// The exporter's bitmaps have a white background (like shingle's page). For a dark map, turn
// white into transparency ("colour to alpha"): alpha = how far the pixel is from white, and the
// colour is what, drawn with that alpha over white, gives the original pixel.
async function whiteToAlpha(blob) {
  const source = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(source.width, source.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(source, 0, 0);
  source.close();
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const p = image.data;
  for (let i = 0; i < p.length; i += 4) {
    const r = p[i], g = p[i + 1], b = p[i + 2];
    const darkest = Math.min(r, g, b);
    const a = (255 - darkest) / 255;
    if (a < 0.02) {
      p[i + 3] = 0;
      continue;
    }
    const white = 255 * (1 - a);
    p[i] = Math.min(255, (r - white) / a);
    p[i + 1] = Math.min(255, (g - white) / a);
    p[i + 2] = Math.min(255, (b - white) / a);
    p[i + 3] = Math.min(255, a * 1.15 * 255);
  }
  ctx.putImageData(image, 0, 0);
  return canvas.transferToImageBitmap();
}
