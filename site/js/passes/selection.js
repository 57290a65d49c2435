// Drawing pass 4: the selected title, its edges and neighbours at full strength, and the ring
// around the title under the mouse; what it emphasises becomes `frame.emphasised` (labelled
// first by the label pass).

const REC_COLOR = "#ffd166"; // edges to titles the selected one recommends
const BY_COLOR = "#4cc9f0"; // edges from titles recommending it
const UNKNOWN_COLOR = "#9aa4b2"; // a neighbour whose quad is not loaded

/** Draw `frame.selection` and `frame.hover`, each when there is one. */
export function drawSelection(ctx, frame) {
  if (frame.selection) drawSelected(ctx, frame, frame.selection);
  const hover = frame.hover;
  if (hover) {
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#ffffff";
    ctx.beginPath();
    ctx.arc(hover[1], hover[2], hover[3] + 3, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

function drawSelected(ctx, frame, selection) {
  const { map, hidden } = frame;
  const emphasised = frame.emphasised;
  const shown = (n) => n.x !== null && !(n.community !== null && hidden.has(n.community));
  ctx.globalAlpha = 1;
  const x0 = frame.sx(selection.x), y0 = frame.sy(selection.y);
  for (const n of selection.neighbours) {
    if (!shown(n)) continue;
    ctx.strokeStyle = n.kind === "by" ? BY_COLOR : REC_COLOR;
    ctx.lineWidth = n.kind === "both" ? 2.2 : 1.4;
    ctx.globalAlpha = 0.85;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(frame.sx(n.x), frame.sy(n.y));
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = 1.5;
  for (const n of selection.neighbours) {
    if (!shown(n)) continue;
    const node = map.nodeById.get(n.id);
    const r = node ? frame.radius(node) + 1 : 3.5;
    const x = frame.sx(n.x), y = frame.sy(n.y);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = node ? frame.color(node.community) : UNKNOWN_COLOR;
    ctx.fill();
    ctx.strokeStyle = n.kind === "by" ? BY_COLOR : REC_COLOR;
    ctx.stroke();
    emphasised.push({ id: n.id, name: n.title, x, y, r });
  }
  const node = map.nodeById.get(selection.id);
  const r = (node ? frame.radius(node) : 5) + 3;
  ctx.beginPath();
  ctx.arc(x0, y0, r, 0, 2 * Math.PI);
  ctx.fillStyle = node ? frame.color(node.community) : UNKNOWN_COLOR;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  emphasised.unshift({ id: selection.id, name: selection.title, x: x0, y: y0, r: r + 2, main: true });
}
