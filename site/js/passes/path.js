// Drawing pass 4b (with the selection): a path between two titles (the Tonight panel's
// "Path"), as a line through its titles in order, a ring on each and an arrow head per step,
// emphasised so the label pass names its titles first.

const PATH_COLOR = "#ff7bd5";

/** Draw `frame.path` ([{id, title, x, y}] in order), when there is one. */
export function drawPath(ctx, frame) {
  const path = frame.path;
  if (!path || !path.length) return;
  const points = path.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .map((p) => ({ ...p, sx: frame.sx(p.x), sy: frame.sy(p.y) }));
  ctx.globalAlpha = 1;
  ctx.strokeStyle = PATH_COLOR;
  ctx.fillStyle = PATH_COLOR;
  ctx.lineWidth = 2.5;
  for (let k = 1; k < points.length; k++) arrow(ctx, points[k - 1], points[k]);
  for (const p of points) {
    const node = frame.map.nodeById.get(p.id);
    const r = (node ? frame.radius(node) : 4) + 3;
    ctx.beginPath();
    ctx.arc(p.sx, p.sy, r, 0, 2 * Math.PI);
    ctx.stroke();
    frame.emphasised.push({ id: p.id, name: p.title || p.id, x: p.sx, y: p.sy, r: r + 2 });
  }
}

function arrow(ctx, a, b) {
  const dx = b.sx - a.sx, dy = b.sy - a.sy;
  const length = Math.hypot(dx, dy);
  if (length < 1) return;
  ctx.beginPath();
  ctx.moveTo(a.sx, a.sy);
  ctx.lineTo(b.sx, b.sy);
  ctx.stroke();
  // The head halfway along, so it shows even when the ends are under big titles.
  const ux = dx / length, uy = dy / length;
  const mx = a.sx + dx / 2, my = a.sy + dy / 2;
  ctx.beginPath();
  ctx.moveTo(mx + ux * 6, my + uy * 6);
  ctx.lineTo(mx - ux * 6 - uy * 5, my - uy * 6 + ux * 5);
  ctx.lineTo(mx - ux * 6 + uy * 5, my - uy * 6 - ux * 5);
  ctx.closePath();
  ctx.fill();
}
