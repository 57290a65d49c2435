// Drawing pass 2: the edges of the quads in view, stroked in world coordinates (so their pixel
// width stays constant), one cached Path2D per quad and colour.

// Milliseconds a frame may spend rebuilding quads' edge paths; the rest wait for the next
// frame (drawing their previous paths meanwhile), so a zoom that wakes many quads at once
// does not make one long frame.
const EDGE_REBUILD_MS = 6;

/** Stroke the edges; sets `frame.animating` when some paths had to wait for the next frame. */
export function drawEdges(ctx, frame) {
  const { camera, dpr, W, H, settings: s } = frame;
  ctx.setTransform(dpr * camera.scale, 0, 0, dpr * camera.scale,
    dpr * (W / 2 - camera.x * camera.scale), dpr * (H / 2 - camera.y * camera.scale));
  ctx.lineWidth = s.edgeWidth / camera.scale;
  ctx.lineCap = "round";
  const deadline = performance.now() + EDGE_REBUILD_MS;
  for (const quad of frame.quads) {
    if (!quad.edges.length || !frame.meets(quad.edgeBox)) continue;
    const alpha = s.edgeOpacity * frame.fade(quad) * frame.dim;
    if (alpha <= 0.003) continue;
    ctx.globalAlpha = alpha;
    for (const g of edgePaths(quad, frame, deadline)) {
      if (!frame.meets(g.box)) continue;
      ctx.strokeStyle = g.color;
      ctx.stroke(g.path);
    }
  }
}

/**
 * The quad's edges in world coordinates, one Path2D per colour, with their bounding boxes:
 * made when the quad is first drawn and again only when its edges or the hidden
 * communities change, so a frame only strokes them.
 */
function edgePaths(quad, frame, deadline) {
  const { map, hidden } = frame;
  const wanted = map.wanted;
  const base = `${quad.edgeVersion}|${frame.hiddenKey}|${frame.paletteVersion}`;
  if (quad.edgeBase === base) {
    // Rebuild only if a quad at the other end of an edge started or stopped being drawn.
    if (quad.edgeWanted === map.wantedVersion) return quad.edgePaths;
    let same = true;
    for (const [path, was] of quad.edgeDeps) {
      if (wanted.has(path) !== was) {
        same = false;
        break;
      }
    }
    if (same) {
      quad.edgeWanted = map.wantedVersion;
      return quad.edgePaths;
    }
  }
  if (quad.edgePaths && performance.now() > deadline) {
    frame.animating = true; // out of time this frame: the old paths once more
    return quad.edgePaths;
  }
  const deps = new Map();
  for (const [a, b] of quad.edges) {
    deps.set(a.quad, wanted.has(a.quad));
    deps.set(b.quad, wanted.has(b.quad));
  }
  quad.edgeDeps = deps;
  quad.edgeBase = base;
  quad.edgeWanted = map.wantedVersion;
  const byColor = new Map();
  for (const [a, b] of quad.edges) {
    if (hidden.has(a.community) || hidden.has(b.community)) continue;
    if (!wanted.has(a.quad) || !wanted.has(b.quad)) continue; // an end that is not drawn
    const color = frame.color(a.community);
    let g = byColor.get(color);
    if (!g) byColor.set(color, (g = { color, path: new Path2D(), box: [Infinity, -Infinity, Infinity, -Infinity] }));
    g.path.moveTo(a.x, a.y);
    g.path.lineTo(b.x, b.y);
    const box = g.box;
    if (a.x < box[0]) box[0] = a.x;
    if (a.x > box[1]) box[1] = a.x;
    if (a.y < box[2]) box[2] = a.y;
    if (a.y > box[3]) box[3] = a.y;
    if (b.x < box[0]) box[0] = b.x;
    if (b.x > box[1]) box[1] = b.x;
    if (b.y < box[2]) box[2] = b.y;
    if (b.y > box[3]) box[3] = b.y;
  }
  quad.edgePaths = [...byColor.values()];
  return quad.edgePaths;
}
