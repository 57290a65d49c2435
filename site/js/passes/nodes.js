// Drawing pass 3: the titles of the quads in view, batched per quad and community, in screen
// coordinates; what it draws becomes `frame.visible` (hit tests and labels read it). Titles
// outside the filter (`frame.dimmed(id)`) are drawn faint after the others of their batch.

// Radius, in device pixels, under which a title is drawn as a square: that small, a square
// cannot be told from a disc. Counted in device pixels, so a phone's dense screen (where a
// 2 px square is 4 or more pixels wide and looks square) draws discs.
const SQUARE_BELOW = 2.2;
const DIM_ALPHA = 0.12; // a filtered-out title's opacity, relative to the others

/** Fill the nodes; pushes [node, sx, sy, r] of each one drawn to `frame.visible`. */
export function drawNodes(ctx, frame) {
  const { dpr, hidden, settings: s } = frame;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const visible = frame.visible;
  ctx.lineWidth = 1;
  ctx.strokeStyle = s.background;
  for (const quad of frame.quads) {
    if (!frame.meets(quad.box)) continue;
    const alpha = frame.fade(quad) * frame.dim;
    for (const [community, nodes] of groups(quad)) {
      if (hidden.has(community)) continue;
      ctx.fillStyle = frame.color(community);
      ctx.globalAlpha = alpha;
      const faint = drawBatch(ctx, frame, nodes, visible);
      if (!faint.length) continue;
      ctx.globalAlpha = alpha * DIM_ALPHA;
      drawBatch(ctx, frame, faint, visible, false);
    }
  }
}

/**
 * Fill `nodes` in the current style; returns those the filter dims, left for a second batch
 * (when `dimming`). Small titles are squares (cheap to rasterise, and indistinguishable from
 * discs at that size); bigger ones are discs with a thin outline in the background colour.
 */
function drawBatch(ctx, frame, nodes, visible, dimming = true) {
  const { W, H } = frame;
  const squareBelow = SQUARE_BELOW / frame.dpr; // in CSS px
  const dimmed = dimming ? frame.dimmed : null;
  const faint = [];
  let discs = false;
  for (const node of nodes) {
    const x = frame.sx(node.x), y = frame.sy(node.y);
    const r = frame.radius(node);
    if (x < -r || x > W + r || y < -r || y > H + r) continue;
    if (dimmed && dimmed(node.id)) {
      faint.push(node);
      continue;
    }
    visible.push([node, x, y, r]);
    if (r < squareBelow) {
      ctx.fillRect(x - r * 0.89, y - r * 0.89, r * 1.78, r * 1.78);
      continue;
    }
    if (!discs) {
      discs = true;
      ctx.beginPath();
    }
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
  if (discs) {
    ctx.fill();
    ctx.stroke();
  }
  return faint;
}

/** The quad's nodes per community, made once. */
function groups(quad) {
  if (!quad.groups) {
    const byCommunity = new Map();
    for (const node of quad.nodes) {
      let list = byCommunity.get(node.community);
      if (!list) byCommunity.set(node.community, (list = []));
      list.push(node);
    }
    quad.groups = [...byCommunity.entries()];
  }
  return quad.groups;
}
