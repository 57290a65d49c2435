// Drawing pass 3b: the user's own titles (MyRatings, sent as `marks`) outlined over the
// titles the node pass drew. Four kinds, told apart by shape first and colour second (the
// Okabe–Ito palette, safe for the common colour-vision deficiencies), each over a dark
// outline so it reads on any community colour:
//   high       rated 7–10   a circle
//   low        rated 1–6    a cross (×)
//   seen       seen, no rating   a square
//   watchlist  on the watchlist  a diamond
// The legend draws the same shapes (MARK_STYLES) in its key.

export const MARK_KINDS = ["high", "low", "seen", "watchlist"];
export const MARK_STYLES = {
  high: { color: "#f0e442", shape: "circle", label: "Rated 7–10" },
  low: { color: "#d55e00", shape: "cross", label: "Rated 1–6" },
  seen: { color: "#56b4e9", shape: "square", label: "Seen, not rated" },
  watchlist: { color: "#cc79a7", shape: "diamond", label: "On your watchlist" },
};
const MIN_SIZE = 4.5; // px from the centre: a mark stays visible around the smallest titles
const OUTLINE = "#0d1117";

/** A mark's path of half-size `s` around (x, y), in the shape of its kind. */
export function markPath(ctx, shape, x, y, s) {
  if (shape === "circle") {
    ctx.moveTo(x + s, y);
    ctx.arc(x, y, s, 0, 2 * Math.PI);
  } else if (shape === "square") {
    ctx.rect(x - s * 0.85, y - s * 0.85, s * 1.7, s * 1.7);
  } else if (shape === "diamond") {
    ctx.moveTo(x, y - s * 1.15);
    ctx.lineTo(x + s * 1.15, y);
    ctx.lineTo(x, y + s * 1.15);
    ctx.lineTo(x - s * 1.15, y);
    ctx.closePath();
  } else {
    const d = s * 0.8;
    ctx.moveTo(x - d, y - d);
    ctx.lineTo(x + d, y + d);
    ctx.moveTo(x + d, y - d);
    ctx.lineTo(x - d, y + d);
  }
}

/** Outline each drawn title that has a mark (`frame.marks`: Map id -> kind). */
export function drawMarks(ctx, frame) {
  const marks = frame.marks;
  if (!marks || !marks.size) return;
  const byKind = new Map(MARK_KINDS.map((k) => [k, []]));
  for (const v of frame.visible) {
    const kind = marks.get(v[0].id);
    if (kind) byKind.get(kind).push(v);
  }
  ctx.setTransform(frame.dpr, 0, 0, frame.dpr, 0, 0);
  ctx.globalAlpha = frame.dim < 1 ? 0.6 : 1;
  for (const [kind, list] of byKind) {
    if (!list.length) continue;
    const style = MARK_STYLES[kind];
    ctx.beginPath();
    for (const [, x, y, r] of list) markPath(ctx, style.shape, x, y, Math.max(MIN_SIZE, r + 2.5));
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = OUTLINE;
    ctx.stroke();
    ctx.lineWidth = 1.8;
    ctx.strokeStyle = style.color;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}
